// Closing the account in the web app (issue 16, item 7): the settings say
// what will be lost and when, ask before giving notice, show the date of
// the deletion and take the notice back with one click; the CLI sees the
// same notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, confirmDevice, cli, axe, lastMail } from './helpers.mjs';

test('notice on the account is given with a warning and taken back with one click', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'kuendigung@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 780 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  const section = page.getByTestId('termination');
  await section.getByRole('button', { name: 'Konto kündigen …' }).click();
  const ask = section.getByRole('alertdialog');
  assert.match(await ask.innerText(), /nicht rückgängig/);
  await axe(page, 'termination question', assert);
  await ask.getByRole('button', { name: 'Ja, Konto kündigen' }).click();
  await section.getByRole('alert').filter({ hasText: 'Ihr Konto ist gekündigt' }).waitFor();
  const date = (await section.getByRole('alert').filter({ hasText: 'gekündigt' }).innerText()).match(/Am (\S+)/)[1];
  const mail = await lastMail(srv.url, a.email, 'Kündigung ist eingegangen');
  assert.ok(mail.text.includes('akte account keep'), mail.text);
  // The CLI sees the notice: the same date, 28 days on.
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const deleteAt = new Date(JSON.parse(await cli(srv.url, a.home, ['account', 'terminate', '--yes', '--json'], a.env)).delete_at);
  assert.ok(Math.abs(deleteAt - Date.now() - 28 * 86400e3) < 3600e3, `deletion in 28 days: ${deleteAt.toISOString()}`);
  assert.equal(date, deleteAt.toLocaleDateString('de-DE', { day: '2-digit', month: '2-digit', year: 'numeric' }));
  await section.getByRole('button', { name: 'Kündigung zurücknehmen' }).click();
  await section.getByText('Die Kündigung ist zurückgenommen').waitFor();
  await assert.rejects(cli(srv.url, a.home, ['account', 'keep'], a.env), /nicht gekündigt|no notice/);
  assert.deepEqual(errors, []);
});
