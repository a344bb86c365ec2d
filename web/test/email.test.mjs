// Another e-mail address, from the settings (issue 12, item 8): the
// password and an authenticator code start it, the code mailed to the new
// address ends it; another account's address is refused; the old address is
// told; after a reload the unlock page and the next login use the new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, axe, confirmDevice, says, lastMail, unlock } from './helpers.mjs';

test('change the e-mail address in the settings', async (t) => {
  const srv = await startServer(t);
  const other = await account(srv.url, 'besetzt@example.org');
  const a = await account(srv.url, 'alt@example.org', undefined, 'A123456780');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('link', { name: 'Einstellungen' }).click();

  const section = page.getByTestId('email-change');
  await section.getByRole('heading', { name: 'E-Mail-Adresse ändern' }).waitFor({ timeout: 30000 });
  const start = async (to) => {
    await section.getByLabel('Neue E-Mail-Adresse').fill(to);
    await section.getByLabel('Passwort zur Bestätigung').fill(a.password);
    await section.getByLabel('Code aus der Authenticator-App').fill(await code(a.secret));
    await section.getByRole('button', { name: 'Code senden' }).click();
  };
  await start(other.email);
  await section.getByRole('alert').filter({ hasText: says('email_taken') }).waitFor({ timeout: 60000 });
  await start('neu@example.org');
  await section.getByText('Wir haben einen 8-stelligen Code an neu@example.org geschickt').waitFor({ timeout: 60000 });
  await axe(page, 'e-mail change', assert);
  const mail = await lastMail(srv.url, 'neu@example.org', 'neue E-Mail-Adresse');
  await section.getByLabel('Code aus der E-Mail an die neue Adresse').fill(mail.text.match(/Code: (\d{8})/)[1]);
  await section.getByRole('button', { name: 'Adresse ändern' }).click();
  await section.getByText('Ihr Konto verwendet jetzt neu@example.org').waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('account-facts').locator('dd').first().textContent(), 'neu@example.org');
  await lastMail(srv.url, 'alt@example.org', 'wurde geändert');

  // A reload asks for the password of the account at its new address.
  await page.reload();
  await unlock(page, a.password);
  await page.getByTestId('account-facts').waitFor({ timeout: 60000 });
  assert.equal(await page.getByTestId('account-facts').locator('dd').first().textContent(), 'neu@example.org');
  // And the next login is with it.
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('button', { name: 'Abmelden', exact: true }).click();
  await page.getByRole('button', { name: 'Anmelden', exact: true }).waitFor({ timeout: 30000 });
  await login(page, srv.url, { ...a, email: 'neu@example.org' }, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
});
