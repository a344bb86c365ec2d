// Another authenticator app, from the settings (issue 12, item 8): the
// password proved in the page, the new secret shown as at registration, a
// mis-scan refused with nothing changed, and afterwards only the new app's
// codes log in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, axe, confirmDevice, says, sameSteps } from './helpers.mjs';

test('change the authenticator app in the settings', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'neues-telefon@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE' });
  const page = await ctx.newPage();
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.getByRole('link', { name: 'Einstellungen' }).click();

  const section = page.getByTestId('authenticator');
  await section.getByRole('heading', { name: 'Authenticator-App wechseln' }).waitFor();
  // A wrong password is refused in the page.
  await section.getByLabel('Passwort zur Bestätigung').fill(a.password + 'x');
  await section.getByRole('button', { name: 'Neue App einrichten' }).click();
  await section.getByText('Das Passwort ist falsch.').waitFor({ timeout: 60000 });
  await section.getByLabel('Passwort zur Bestätigung').fill(a.password);
  await section.getByRole('button', { name: 'Neue App einrichten' }).click();
  const secret = (await section.getByTestId('totp-secret').textContent({ timeout: 60000 })).replace(/\s/g, '');
  assert.notEqual(secret, a.secret);
  const link = await section.getByRole('link', { name: 'In der Authenticator-App öffnen' }).getAttribute('href');
  assert.match(link, new RegExp(`^otpauth://totp/.*[?&]secret=${secret}(&|$)`));
  await axe(page, 'change authenticator', assert);

  // A mis-scan: the current app's code typed as the new one's.
  await section.getByLabel('Code der bisherigen App').fill(await code(a.secret));
  await section.getByLabel('Code der neuen App').fill(await code(a.secret));
  await section.getByRole('button', { name: 'Wechseln' }).click();
  await section.getByRole('alert').filter({ hasText: says('totp_new_wrong') }).waitFor({ timeout: 30000 });
  assert.ok(await page.getByRole('heading', { name: 'Einstellungen' }).isVisible(), 'a wrong code does not log the tab out');

  await section.getByLabel('Code der bisherigen App').fill(await code(a.secret));
  await section.getByLabel('Code der neuen App').fill(await code(secret));
  await section.getByRole('button', { name: 'Wechseln' }).click();
  await section.getByText('Die neue Authenticator-App gilt ab jetzt').waitFor({ timeout: 30000 });

  // Logged out, the old app's code no longer logs in; the new one's does.
  await page.locator('header').getByRole('button', { name: 'Abmelden' }).click();
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: 30000 });
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('alert').filter({ hasText: says('login_failed') }).waitFor({ timeout: 60000 });
  sameSteps(secret, a.secret);
  await login(page, srv.url, { ...a, secret }, await code(secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
});
