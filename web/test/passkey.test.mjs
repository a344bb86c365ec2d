// Passkeys (issue 12, item 3): Chromium's virtual authenticator over the
// DevTools protocol stands in for a phone or a laptop's own. A passkey is
// added in the settings (password and a code of the authenticator app),
// logs in after the password instead of the code (by keyboard), shows its
// last use, and once removed no longer logs in; the code still does.
// Passkeys need a domain name: the development server's base URL is
// http://127.0.0.1:PORT, so its passkeys live on http://localhost:PORT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, axe, confirmDevice, says, shot } from './helpers.mjs';

test('add a passkey in the settings and log in with it', async (t) => {
  const srv = await startServer(t);
  const base = srv.url.replace('//127.0.0.1:', '//localhost:');
  const a = await account(srv.url, 'passkey@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE' });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });

  await login(page, base, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, base, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.getByRole('link', { name: 'Einstellungen' }).click();

  const section = page.getByTestId('passkeys');
  await section.getByRole('heading', { name: 'Passkeys' }).waitFor();
  await section.getByText('Sie haben noch keinen Passkey.').waitFor({ timeout: 30000 });
  // A wrong code is refused and does not log the tab out.
  await section.getByLabel('Name des Passkeys').fill('Laptop');
  await section.getByLabel('Passwort zur Bestätigung').fill(a.password);
  await section.getByLabel('Code aus der Authenticator-App').fill('000000');
  await section.getByRole('button', { name: 'Passkey hinzufügen' }).click();
  await section.getByRole('alert').filter({ hasText: says('totp_wrong') }).waitFor({ timeout: 60000 });
  assert.ok(await page.getByRole('heading', { name: 'Einstellungen' }).isVisible(), 'a wrong code does not log the tab out');

  await section.getByLabel('Code aus der Authenticator-App').fill(await code(a.secret));
  await section.getByRole('button', { name: 'Passkey hinzufügen' }).click();
  await section.getByText('Passkey „Laptop“ hinzugefügt').waitFor({ timeout: 60000 });
  await section.getByTestId('passkey-list').getByText(/Laptop · hinzugefügt .* · noch nicht benutzt/).waitFor();
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.ok(credentials[0].isResidentCredential, 'the passkey is discoverable');
  await axe(page, 'passkeys in the settings', assert);
  await shot(page, 'passkeys-settings');

  // Logged out: the password, then the passkey instead of the code, by
  // keyboard.
  await page.locator('header').getByRole('button', { name: 'Abmelden' }).click();
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: 30000 });
  await page.getByLabel('E-Mail-Adresse').fill(a.email);
  await page.getByLabel('Passwort', { exact: true }).fill(a.password);
  await axe(page, 'login with the passkey choice', assert);
  await shot(page, 'passkeys-login');
  await page.getByRole('button', { name: 'Mit Passkey bestätigen' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  const { credentials: used } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.ok(used[0].signCount > credentials[0].signCount, 'the authenticator signed');

  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await section.getByTestId('passkey-list').getByText(/Laptop · hinzugefügt .* · zuletzt benutzt/).waitFor({ timeout: 30000 });
  await section.getByRole('button', { name: 'Passkey „Laptop“ entfernen' }).click();
  await section.getByText('Sie haben noch keinen Passkey.').waitFor({ timeout: 30000 });

  // Removed on the server, it no longer logs in (the authenticator still
  // holds it); the code does.
  await page.locator('header').getByRole('button', { name: 'Abmelden' }).click();
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: 30000 });
  await page.getByLabel('E-Mail-Adresse').fill(a.email);
  await page.getByLabel('Passwort', { exact: true }).fill(a.password);
  await page.getByRole('button', { name: 'Mit Passkey bestätigen' }).click();
  await page.getByRole('alert').filter({ hasText: says('login_failed') }).waitFor({ timeout: 60000 });
  await login(page, base, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });

  // English second.
  const en = await browser.newContext({ locale: 'en-US' });
  await en.addInitScript(() => localStorage.setItem('akte.lang', 'en'));
  const p2 = await en.newPage();
  await p2.goto(base + '/anmelden');
  await p2.getByRole('button', { name: 'Use a passkey' }).waitFor({ timeout: 30000 });
  await en.close();
});
