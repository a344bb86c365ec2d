// Shares in the web app (issue 15, items 1–3 and 8; decision 0042): a
// recipient without an account opens a link with the right password in
// Chromium and downloads the documents byte-identical; ten wrong passwords
// lock a share; a revoked share answers like an unknown code; an access
// code typed on the share page opens the same documents. The patient
// makes a link and a code share on the shares page, downloads the
// access-code sheet, sees the view log and revokes. German and English,
// axe-clean at 360 and 1280 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, launch, account, login, code, cli, axe, confirmDevice, shot, tempDir, sha256 } from './helpers.mjs';
import { text } from '../src/catalog.js';
import { element, us } from './dicomfiles.mjs';

const PW = 'Zweitmeinung-Herbst-77';

// recipient opens a fresh browser context without an account.
async function recipient(browser, locale = 'de-DE') {
  const ctx = await browser.newContext({ locale, viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

async function downloadOf(page, button) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), button.click()]);
  return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
}

async function opened(page) {
  await page.getByRole('heading', { name: /Freigegebene Dokumente|Shared documents/ }).waitFor({ timeout: 60000 });
}

test('a recipient opens a share by link and by code; wrong passwords lock it; revoked answers like unknown', async (t) => {
  const srv = await startServer(t, ['--log-level', 'debug']);
  const alice = await account(srv.url, 'alice-share@example.org');
  await cli(srv.url, alice.home, ['login', '--email', alice.email, '--totp', await code(alice.secret)], alice.env);
  const dir = tempDir();
  const files = { 'befund.pdf': randomBytes(2_500_000), 'roentgen.jpg': randomBytes(40_000) };
  const ids = {};
  for (const [name, b] of Object.entries(files)) {
    writeFileSync(join(dir, name), b);
    const out = JSON.parse(await cli(srv.url, alice.home, ['upload', join(dir, name), '--category', 'findings', '--title', name.split('.')[0], '--json'], alice.env));
    ids[name] = out[0].id;
  }
  const env = { ...alice.env, AKTE_SHARE_PASSWORD: PW };
  const link = JSON.parse(await cli(srv.url, alice.home, ['share', 'create', ids['befund.pdf'], ids['roentgen.jpg'], '--json'], env));
  const byCode = JSON.parse(await cli(srv.url, alice.home, ['share', 'create', ids['befund.pdf'], ids['roentgen.jpg'], '--code', '--json'], env));
  const locking = JSON.parse(await cli(srv.url, alice.home, ['share', 'create', ids['roentgen.jpg'], '--json'], env));

  const browser = await launch(t);
  // The link with the right password: both documents, byte-identical.
  const { page, errors } = await recipient(browser);
  await page.goto(link.link);
  await page.getByRole('heading', { name: 'Freigabe öffnen' }).waitFor({ timeout: 30000 });
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(page, `share page at ${w} px`, assert);
  }
  await shot(page, 'share-open');
  await page.getByLabel('Passwort der Freigabe').fill(PW);
  await page.getByLabel('Passwort der Freigabe').press('Enter'); // the keyboard submits
  await opened(page);
  const list = page.getByTestId('shared-items');
  for (const [name, b] of Object.entries(files)) {
    const got = await downloadOf(page, list.getByRole('button', { name: `„${name.split('.')[0]}“ herunterladen` }));
    assert.equal(got.name, name);
    assert.equal(sha256(got.bytes), sha256(b), `${name} byte-identical`);
  }
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(page, `shared documents at ${w} px`, assert);
  }
  await shot(page, 'share-opened');

  // The access code typed on the share page (lower case, spaces): the same
  // documents; in English.
  const en = await recipient(browser, 'en-GB');
  await en.page.goto(srv.url + '/freigabe');
  await en.page.getByRole('button', { name: 'English' }).click().catch(() => {});
  const codeField = en.page.getByLabel(/Zugangscode|Access code/);
  await codeField.fill(byCode.code.toLowerCase().replaceAll('-', ' '));
  await en.page.getByLabel(/Passwort der Freigabe|Share password/).fill(PW);
  await en.page.getByRole('button', { name: /Öffnen|Open/ }).click();
  await opened(en.page);
  const got = await downloadOf(en.page, en.page.getByTestId('shared-items').getByRole('button', { name: /roentgen/ }));
  assert.equal(sha256(got.bytes), sha256(files['roentgen.jpg']));

  // Ten wrong passwords lock the share; the right one no longer opens it.
  const wrong = await recipient(browser);
  const unavailable = new RegExp(text('de', 'share_unavailable').slice(0, 40));
  for (let i = 0; i < 10; i++) {
    await wrong.page.goto(locking.link);
    await wrong.page.getByLabel('Passwort der Freigabe').fill(`falsch-${i}-falsch`);
    await wrong.page.getByRole('button', { name: 'Öffnen' }).click();
    await wrong.page.getByRole('alert').filter({ hasText: unavailable }).waitFor({ timeout: 30000 });
  }
  const states = JSON.parse(await cli(srv.url, alice.home, ['share', 'ls', '--json'], alice.env));
  assert.equal(states.find((s) => s.id === locking.share.id).state, 'locked');
  await wrong.page.goto(locking.link);
  await wrong.page.getByLabel('Passwort der Freigabe').fill(PW);
  await wrong.page.getByRole('button', { name: 'Öffnen' }).click();
  await wrong.page.getByRole('alert').filter({ hasText: /\S/ }).waitFor({ timeout: 30000 });
  assert.doesNotMatch(await wrong.page.getByRole('heading', { level: 1 }).innerText(), /Freigegebene/);

  // Revoked: the same words as a code that never existed.
  await cli(srv.url, alice.home, ['share', 'revoke', byCode.share.id], alice.env);
  const answer = async (c) => {
    const r = await recipient(browser);
    await r.page.goto(srv.url + '/freigabe');
    await r.page.getByLabel('Zugangscode').fill(c);
    await r.page.getByLabel('Passwort der Freigabe').fill(PW);
    await r.page.getByRole('button', { name: 'Öffnen' }).click();
    const alert = r.page.getByRole('alert').filter({ hasText: /\S/ });
    await alert.waitFor({ timeout: 30000 });
    return alert.innerText();
  };
  assert.equal(await answer(byCode.code), await answer('ABCD-EFGH-JKMN'));

  // The fragment's secret never reached the server's log.
  const logs = srv.logs.join('\n');
  for (const secret of [link.link.split('#')[1], byCode.code, byCode.code.replaceAll('-', ''), locking.link.split('#')[1]]) {
    assert.ok(!logs.includes(secret), `the server log holds ${secret}`);
  }
  assert.deepEqual([...errors, ...en.errors, ...wrong.errors], []);
});

test('the patient shares on the shares page, downloads the code sheet, sees the view log and revokes', async (t) => {
  const srv = await startServer(t);
  const alice = await account(srv.url, 'alice-shares@example.org');
  await cli(srv.url, alice.home, ['login', '--email', alice.email, '--totp', await code(alice.secret)], alice.env);
  const dir = tempDir();
  const doc = randomBytes(30_000);
  writeFileSync(join(dir, 'labor.pdf'), doc);
  await cli(srv.url, alice.home, ['upload', join(dir, 'labor.pdf'), '--category', 'findings', '--title', 'Laborbefund'], alice.env);

  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, srv.url, alice, await code(alice.secret, { use: false }));
  await page.getByText(/Neues Gerät|New device/).waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, alice.email);
  await login(page, srv.url, alice, await code(alice.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.getByRole('link', { name: 'Geteilt' }).click();
  await page.getByRole('heading', { name: 'Geteilt', level: 1 }).waitFor({ timeout: 30000 });
  await page.getByText('Sie haben noch nichts freigegeben.').waitFor({ timeout: 30000 });
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(page, `shares page at ${w} px`, assert);
  }

  // A link with a password.
  await page.getByRole('checkbox', { name: 'Laborbefund' }).check();
  await page.getByLabel('Passwort der Freigabe').fill(PW);
  await page.getByRole('button', { name: 'Freigeben' }).click();
  const linkText = await page.getByTestId('share-link').innerText({ timeout: 60000 });
  assert.match(linkText, new RegExp('^' + srv.url.replace(/[.]/g, '\\.') + '/freigabe#[A-Za-z0-9_-]{43}$'));
  // A code without a password, and its sheet.
  await page.getByRole('checkbox', { name: 'Laborbefund' }).check();
  await page.getByLabel('Zugangscode zum Ausdrucken').check();
  await page.getByLabel('ohne Passwort').check();
  await page.getByRole('button', { name: 'Freigeben' }).click();
  const shownCode = await page.getByTestId('share-code').innerText({ timeout: 60000 });
  assert.match(shownCode, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
  const sheet = await downloadOf(page, page.getByRole('button', { name: 'Zugangscode-Blatt herunterladen (PDF)' }));
  assert.equal(sheet.bytes.subarray(0, 5).toString(), '%PDF-');
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(page, `shares page with a code at ${w} px`, assert);
  }
  await shot(page, 'shares');

  // The recipient opens the code share (no password) with the CLI; the
  // patient's list shows the view; the patient revokes the link share.
  const rcp = tempDir();
  const out = JSON.parse(await cli(srv.url, rcp, ['share', 'open', shownCode, '--no-password', '-o', rcp, '--json']));
  assert.equal(sha256(readFileSync(out[0].file)), sha256(doc));
  await page.getByRole('link', { name: 'Meine Akte' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.getByRole('link', { name: 'Geteilt' }).click();
  const list = page.getByTestId('shares');
  await list.getByText(/Geöffnet: /).waitFor({ timeout: 30000 });
  await list.getByRole('button', { name: /widerrufen/ }).first().waitFor();
  const before = await list.getByRole('button', { name: /widerrufen/ }).count();
  await list.getByRole('button', { name: /widerrufen/ }).first().click();
  await page.getByText('Freigabe widerrufen.').waitFor({ timeout: 30000 });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=shares] button').length === n - 1, before);
  await list.getByText(/widerrufen$|· widerrufen ·/).first().waitFor({ timeout: 30000 });
  assert.deepEqual(errors, []);
});

// ctSlice is a small DICOM Part 10 CT image (8 × 8 pixels of 16 bits), as
// in cd.test.mjs.
function ctSlice({ study, series, sop, n }) {
  const ct = '1.2.840.10008.5.1.4.1.1.2';
  const metaBody = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', ct),
    element(0x0002, 0x0003, 'UI', sop),
    element(0x0002, 0x0010, 'UI', '1.2.840.10008.1.2.1'),
    element(0x0002, 0x0012, 'UI', '1.2.826.0.1.3680043.10.543'),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length);
  const pixels = Buffer.alloc(128);
  for (let i = 0; i < 64; i++) pixels.writeUInt16LE((i * 37 + n * 101) % 4096, 2 * i);
  return Buffer.concat([
    Buffer.alloc(128), Buffer.from('DICM'), element(0x0002, 0x0000, 'UL', groupLength), metaBody,
    element(0x0008, 0x0016, 'UI', ct), element(0x0008, 0x0018, 'UI', sop), element(0x0008, 0x0020, 'DA', '20240115'),
    element(0x0008, 0x0060, 'CS', 'CT'), element(0x0008, 0x0080, 'LO', 'Radiologie Musterstadt'), element(0x0008, 0x1030, 'LO', 'CT Thorax'),
    element(0x0010, 0x0010, 'PN', 'Beispiel^Carla'), element(0x0010, 0x0030, 'DA', '19800401'),
    element(0x0020, 0x000d, 'UI', study), element(0x0020, 0x000e, 'UI', series), element(0x0020, 0x0013, 'IS', String(n)),
    element(0x0028, 0x0002, 'US', us(1)), element(0x0028, 0x0004, 'CS', 'MONOCHROME2'), element(0x0028, 0x0010, 'US', us(8)),
    element(0x0028, 0x0011, 'US', us(8)), element(0x0028, 0x0100, 'US', us(16)), element(0x0028, 0x0101, 'US', us(12)),
    element(0x0028, 0x0102, 'US', us(11)), element(0x0028, 0x0103, 'US', us(0)), element(0x7fe0, 0x0010, 'OW', pixels),
  ]);
}

test('a shared image study opens in the viewer for a recipient without an account (issue 18, item 4)', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'viewer-share@example.org'); // born 1980-04-01
  const uid = (x) => '1.2.826.0.1.3680043.10.543.79.' + x;
  const cd = join(tempDir(), 'CD');
  mkdirSync(join(cd, 'DICOM'), { recursive: true });
  for (let n = 1; n <= 6; n++) writeFileSync(join(cd, 'DICOM', `IM${n}`), ctSlice({ study: uid(1), series: uid(2), sop: uid(100 + n), n }));
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const got = JSON.parse(await cli(srv.url, a.home, ['import-cd', cd, '--yes', '--json'], a.env));
  const shared = JSON.parse(await cli(srv.url, a.home, ['share', 'create', got[0].id, '--code', '--json'], { ...a.env, AKTE_SHARE_PASSWORD: PW }));

  const browser = await launch(t);
  const { page, errors } = await recipient(browser);
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(srv.url + '/freigabe');
  await page.getByLabel('Zugangscode').fill(shared.code);
  await page.getByLabel('Passwort der Freigabe').fill(PW);
  await page.getByRole('button', { name: 'Öffnen' }).click();
  await opened(page);
  const view = page.getByRole('button', { name: /^Ansehen: / });
  await view.waitFor({ timeout: 30000 }).catch(async (e) => {
    throw new Error(`${e.message}\npage: ${await page.locator('main').innerText()}`);
  });
  await view.click();
  try {
    await page.locator('[data-testid="dicom-viewport"][data-rendered="0"]').waitFor({ timeout: 60000 });
  } catch (e) {
    throw new Error(`${e.message}\npage: ${await page.locator('main').innerText()}\nerrors: ${errors}`);
  }
  await axe(page, 'shared study at 360 px', assert);
  assert.deepEqual(errors, []);
});
