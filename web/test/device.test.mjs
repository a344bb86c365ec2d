// The browser keeps its device secret in an HttpOnly cookie: during an
// attack on its account (strangers' wrong logins) the confirmed browser
// logs in at once, a browser without the cookie waits like the strangers.
// And a login with an unconfirmed address, once password and code are
// right, offers the confirmation the registration left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, cli, lastMail, tempDir, axe, confirmDevice, says } from './helpers.mjs';

test('the confirmed browser logs in during an attack on its account', async (t) => {
  // The back-off's first wait is a minute, so that a slow machine stays
  // within it.
  const srv = await startServer(t, ['--limit-login-delay', '1m']);
  const a = await account(srv.url, 'angegriffen@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE' });
  const page = await ctx.newPage();
  // Confirm this browser as a device; its first login gives it the secret.
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor();
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  const cookie = (await ctx.cookies()).find((c) => c.name === 'akte_device');
  assert.ok(cookie, 'no device cookie');
  assert.ok(cookie.httpOnly && cookie.sameSite === 'Strict', `device cookie ${JSON.stringify(cookie)}`);
  assert.equal(await page.evaluate(() => document.cookie.includes('akte_device')), false, 'scripts see the device cookie');
  await page.getByRole('button', { name: 'Abmelden', exact: true }).click();
  await page.getByText('Sie sind abgemeldet.').waitFor();

  // Strangers who know only the address: 5 wrong logins; the next must
  // wait a minute.
  for (let i = 0; i < 5; i++) {
    const r = await fetch(srv.url + '/api/v1/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: a.email, login_secret: Buffer.alloc(32).toString('base64'), totp: '123456', device_id: 'stranger-0001', device_name: 'Fremd' }),
    });
    assert.equal(r.status, 401, 'a stranger\'s wrong login');
  }
  const attacked = Date.now();

  // The confirmed browser logs in at once.
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  // A browser without the cookie waits like the strangers.
  const fresh = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  await login(fresh, srv.url, a, await code(a.secret, { use: false }));
  await fresh.getByText('Zu viele Versuche').waitFor();
  assert.ok(Date.now() - attacked < 60000, 'the checks outlasted the back-off');
  // The CLI of another installation waits too.
  await assert.rejects(cli(srv.url, tempDir('akte-cli-'), ['login', '--email', a.email, '--totp', await code(a.secret, { use: false })], a.env), says('rate_limited_wait'));
});

test('a login with an unconfirmed address offers the confirmation', async (t) => {
  const srv = await startServer(t);
  const email = 'unbestaetigt@example.org';
  const password = 'Lindenblüte-Morgentau-42';
  const home = tempDir('akte-cli-');
  const reg = JSON.parse(await cli(srv.url, home, ['register', '--email', email, '--kvnr', 'X110411675', '--birthdate', '1980-04-01', '--accept', '--json'], { AKTE_PASSWORD: password }));
  const browser = await launch(t);
  const page = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  const a = { email, password };
  // A wrong code says nothing about the address.
  await login(page, srv.url, a, '000000' === (await code(reg.totp_secret, { use: false })) ? '111111' : '000000');
  await page.getByText('E-Mail-Adresse, Passwort oder Code ist falsch.').waitFor();
  // Password and code right: the confirmation form.
  await login(page, srv.url, a, await code(reg.totp_secret, { use: false }));
  await page.getByRole('heading', { name: 'E-Mail-Adresse bestätigen' }).waitFor();
  await axe(page, 'confirmation after login', assert);
  const mail = await lastMail(srv.url, email, 'Bestätigen');
  await page.getByLabel('Code aus der E-Mail').fill(mail.text.match(/Code: (\d{8})/)[1]);
  await page.getByRole('button', { name: 'Bestätigen' }).click();
  await page.getByText('E-Mail-Adresse bestätigt. Bitte melden Sie sich jetzt an.').waitFor();
  // The form kept the address and password; the login goes on to the
  // next step, this browser's confirmation as a device.
  assert.equal(await page.getByLabel('E-Mail-Adresse').inputValue(), email);
  await page.getByLabel('Code aus der Authenticator-App').fill(await code(reg.totp_secret, { use: false }));
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
  await page.getByText('Neues Gerät').waitFor();
});
