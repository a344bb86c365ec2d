// Renewing the keys in the settings: the password and a code prove the
// owner, the page shows a new recovery key with the registration's print
// and download, every document still opens (also after a reload), the
// other sessions end and the old recovery key no longer works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, cli, sha256, axe, shot, confirmDevice, says, unlock, docAction } from './helpers.mjs';

test('renew keys in the settings', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'erneuert@example.org');
  const doc = Buffer.from('Befund vor dem Schlüsselwechsel\n'.repeat(2000));
  writeFileSync(join(a.home, 'befund.txt'), doc);
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  await cli(srv.url, a.home, ['upload', join(a.home, 'befund.txt'), '--category', 'findings', '--title', 'Befund'], a.env);

  const browser = await launch(t);
  const ctx = await browser.newContext({ acceptDownloads: true, locale: 'de-DE' });
  const page = await ctx.newPage();
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor();
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });

  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await page.getByRole('heading', { name: 'Schlüssel erneuern' }).waitFor();
  const form = page.locator('form', { has: page.locator('input[name=renew-password]') });
  // A wrong password: refused in the page, this tab stays logged in.
  await form.getByLabel('Passwort zur Bestätigung').fill(a.password + 'x');
  await form.getByLabel('Code aus der Authenticator-App').fill(await code(a.secret, { use: false }));
  await page.getByRole('button', { name: 'Schlüssel erneuern' }).click();
  await form.getByText('Das Passwort ist falsch.').waitFor({ timeout: 30000 });
  // A wrong code: refused by the server, this tab stays logged in.
  await form.getByLabel('Passwort zur Bestätigung').fill(a.password);
  await form.getByLabel('Code aus der Authenticator-App').fill('000000');
  await page.getByRole('button', { name: 'Schlüssel erneuern' }).click();
  await form.getByText('Der Code aus der Authenticator-App ist falsch.').waitFor({ timeout: 30000 });
  await axe(page, 'renew keys', assert);
  assert.equal(JSON.parse(await cli(srv.url, a.home, ['recovery-key', '--json'], a.env)).recovery_key, a.recoveryKey, 'a refused renewal changed the key');

  await form.getByLabel('Code aus der Authenticator-App').fill(await code(a.secret));
  await page.getByRole('button', { name: 'Schlüssel erneuern' }).click();
  await page.getByText('Ihr bisheriger Sicherheitsschlüssel gilt nicht mehr').waitFor({ timeout: 30000 });
  const section = page.locator('section.card', { has: page.getByRole('heading', { name: 'Schlüssel erneuern' }) });
  await section.getByRole('heading', { name: 'Ihr persönlicher Sicherheitsschlüssel' }).waitFor();
  const renewed = await section.locator('.rk-group').evaluateAll((els) => els.map((e) => e.lastChild.textContent.trim()).join('-'));
  assert.equal(renewed.split('-').length, 14);
  assert.notEqual(renewed, a.recoveryKey);
  await section.getByRole('button', { name: 'Drucken' }).waitFor();
  const [file] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: 'Als Datei speichern' }).click()]);
  assert.ok(readFileSync(await file.path(), 'utf8').includes(renewed), 'the saved file holds the new key');
  await axe(page, 'renewed keys', assert);
  await shot(page, 'renewed-keys');

  // The CLI's session ended; logged in again it shows the new key.
  await assert.rejects(cli(srv.url, a.home, ['whoami'], a.env), says('unauthenticated'));
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  assert.equal(JSON.parse(await cli(srv.url, a.home, ['recovery-key', '--json'], a.env)).recovery_key, renewed);

  // The document opens with the new key, also after a reload.
  for (const reload of [false, true]) {
    // A reload asks for the password, which opens the new key.
    if (reload) await page.reload(), await unlock(page, a.password);
    await page.getByRole('link', { name: 'Meine Akte' }).click();
    const [dl] = await Promise.all([page.waitForEvent('download'), docAction(page, 'Befund', 'Herunterladen')]);
    assert.equal(sha256(readFileSync(await dl.path())), sha256(doc), `the document after the renewal (reload: ${reload})`);
  }

  // The old recovery key no longer starts a recovery.
  await assert.rejects(
    cli(srv.url, a.home, ['password', 'reset', '--email', a.email, '--totp', await code(a.secret)], {
      AKTE_RECOVERY_KEY: a.recoveryKey, AKTE_NEW_PASSWORD: 'Egal-Welches-4711',
    }),
    says('recovery_failed'),
  );
});
