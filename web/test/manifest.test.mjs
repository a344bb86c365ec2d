// The record's manifest in the web app (docs/crypto.md §15.1): uploads and
// deletes through the page and the CLI keep it, so that an honest listing
// names nothing; a listing from which the server (internal/evilproxy)
// withholds a document, or into which it brings a deleted one back, is
// reported above the documents, in German and English.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from '../src/catalog.js';
import { startServer, evilProxy, launch, account, login, code, cli, axe, confirmDevice, unlock, uploadFiles, docAction } from './helpers.mjs';

test('the web app reports a withheld and a resurrected document', async (t) => {
  const srv = await startServer(t);
  const ev = await evilProxy(t, srv.url);
  const a = await account(ev.url, 'manifest-web@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The page logs in (a new device: confirmed by the mailed link), then
  // documents from the CLI and from the page.
  writeFileSync(join(a.home, 'befund.txt'), 'Befund');
  writeFileSync(join(a.home, 'brief.txt'), 'Arztbrief');
  await login(page, ev.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 }); // Argon2id in the page, on a busy machine
  await confirmDevice(srv.url, a.email);
  await login(page, ev.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await cli(ev.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const upload = async (file, ...args) => JSON.parse(await cli(ev.url, a.home, ['upload', join(a.home, file), '--json', ...args]))[0].id;
  await upload('befund.txt', '--category', 'findings');
  const letter = await upload('brief.txt', '--category', 'letters');
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('button', { name: 'Ansehen: brief' }).waitFor({ timeout: 30000 });
  await uploadFiles(page, { name: 'Laborwerte.txt', mimeType: 'text/plain', buffer: Buffer.from('Hb 14,1') });
  await page.getByRole('button', { name: 'Ansehen: Laborwerte' }).waitFor({ timeout: 30000 });

  // The page's upload is in the manifest: the CLI's listing names
  // nothing. The wire form of the page's document, for the server to
  // bring back later.
  const listed = JSON.parse(await cli(ev.url, a.home, ['ls', '--json']));
  assert.equal(listed.length, 3);
  assert.deepEqual(listed.filter((l) => l.problem), [], 'an honest listing names no problem');
  const lab = listed.find((l) => l.title === 'Laborwerte').id;
  const { token, record_id: rid } = JSON.parse(readFileSync(join(a.home, 'state.json'), 'utf8'));
  const wireLab = await (await fetch(`${srv.url}/api/v1/records/${rid}/items/${lab}`, { headers: { Authorization: 'Bearer ' + token } })).text();
  assert.ok(wireLab.includes(lab));

  // A delete through the page, then an honest listing.
  await docAction(page, 'Laborwerte', 'Löschen');
  await page.getByRole('button', { name: 'Endgültig löschen' }).click();
  await page.getByText('„Laborwerte“ gelöscht.').waitFor({ timeout: 30000 });
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('button', { name: 'Ansehen: brief' }).waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('list-problems').count(), 0, 'an honest listing names no problem');

  // Resurrected: the deleted document in the listing again.
  await ev.rule({ method: 'GET', path: `/api/v1/records/${rid}/items`, replace: ['[', '[' + wireLab + ','] });
  await page.reload();
  await unlock(page, a.password);
  await page.getByTestId('list-problems').getByText(text('de', 'item_resurrected', { item: lab })).waitFor({ timeout: 30000 });
  await axe(page, 'resurrected document', assert);
  await ev.reset();

  // Withheld: the listing of all is the listing of findings.
  await ev.rule({ method: 'GET', path: `/api/v1/records/${rid}/items`, from: `/api/v1/records/${rid}/items?category=findings` });
  await page.reload();
  await unlock(page, a.password);
  await page.getByTestId('list-problems').getByText(text('de', 'item_withheld', { item: letter })).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByTestId('list-problems').getByText(text('en', 'item_withheld', { item: letter })).waitFor({ timeout: 30000 });
  await axe(page, 'withheld document', assert);
  await ev.reset();
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('button', { name: 'View: brief' }).waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('list-problems').count(), 0, 'the honest listing again names nothing');
  assert.deepEqual(errors, []);
});
