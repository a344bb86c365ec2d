// Export and import of the whole record in the web app (issue 16, items 3
// and 4; decision 0049). The browser's archive is the CLI's: an export
// made in Chromium is imported with `akte import` into a second server and
// every document comes back byte for byte; an archive of `akte export` is
// imported in the browser into a second server, a second run adds
// nothing, and a truncated, a wrong-passphrase and a foreign archive are
// refused in the person's language with nothing changed. The termination
// offers the export, warns and is taken back (in English at 1280 px: the
// German at 360 px is lifecycle.test.mjs). German and English, keyboard,
// axe at 360 and 1280 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, unlock, code, confirmDevice, cli, axe, shot, tempDir, readFileSync, minimalPDF } from './helpers.mjs';
import { text } from '../src/catalog.js';
import { element, us } from './dicomfiles.mjs';

const PASS = 'Heckenrose-Abendlicht-7';

// random returns n bytes that do not compress (a scanned letter).
function random(n, seed) {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 255;
  }
  return b;
}

// ctSlice is one slice of a small CT study as a patient CD holds it (as
// in share.test.mjs).
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

// record uploads three documents with the CLI (a 3 MB letter, a finding
// and its corrected version) and imports a CD with a study of three
// slices, and returns their files.
async function record(srv, a, dir) {
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const letter = join(dir, 'Arztbrief Kardiologie.pdf');
  writeFileSync(letter, Buffer.concat([minimalPDF('Arztbrief'), random(3 << 20, 7)]));
  const lab = join(dir, 'blutbild.txt');
  writeFileSync(lab, 'Hämoglobin 14,1 g/dl\n');
  const lab2 = join(dir, 'blutbild-korrigiert.txt');
  writeFileSync(lab2, 'Hämoglobin 14,2 g/dl\n');
  const up = async (f, ...args) => JSON.parse(await cli(srv.url, a.home, ['upload', f, '--json', ...args], a.env));
  await up(letter, '--category', 'letters', '--title', 'Arztbrief Kardiologie', '--date', '2024-03-02', '--source', 'Dr. Weber');
  const first = await up(lab, '--category', 'findings', '--title', 'Blutbild');
  const id = Array.isArray(first) ? first[0].id : first.id;
  await up(lab2, '--category', 'findings', '--title', 'Blutbild', '--replaces', id);
  const uid = (x) => '1.2.826.0.1.3680043.10.543.49.' + x;
  const cd = join(dir, 'CD');
  mkdirSync(join(cd, 'DICOM'), { recursive: true });
  const slices = new Map();
  for (let n = 1; n <= 3; n++) {
    const b = ctSlice({ study: uid(1), series: uid(2), sop: uid(100 + n), n });
    writeFileSync(join(cd, 'DICOM', `IM${n}`), b);
    slices.set(uid(100 + n) + '.dcm', b);
  }
  await cli(srv.url, a.home, ['import-cd', cd, '--yes', '--json'], a.env);
  return { letter: readFileSync(letter), lab: readFileSync(lab), lab2: readFileSync(lab2), series: uid(2), slices };
}

// same checks, with the CLI, that the record at srv holds exactly the
// documents of files, byte for byte.
async function same(srv, a, files) {
  const items = JSON.parse(await cli(srv.url, a.home, ['ls', '--json'], a.env));
  assert.equal(items.length, 4, JSON.stringify(items));
  const got = new Map();
  for (const it of items) {
    const dir = tempDir('akte-get-');
    if (it.category === 'images') {
      // A study comes back as its instances, each byte-equal.
      await cli(srv.url, a.home, ['get', it.id, '-o', dir + '/'], a.env);
      const names = readdirSync(join(dir, files.series)).sort();
      assert.deepEqual(names, [...files.slices.keys()].sort());
      for (const n of names) assert.ok(readFileSync(join(dir, files.series, n)).equals(files.slices.get(n)), `instance ${n} is byte-equal`);
      continue;
    }
    const out = join(dir, 'doc');
    await cli(srv.url, a.home, ['get', it.id, '-o', out], a.env);
    got.set(it.title + (it.replaces ? ' (2)' : ''), readFileSync(out));
  }
  assert.ok(got.get('Arztbrief Kardiologie').equals(files.letter), 'the letter is byte-equal');
  assert.ok(got.get('Blutbild').equals(files.lab), 'the finding is byte-equal');
  assert.ok(got.get('Blutbild (2)').equals(files.lab2), 'its new version is byte-equal');
  return items;
}

// browserLogin logs a in on a new page of ctx (the first login of a
// device is confirmed by mail).
async function browserLogin(ctx, srv, a) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env.EXPORT_DEBUG) {
    page.on('console', (m) => console.error('console:', m.text()));
    page.on('response', (r) => r.status() >= 400 && console.error('response:', r.status(), r.url()));
    page.on('worker', (w) => w.on('console', (m) => console.error('worker:', m.text())));
  }
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  return { page, errors };
}

// operations lists the protocol's operation codes after index from, as
// the CLI reads them.
async function operations(srv, a, from) {
  const ev = JSON.parse(await cli(srv.url, a.home, ['audit', '--json'], a.env));
  const list = Array.isArray(ev) ? ev : ev.events;
  assert.ok(list.every((e) => typeof e.operation === 'string' && e.operation && Number.isInteger(e.index)), 'audit rows');
  return { last: Math.max(...list.map((e) => e.index)), ops: list.filter((e) => e.index > from && e.actor_role !== 'operator').map((e) => e.operation) };
}

test('export in the browser, import with the CLI into another server', async (t) => {
  const one = await startServer(t);
  const two = await startServer(t);
  const dir = tempDir('akte-export-');
  const alice = await account(one.url, 'alice-webexport@example.org');
  const files = await record(one, alice, dir);
  const browser = await launch(t);
  // A picker that saves into the origin's private file system: the page
  // streams to a FileSystemFileHandle as it does to a file the person
  // chose in Chromium's dialog.
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 780 } });
  await ctx.addInitScript(() => {
    window.showSaveFilePicker = async (opts) => {
      window.pickerAsked = opts.suggestedName;
      const root = await navigator.storage.getDirectory();
      return root.getFileHandle('picked', { create: true });
    };
  });
  const { page, errors } = await browserLogin(ctx, one, alice);

  await t.test('the settings lead to the page; the form says what is wrong', async () => {
    await page.getByRole('button', { name: 'Menü' }).click();
    await page.getByRole('link', { name: 'Einstellungen' }).click();
    await page.getByRole('link', { name: 'Akte exportieren oder ein Archiv importieren (Art. 20 DSGVO)' }).click();
    await page.getByRole('heading', { name: 'Export und Import', level: 1 }).waitFor();
    await axe(page, 'export page 360 DE', assert);
    const form = page.getByTestId('export');
    // By keyboard: a short passphrase, then two that differ.
    await form.getByLabel('Passphrase für das Archiv').focus();
    await page.keyboard.type('kurz');
    await page.keyboard.press('Tab');
    await page.keyboard.type('kurz');
    await page.keyboard.press('Enter');
    await form.getByText('Mindestens 12 Zeichen.', { exact: true }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.name), 'exp-p1');
    await form.getByLabel('Passphrase für das Archiv').fill(PASS);
    await form.getByLabel('Passphrase wiederholen').fill(PASS + 'x');
    await form.getByRole('button', { name: 'Archiv speichern …' }).click();
    await form.getByText('Die beiden Eingaben stimmen nicht überein.').waitFor();
    // Unencrypted only behind a warning and a second tick.
    await form.getByLabel('Ohne Verschlüsselung exportieren (nicht empfohlen)').check();
    assert.match(await form.getByTestId('plain-warning').innerText(), /liest Ihre Gesundheitsdaten/);
    assert.equal(await form.getByLabel('Passphrase für das Archiv').count(), 0);
    await form.getByRole('button', { name: 'Archiv speichern …' }).click();
    await form.getByText('Bitte bestätigen Sie, dass das Archiv unverschlüsselt gespeichert werden soll.').waitFor();
    await axe(page, 'export warning 360 DE', assert);
    await form.getByLabel('Ohne Verschlüsselung exportieren (nicht empfohlen)').uncheck();
    assert.equal(await page.evaluate(() => window.pickerAsked), undefined, 'nothing was asked before the form was right');
  });

  let archive;
  await t.test('the export streams to the chosen file, encrypted, with progress', async () => {
    const before = await operations(one, alice, 0);
    const form = page.getByTestId('export');
    await form.getByLabel('Passphrase für das Archiv').fill(PASS);
    await form.getByLabel('Passphrase wiederholen').fill(PASS);
    await form.getByRole('button', { name: 'Archiv speichern …' }).click();
    await form.getByTestId('progress-text').waitFor();
    await Promise.race([
      form.getByRole('status').filter({ hasText: 'Exportiert: 4 Dokumente' }).waitFor({ timeout: 120000 }),
      form.locator('.alert[role=alert]').waitFor({ timeout: 120000 }).then(async () => assert.fail(await form.locator('.alert[role=alert]').innerText())),
    ]);
    assert.match(await page.evaluate(() => window.pickerAsked), /^akte-export-\d{4}-\d\d-\d\d\.zip\.age$/);
    const b64 = await page.evaluate(async () => {
      const f = await (await (await navigator.storage.getDirectory()).getFileHandle('picked')).getFile();
      return new Promise((resolve) => {
        const r = new FileReader();
        r.onload = () => resolve(r.result.split(',')[1]);
        r.readAsDataURL(f);
      });
    });
    archive = join(dir, 'browser.zip.age');
    writeFileSync(archive, Buffer.from(b64, 'base64'));
    assert.equal(readFileSync(archive).subarray(0, 21).toString(), 'age-encryption.org/v1');
    // The same events as the CLI's export: downloads, the manifest and
    // the protocol read, nothing else.
    const web = await operations(one, alice, before.last);
    await cli(one.url, alice.home, ['export', '--out', join(dir, 'cli.zip.age')], { ...alice.env, AKTE_EXPORT_PASSPHRASE: PASS });
    const cliOps = await operations(one, alice, web.last);
    assert.deepEqual([...new Set(web.ops)].sort(), [...new Set(cliOps.ops)].sort(), 'the browser and the CLI export leave the same operations');
    assert.ok(web.ops.length > 0);
  });

  await t.test('akte import on the second server: every document byte-equal', async () => {
    const carol = await account(two.url, 'carol-webexport@example.org');
    await cli(two.url, carol.home, ['login', '--email', carol.email, '--totp', await code(carol.secret)], carol.env);
    const r = JSON.parse(await cli(two.url, carol.home, ['import', archive, '--json'], { ...carol.env, AKTE_EXPORT_PASSPHRASE: PASS }));
    assert.equal(r.added.length, 4, JSON.stringify(r));
    await same(two, carol, files);
  });

  await t.test('without a file picker: a download, unencrypted after the warning', async () => {
    const ctx2 = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 900 } });
    await ctx2.addInitScript(() => delete window.showSaveFilePicker);
    const p2 = await ctx2.newPage();
    p2.on('pageerror', (e) => errors.push(e.message));
    await login(p2, one.url, alice, await code(alice.secret, { use: false }));
    await p2.getByText('Neues Gerät').waitFor({ timeout: 60000 });
    await confirmDevice(one.url, alice.email);
    await login(p2, one.url, alice, await code(alice.secret));
    await p2.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
    await p2.goto(one.url + '/export');
    await unlock(p2, alice.password);
    await p2.getByRole('heading', { name: 'Export und Import', level: 1 }).waitFor({ timeout: 30000 });
    const form = p2.getByTestId('export');
    assert.match(await form.getByTestId('no-picker').innerText(), /1 GB/);
    await form.getByLabel('Ohne Verschlüsselung exportieren (nicht empfohlen)').check();
    await form.getByLabel('Ich verstehe das und möchte das Archiv trotzdem unverschlüsselt speichern.').check();
    await axe(p2, 'export unencrypted 1280 DE', assert);
    const [dl] = await Promise.all([p2.waitForEvent('download', { timeout: 120000 }), form.getByRole('button', { name: 'Archiv speichern …' }).click()]);
    assert.match(dl.suggestedFilename(), /^akte-export-\d{4}-\d\d-\d\d\.zip$/);
    const zip = join(dir, 'plain.zip');
    await dl.saveAs(zip);
    await form.getByRole('status').filter({ hasText: 'unverschlüsselt' }).waitFor();
    const z = readFileSync(zip);
    assert.equal(z.subarray(0, 2).toString(), 'PK');
    for (const name of ['bundle.json', 'report.pdf', 'protocol/protokoll.pdf', 'protocol/checkpoint.txt', 'files/']) assert.ok(z.includes(Buffer.from(name)), name);
    // The CLI takes it too (a third account, nothing to skip).
    const dora = await account(two.url, 'dora-webexport@example.org', undefined, 'A123456780');
    await cli(two.url, dora.home, ['login', '--email', dora.email, '--totp', await code(dora.secret)], dora.env);
    const r = JSON.parse(await cli(two.url, dora.home, ['import', zip, '--json'], dora.env));
    assert.equal(r.added.length, 4, JSON.stringify(r));
    await same(two, dora, files);
    await ctx2.close();
  });
  assert.deepEqual(errors, []);
});

test('import in the browser of an archive of akte export', async (t) => {
  const one = await startServer(t);
  const two = await startServer(t);
  const dir = tempDir('akte-import-');
  const alice = await account(one.url, 'alice-webimport@example.org');
  const files = await record(one, alice, dir);
  const sealed = join(dir, 'akte.zip.age');
  await cli(one.url, alice.home, ['export', '--out', sealed], { ...alice.env, AKTE_EXPORT_PASSPHRASE: PASS });
  const cut = join(dir, 'cut.zip.age');
  const whole = readFileSync(sealed);
  writeFileSync(cut, whole.subarray(0, whole.length >> 1));
  const foreign = join(dir, 'foreign.zip');
  writeFileSync(foreign, minimalPDF('kein Archiv'));
  const altered = join(dir, 'altered.zip.age');
  const flipped = Buffer.from(whole);
  flipped[flipped.length >> 1] ^= 1;
  writeFileSync(altered, flipped);

  const bob = await account(two.url, 'bob-webimport@example.org');
  await cli(two.url, bob.home, ['login', '--email', bob.email, '--totp', await code(bob.secret)], bob.env);
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 780 } });
  const { page, errors } = await browserLogin(ctx, two, bob);
  await page.goto(two.url + '/export');
  await unlock(page, bob.password);
  await page.getByRole('heading', { name: 'Export und Import', level: 1 }).waitFor({ timeout: 30000 });
  const form = page.getByTestId('import');
  const count = async () => JSON.parse(await cli(two.url, bob.home, ['ls', '--json'], bob.env)).length;

  await t.test('refused, with the reason, and nothing changed', async () => {
    const refuse = async (file, pass, reason) => {
      await form.getByLabel('Archiv', { exact: true }).setInputFiles(file);
      await form.getByLabel('Passphrase des Archivs').fill(pass);
      await form.getByRole('button', { name: 'Importieren' }).click();
      const said = (r) => text('de', r).split('{')[0].slice(0, 30);
      const alert = form.locator('.alert[role=alert]');
      await alert.waitFor({ timeout: 60000 });
      const got = await alert.innerText();
      assert.ok([reason].flat().some((r) => got.includes(said(r))), `${file}: ${got}`);
      // The next try starts without the old message.
      await form.getByLabel('Passphrase des Archivs').fill('');
    };
    await refuse(cut, PASS, 'import_invalid');
    // A changed byte: age's authentication fails while the archive is
    // checked, before anything is uploaded.
    await refuse(altered, PASS, ['import_damaged', 'import_invalid']);
    await refuse(sealed, 'Falsche-Passphrase-1', 'passphrase_wrong');
    await refuse(foreign, '', 'import_invalid');
    assert.equal(await count(), 0);
    await axe(page, 'import refused 360 DE', assert);
  });

  await t.test('imported, byte-equal; a second run adds nothing', async () => {
    await form.getByLabel('Archiv', { exact: true }).setInputFiles(sealed);
    await form.getByLabel('Passphrase des Archivs').fill(PASS);
    await form.getByRole('button', { name: 'Importieren' }).click();
    await form.getByRole('status').filter({ hasText: 'Importiert: 4 neu übernommen, 0 schon vorhanden' }).waitFor({ timeout: 120000 });
    const items = await same(two, bob, files);
    // The record page shows them.
    await page.goto(two.url + '/akte');
    await unlock(page, bob.password);
    await page.getByText('Arztbrief Kardiologie').first().waitFor({ timeout: 30000 });
    await page.goto(two.url + '/export');
    await unlock(page, bob.password);
    await form.getByLabel('Archiv', { exact: true }).setInputFiles(sealed);
    await form.getByLabel('Passphrase des Archivs').fill(PASS);
    await form.getByRole('button', { name: 'Importieren' }).click();
    await form.getByRole('status').filter({ hasText: 'Importiert: 0 neu übernommen, 4 schon vorhanden' }).waitFor({ timeout: 120000 });
    assert.deepEqual(JSON.parse(await cli(two.url, bob.home, ['ls', '--json'], bob.env)).map((i) => i.id).sort(), items.map((i) => i.id).sort());
  });

  await t.test('the browser import leaves the operations the CLI import leaves', async () => {
    const web = await operations(two, bob, 0);
    const eve = await account(two.url, 'eve-webimport@example.org', undefined, 'A123456780');
    await cli(two.url, eve.home, ['login', '--email', eve.email, '--totp', await code(eve.secret)], eve.env);
    const start = await operations(two, eve, 0);
    await cli(two.url, eve.home, ['import', sealed], { ...eve.env, AKTE_EXPORT_PASSPHRASE: PASS });
    const cliOps = await operations(two, eve, start.last);
    // Bob uploaded nothing but through the browser's imports: every
    // operation of the CLI's import is in his protocol.
    const have = new Set(web.ops);
    assert.ok(cliOps.ops.length > 0);
    assert.deepEqual([...new Set(cliOps.ops)].filter((o) => !have.has(o)), [], `browser ${[...have]}, CLI ${[...new Set(cliOps.ops)]}`);
  });

  await t.test('in English at 1280 px, and the termination offers the export', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'English', exact: true }).click();
    await page.goto(two.url + '/export');
    await unlock(page, bob.password);
    await page.getByRole('heading', { name: 'Export and import', level: 1 }).waitFor({ timeout: 30000 });
    await form.getByLabel('Archive', { exact: true }).setInputFiles(cut);
    await form.getByLabel('Passphrase of the archive').fill(PASS);
    await form.getByRole('button', { name: 'Import' }).click();
    await form.getByRole('alert').filter({ hasText: text('en', 'import_invalid').slice(0, 30) }).waitFor({ timeout: 60000 });
    await axe(page, 'export page 1280 EN', assert);
    await shot(page, 'export');
    // Termination: the warning names the export; given and taken back.
    await page.goto(two.url + '/einstellungen');
    await unlock(page, bob.password);
    const section = page.getByTestId('termination');
    await section.getByRole('link', { name: 'Export the record' }).waitFor({ timeout: 30000 });
    await section.getByRole('button', { name: 'Close the account …' }).click();
    const ask = section.getByRole('alertdialog');
    assert.match(await ask.innerText(), /cannot be undone/);
    await axe(page, 'termination question 1280 EN', assert);
    await ask.getByRole('button', { name: 'Yes, give notice' }).click();
    await section.getByRole('alert').filter({ hasText: 'Your account has notice given' }).waitFor();
    await section.getByRole('button', { name: 'Take the notice back' }).click();
    await section.getByText('The notice is taken back').waitFor();
    await section.getByRole('link', { name: 'Export the record' }).click();
    await page.getByRole('heading', { name: 'Export and import', level: 1 }).waitFor();
  });
  assert.deepEqual(errors, []);
});

// The memory of a large export (opt-in: AKTE_EXPORT_BIG=MB, e.g. 1024):
// with the file picker the archive streams to disk, so the renderer's
// memory (where the core's worker runs) must not grow with the record.
// The origin's private file system stands in for the dialog; the profile
// is on disk, so it does not count against the renderer.
test('a large export streams with flat memory', { skip: !process.env.AKTE_EXPORT_BIG }, async (t) => {
  const { chromium } = await import('playwright-core');
  const { chromiumPath, chromiumArgs } = await import('./helpers.mjs');
  const { openSync, writeSync, closeSync } = await import('node:fs');
  const { randomFillSync } = await import('node:crypto');
  const mb = Number(process.env.AKTE_EXPORT_BIG);
  const srv = await startServer(t);
  const dir = tempDir('akte-big-');
  const a = await account(srv.url, 'big-export@example.org');
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const big = join(dir, 'gross.bin');
  const fd = openSync(big, 'w');
  const piece = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) writeSync(fd, randomFillSync(piece));
  closeSync(fd);
  await cli(srv.url, a.home, ['upload', big, '--category', 'images', '--title', 'Groß'], a.env);
  const profile = tempDir('akte-profile-');
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumArgs, locale: 'de-DE' });
  t.after(() => ctx.close());
  await ctx.addInitScript(() => {
    window.showSaveFilePicker = async () => (await navigator.storage.getDirectory()).getFileHandle('big', { create: true });
  });
  const { page } = await browserLogin(ctx, srv, a);
  await page.goto(srv.url + '/export');
  await unlock(page, a.password);
  const form = page.getByTestId('export');
  await form.getByLabel('Passphrase für das Archiv').fill(PASS);
  await form.getByLabel('Passphrase wiederholen').fill(PASS);
  // The renderers of this browser (its profile directory in their command
  // line): the largest resident set, sampled while the export runs.
  const { readdirSync: ls, readFileSync: rf } = await import('node:fs');
  const renderers = () => {
    let max = 0;
    for (const p of ls('/proc').filter((x) => /^\d+$/.test(x))) {
      try {
        const cmd = rf(`/proc/${p}/cmdline`, 'utf8');
        if (!cmd.includes('--type=renderer')) continue;
        const rss = Number(rf(`/proc/${p}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024;
        max = Math.max(max, rss);
      } catch {
        /* gone */
      }
    }
    return max;
  };
  // The module first (a foreign file refused): compiling its 21 MB takes
  // a few hundred MB for a while, whatever the record's size; that is
  // not what is measured.
  const foreign = join(dir, 'fremd.zip');
  writeFileSync(foreign, 'kein Archiv');
  const imp = page.getByTestId('import');
  await imp.getByLabel('Archiv', { exact: true }).setInputFiles(foreign);
  await imp.getByRole('button', { name: 'Importieren' }).click();
  await imp.getByRole('alert').filter({ hasText: text('de', 'import_invalid').slice(0, 30) }).waitFor({ timeout: 60000 });
  let before = renderers();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = renderers();
    if (now >= before - 8 * 2 ** 20) break; // settled
    before = now;
  }
  before = renderers();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, renderers())), 100);
  const t0 = Date.now();
  await form.getByRole('button', { name: 'Archiv speichern …' }).click();
  await form.getByRole('status').filter({ hasText: 'Exportiert: 1 Dokumente' }).waitFor({ timeout: 30 * 60000 });
  clearInterval(timer);
  const secs = (Date.now() - t0) / 1000;
  const size = await page.evaluate(async () => (await (await (await navigator.storage.getDirectory()).getFileHandle('big')).getFile()).size);
  console.log(`| browser export of ${mb} MiB | archive ${(size / 2 ** 20).toFixed(0)} MiB | ${secs.toFixed(1)} s | renderer RSS before ${(before / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB |`);
  assert.ok(size > mb * 2 ** 20, 'the archive holds the document');
  assert.ok(peak - before < Math.min(mb * 2 ** 20 / 2, 400 * 2 ** 20), `the renderer grew by ${((peak - before) / 2 ** 20).toFixed(0)} MiB for ${mb} MiB`);
});
