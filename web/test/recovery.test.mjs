// The forgotten password: with the recovery key the data stays readable;
// without it the page warns in plain words, asks for the data loss to be
// confirmed, and hands out a new recovery key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, cli, sha256, lastMail, axe, shot, confirmDevice, docAction } from './helpers.mjs';

test('password reset with and without the recovery key', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'vergesslich@example.org');
  const doc = Buffer.from('Laborwerte 2024\n'.repeat(1000));
  writeFileSync(join(a.home, 'labor.txt'), doc);
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  await cli(srv.url, a.home, ['upload', join(a.home, 'labor.txt'), '--category', 'findings', '--title', 'Laborwerte'], a.env);

  const browser = await launch(t);
  const ctx = await browser.newContext({ acceptDownloads: true, locale: 'de-DE' });
  const page = await ctx.newPage();
  // Confirm this browser as a device first.
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor();
  await confirmDevice(srv.url, a.email);

  // With the recovery key.
  await page.getByRole('link', { name: 'Passwort vergessen?' }).click();
  await page.getByRole('heading', { name: 'Passwort vergessen' }).waitFor();
  await axe(page, 'forgot password', assert);
  await shot(page, 'forgot-password');
  const newPw = 'Birkenrinde-Abendrot-77';
  await page.getByLabel('E-Mail-Adresse').fill(a.email);
  await page.getByLabel('Sicherheitsschlüssel', { exact: true }).fill(a.recoveryKey.toLowerCase().replaceAll('-', ' '));
  await page.getByLabel('Code aus der Authenticator-App').fill(await code(a.secret));
  await page.getByLabel('Neues Passwort', { exact: true }).fill(newPw);
  await page.getByLabel('Passwort wiederholen').fill(newPw);
  await page.getByRole('button', { name: 'Neues Passwort setzen' }).click();
  await page.getByText('Neues Passwort gesetzt').waitFor({ timeout: 30000 });
  await login(page, srv.url, { ...a, password: newPw }, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  const [dl] = await Promise.all([page.waitForEvent('download'), docAction(page, 'Laborwerte', 'Herunterladen')]);
  assert.equal(sha256(readFileSync(await dl.path())), sha256(doc), 'the document is still readable');
  await page.getByRole('button', { name: 'Abmelden', exact: true }).click();
  await page.getByText('Sie sind abgemeldet.').waitFor();

  // Without the recovery key.
  await page.goto(srv.url + '/#/passwort-vergessen');
  await page.getByLabel(/Nein – Konto zurücksetzen/).check();
  await page.getByText('kann niemand Ihre verschlüsselten Daten wiederherstellen').waitFor();
  await page.getByLabel('E-Mail-Adresse').fill(a.email);
  await page.getByRole('button', { name: 'Code anfordern' }).click();
  await page.getByRole('heading', { name: 'Konto zurücksetzen' }).waitFor();
  await axe(page, 'reset without key', assert);
  await shot(page, 'reset-without-key');
  const resetMail = await lastMail(srv.url, a.email, 'zurücksetzen');
  await page.getByLabel('Code aus der E-Mail').fill(resetMail.text.match(/Code: (\d{8})/)[1]);
  await page.getByLabel('Code aus der Authenticator-App').fill(await code(a.secret));
  const pw3 = 'Kiefernzapfen-Morgenrot-19';
  await page.getByLabel('Neues Passwort', { exact: true }).fill(pw3);
  await page.getByLabel('Passwort wiederholen').fill(pw3);
  await page.getByLabel('Zur Bestätigung LÖSCHEN tippen').fill('LÖSCHEN');
  await page.getByRole('button', { name: /Daten löschen/ }).click();
  await page.getByText('Bitte bestätigen Sie den Datenverlust').waitFor();
  await page.getByLabel(/Ich habe verstanden/).check();
  await page.getByRole('button', { name: /Daten löschen/ }).click();
  await page.getByRole('heading', { name: 'Ihr persönlicher Sicherheitsschlüssel' }).waitFor({ timeout: 30000 });
  const groups = await page.locator('.rk-group').evaluateAll((els) => els.map((e) => e.lastChild.textContent.trim()));
  assert.equal(groups.length, 14);
  assert.notEqual(groups.join('-'), a.recoveryKey);
  for (const name of ['rk-group-1', 'rk-group-2']) {
    const label = await page.locator(`label[for=${name}]`).textContent();
    await page.locator(`input[name=${name}]`).fill(groups[Number(label.match(/\d+/)[0]) - 1]);
  }
  await page.getByRole('button', { name: 'Weiter zur Anmeldung' }).click();
  await page.getByText('Konto zurückgesetzt').waitFor();
  // The old documents are gone: the server lists none.
  const items = await cli(srv.url, a.home, ['ls', '--json'], a.env).catch((e) => e.message);
  assert.doesNotMatch(items, /Laborwerte/);
});
