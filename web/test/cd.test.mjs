// Importing a patient CD in the browser (issue 18, item 2; docs/dicom.md,
// decision 0038): the CD's folder and a ZIP of it are read on the device
// by the Go code the CLI runs (its own WebAssembly module, in a worker),
// the summary names the study and the files skipped, each study is
// uploaded as one encrypted item, and the CLI writes its instances back
// byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { startServer, launch, account, login, code, confirmDevice, cli, tempDir, axe } from './helpers.mjs';
import { element, us } from './dicomfiles.mjs';

const u32le = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

// ctSlice is a small DICOM Part 10 CT image (8 × 8 pixels of 16 bits).
function ctSlice({ study, series, sop, n, name, birth }) {
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
    element(0x0010, 0x0010, 'PN', name), element(0x0010, 0x0030, 'DA', birth),
    element(0x0020, 0x000d, 'UI', study), element(0x0020, 0x000e, 'UI', series), element(0x0020, 0x0013, 'IS', String(n)),
    element(0x0028, 0x0002, 'US', us(1)), element(0x0028, 0x0004, 'CS', 'MONOCHROME2'), element(0x0028, 0x0010, 'US', us(8)),
    element(0x0028, 0x0011, 'US', us(8)), element(0x0028, 0x0100, 'US', us(16)), element(0x0028, 0x0101, 'US', us(12)),
    element(0x0028, 0x0102, 'US', us(11)), element(0x0028, 0x0103, 'US', us(0)), element(0x7fe0, 0x0010, 'OW', pixels),
  ]);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b) => {
  let c = 0xffffffff;
  for (const x of b) c = crcTable[(c ^ x) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

// zip writes files ({name: bytes}) as a ZIP, deflated.
function zip(files) {
  const local = [];
  const central = [];
  let off = 0;
  for (const [name, data] of Object.entries(files)) {
    const comp = deflateRawSync(data);
    const n = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc32(data), 14);
    h.writeUInt32LE(comp.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc32(data), 16);
    c.writeUInt32LE(comp.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(off, 42);
    local.push(h, n, comp);
    central.push(c, n);
    off += h.length + n.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(off, 16);
  return Buffer.concat([...local, cd, end]);
}

test('a patient CD, as a folder and as a ZIP, becomes one encrypted study each; the CLI writes it back', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'cd@example.org'); // born 1980-04-01
  const uid = (x) => '1.2.826.0.1.3680043.10.543.77.' + x;
  const instances = {};
  const files = {};
  for (let n = 1; n <= 4; n++) {
    const b = ctSlice({ study: uid(1), series: uid(2), sop: uid(100 + n), n, name: 'Beispiel^Carla', birth: '19800401' });
    instances[uid(100 + n)] = b;
    files[`DICOM/IM${n}`] = b;
  }
  // Broken DICOM: one cut off inside its pixel data (a length beyond the
  // end of the file), one whose sequences nest 40 deep.
  const whole = ctSlice({ study: uid(1), series: uid(2), sop: uid(150), n: 9, name: 'Beispiel^Carla', birth: '19800401' });
  files['EXTRA/CUT'] = whole.subarray(0, whole.length - 50);
  let nested = element(0x0008, 0x0100, 'SH', 'x');
  for (let i = 0; i < 40; i++) nested = element(0x0040, 0x0275, 'SQ', Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0]), u32le(nested.length), nested]));
  const pd = whole.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  files['EXTRA/DEEP'] = Buffer.concat([whole.subarray(0, pd), nested, whole.subarray(pd)]);
  files['VIEWER.EXE'] = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300)]);
  files['LOGO.PNG'] = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(100)]);
  const cd = join(tempDir(), 'CD');
  for (const [name, b] of Object.entries(files)) {
    mkdirSync(join(cd, name, '..'), { recursive: true });
    writeFileSync(join(cd, name), b);
  }
  // A DICOMDIR as on a disc (dcmmkdir; without dcmtk the CD has none,
  // except under make test, where a missing tool fails).
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('dcmmkdir', ['-q', '-Nxc', '+I', '+r', '+id', cd, '+D', join(cd, 'DICOMDIR'), 'DICOM'], { cwd: cd });
    files.DICOMDIR = readFileSync(join(cd, 'DICOMDIR'));
  } catch (e) {
    if (process.env.AKTE_DICOM_TESTS) throw new Error(`dcmmkdir (dcmtk, scripts/test-deps.sh): ${e.message}`);
  }
  const zipFile = join(tempDir(), 'cd.zip');
  writeFileSync(zipFile, zip(files));

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

  // Another person's CD (born 1958): the summary says so, and the upload
  // waits until the patient confirms the images are theirs.
  const other = join(tempDir(), 'OTHER');
  mkdirSync(join(other, 'DICOM'), { recursive: true });
  writeFileSync(join(other, 'DICOM', 'IM1'), ctSlice({ study: uid(3), series: uid(4), sop: uid(200), n: 1, name: 'Mueller^Juergen', birth: '19580321' }));
  await page.getByRole('link', { name: 'Patienten-CD importieren' }).click();
  await page.getByRole('heading', { name: 'Patienten-CD importieren' }).waitFor();
  await page.getByTestId('cd-folder').setInputFiles(other);
  await page.getByTestId('cd-study').waitFor({ timeout: 60000 });
  const otherText = await page.getByTestId('cd-study').innerText();
  assert.ok(otherText.includes('1958') && otherText.includes('Geburtsdatum: weicht ab'), `the summary says the birth date differs: ${otherText}`);
  await page.getByRole('alert').filter({ hasText: 'Diese Untersuchung scheint zu einer anderen Person zu gehören.' }).waitFor();
  const upload = page.getByRole('button', { name: 'Verschlüsselt hochladen' });
  assert.ok(await upload.isDisabled(), 'another person’s CD is not uploaded unconfirmed');
  await page.getByLabel('Ich habe geprüft: Diese Bilder gehören in meine Akte.').check();
  assert.ok(await upload.isEnabled(), 'confirmed, it can be uploaded');
  await axe(page, 'CD of another person', assert);
  // Dropped on the page (here the ZIP), a CD reads as when picked.
  await page.getByTestId('cd-dropzone').evaluate((zone, b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'cd.zip', { type: 'application/zip' }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, readFileSync(zipFile).toString('base64'));
  await page.getByTestId('cd-study').filter({ hasText: 'Carla Beispiel' }).waitFor({ timeout: 60000 });
  assert.equal(await page.getByTestId('cd-study').count(), 1);
  assert.match(await page.getByTestId('cd-study').innerText(), /4 Bilder/);
  await page.getByRole('link', { name: 'Zurück zur Akte' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });

  for (const [input, source, n] of [['cd-folder', cd, 1], ['cd-zip', zipFile, 2]]) {
    await page.getByRole('link', { name: 'Patienten-CD importieren' }).click();
    await page.getByRole('heading', { name: 'Patienten-CD importieren' }).waitFor();
    await page.getByTestId(input).setInputFiles(source);
    const study = page.getByTestId('cd-study');
    await study.waitFor({ timeout: 60000 });
    assert.equal(await study.count(), 1);
    const text = await study.innerText();
    for (const want of ['CT Thorax', 'Radiologie Musterstadt', '4 Bilder', 'Carla Beispiel', 'stimmt überein']) assert.ok(text.includes(want), `summary says ${want}: ${text}`);
    await page.getByText('Nicht importiert: 4 Datei(en)').click();
    const skipped = await page.getByTestId('cd-skipped').innerText();
    assert.match(skipped, /EXTRA\/CUT: beschädigtes DICOM/);
    assert.match(skipped, /EXTRA\/DEEP: beschädigtes DICOM/);
    assert.match(skipped, /VIEWER\.EXE: Programm/);
    assert.match(skipped, /LOGO\.PNG: Bild oder Logo/);
    if (n === 1) await axe(page, 'CD import summary', assert);
    // The upload shows its progress on the record page (held back here
    // before it completes, so that the test sees it).
    const hold = (route) => setTimeout(() => route.continue().catch(() => {}), 2000);
    if (n === 1) await ctx.route(/\/uploads\/[^/]+\/complete$/, hold);
    await page.getByRole('button', { name: 'Verschlüsselt hochladen' }).click();
    if (n === 1) {
      await page.getByRole('progressbar', { name: 'CT Thorax' }).waitFor({ timeout: 30000 });
      await ctx.unroute(/\/uploads\/[^/]+\/complete$/, hold);
    }
    await page.getByText('1 Dokument hochgeladen.').waitFor({ timeout: 60000 });
    assert.equal(await page.getByRole('button', { name: 'Ansehen: CT Thorax' }).count(), n);
  }

  // The information page (Art. 15) counts them, and says what the server
  // stores about the account.
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await page.getByRole('link', { name: 'Auskunft über Ihre Daten (Art. 15 DSGVO)' }).click();
  await page.getByRole('heading', { name: 'Auskunft über Ihre Daten' }).waitFor();
  const server = page.getByTestId('info-server');
  await server.waitFor({ timeout: 30000 });
  const facts = await server.innerText();
  for (const want of [a.email, 'X110411675', '01.04.1980', 'Letzter Zugriff im Quartal']) assert.ok(facts.includes(want), `server facts say ${want}: ${facts}`);
  assert.match(await page.getByTestId('info-content').innerText(), /Medizinische Bilder\s+2/);
  await axe(page, 'information page', assert);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Auskunft als Datei speichern (JSON)' }).click()]);
  const info = JSON.parse(readFileSync(await dl.path(), 'utf8'));
  assert.equal(info.server.account.email, a.email);
  assert.equal(info.server.items.length, 2);
  assert.equal(info.server.usage.quarters.length, 1, 'usage data for billing: the last access of this quarter');
  assert.equal(info.content.documents, 2);

  // The CLI opens what the browser uploaded and writes the instances back.
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const list = JSON.parse(await cli(srv.url, a.home, ['ls', '--json'], a.env));
  assert.equal(list.length, 2);
  for (const it of list) {
    assert.equal(it.media_type, 'application/vnd.akte.dicom-study');
    assert.equal(it.category, 'images');
    const dir = join(tempDir(), 'study');
    const got = JSON.parse(await cli(srv.url, a.home, ['get', it.id, '-o', dir, '--json'], a.env));
    assert.equal(got.instances, 4);
    for (const [sop, want] of Object.entries(instances)) {
      assert.ok(readFileSync(join(dir, uid(2), sop + '.dcm')).equals(want), `instance ${sop} byte for byte`);
    }
  }
  assert.deepEqual(errors, []);
});
