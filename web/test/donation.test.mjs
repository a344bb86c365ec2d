// The research data donation in the web app (issue 16, item 2; decision
// 0048): the patient opens "Forschung", sees the research body's
// fingerprint, opts in to vaccinations by keyboard after reading the
// consent text, and donates: the browser builds the pseudonymised FHIR
// extract in the health module and seals it to the pinned key, the
// server writes the ciphertext into the sink directory, and this test
// opens it with the sink's private key (age, X25519, decrypted here with
// node's crypto): the vaccine code is in it, the lot number, the doctor
// and the note are not. Stopping the category takes it out at once.
// German and English, axe-clean at 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, createPublicKey, diffieHellman, hkdfSync, createDecipheriv, createHash } from 'node:crypto';
import { startServer, launch, account, login, code, cli, axe, confirmDevice, shot, tempDir } from './helpers.mjs';

// bech32 encodes 8-bit data under the HRP (BIP 173), as age prints keys.
function bech32(hrp, data) {
  const charset = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  const polymod = (vs) => {
    let chk = 1;
    for (const v of vs) {
      const top = chk >>> 25;
      chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
      for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ gen[i]) >>> 0;
    }
    return chk;
  };
  const words = [];
  let acc = 0;
  let bits = 0;
  for (const b of data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) words.push((acc >>> (bits -= 5)) & 31);
  }
  if (bits) words.push((acc << (5 - bits)) & 31);
  const exp = [...hrp].map((c) => c.charCodeAt(0) >> 5).concat([0], [...hrp].map((c) => c.charCodeAt(0) & 31));
  const mod = polymod([...exp, ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const sum = [0, 1, 2, 3, 4, 5].map((p) => (mod >>> (5 * (5 - p))) & 31);
  return hrp + '1' + [...words, ...sum].map((w) => charset[w]).join('');
}

function open(key, nonce, ct) {
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAuthTag(ct.subarray(ct.length - 16));
  return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
}

// ageDecrypt opens an age file with one X25519 stanza (the format v1).
function ageDecrypt(file, privateKey, ourPub) {
  const end = file.indexOf('\n---');
  const lines = file.subarray(0, end).toString('latin1').split('\n');
  assert.equal(lines[0], 'age-encryption.org/v1');
  assert.match(lines[1], /^-> X25519 /);
  const share = Buffer.from(lines[1].slice(10), 'base64');
  const body = Buffer.from(lines[2], 'base64');
  const eph = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: share.toString('base64url') }, format: 'jwk' });
  const shared = diffieHellman({ privateKey, publicKey: eph });
  const wrap = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([share, ourPub]), 'age-encryption.org/v1/X25519', 32));
  const fileKey = open(wrap, Buffer.alloc(12), body);
  const payload = file.subarray(file.indexOf('\n', end + 1) + 1);
  const payKey = Buffer.from(hkdfSync('sha256', fileKey, payload.subarray(0, 16), 'payload', 32));
  const out = [];
  const ct = payload.subarray(16);
  for (let i = 0, off = 0; off < ct.length; i++) {
    const n = Math.min(ct.length - off, 65536 + 16);
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(BigInt(i), 3);
    if (off + n === ct.length) nonce[11] = 1;
    out.push(open(payKey, nonce, ct.subarray(off, off + n)));
    off += n;
  }
  return Buffer.concat(out).toString('utf8');
}

test('a patient donates vaccinations to research, pseudonymised and encrypted, and stops it', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const recipient = bech32('age', pub);
  const fp = createHash('sha256').update(recipient).digest('hex').slice(0, 32).match(/.{4}/g).join(' ');
  const sink = tempDir('akte-sink-');
  const srv = await startServer(t, ['--donation-sink', sink, '--donation-recipient', recipient]);
  const anna = await account(srv.url, 'anna-forschung@example.org');
  await cli(srv.url, anna.home, ['login', '--email', anna.email, '--totp', await code(anna.secret)], anna.env);
  const imm = join(tempDir(), 'imm.json');
  writeFileSync(imm, JSON.stringify({
    resourceType: 'Immunization', status: 'completed',
    vaccineCode: { coding: [{ system: 'http://fhir.de/CodeSystem/bfarm/atc', code: 'J07AM51' }], text: 'Td-Impfstoff Mustervax' },
    patient: { reference: 'Patient/p1' }, occurrenceDateTime: '2024-05-17', lotNumber: 'LOTWEB4711',
    performer: [{ actor: { display: 'Dr. med. Erika Musterfrau' } }], note: [{ text: 'Notiz WEBNOTE' }],
    protocolApplied: [{ targetDisease: [{ coding: [{ system: 'http://snomed.info/sct', code: '76902006' }] }], doseNumberPositiveInt: 1 }],
  }));
  await cli(srv.url, anna.home, ['entry', 'add', imm], anna.env);

  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, srv.url, anna, await code(anna.secret, { use: false }));
  await page.getByText(/Neues Gerät|New device/).waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, anna.email);
  await login(page, srv.url, anna, await code(anna.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('link', { name: 'Forschung' }).click();
  await page.getByRole('heading', { name: 'Forschung: Datenspende' }).waitFor({ timeout: 30000 });
  await page.getByTestId('donation-fingerprint').filter({ hasText: fp }).waitFor({ timeout: 30000 });
  const row = page.locator('[data-category="vaccinations"]');
  await row.getByRole('button', { name: '„Impfungen“ spenden …' }).waitFor({ timeout: 30000 });
  await axe(page, 'research page at 360 px (de)', assert);

  // By keyboard: the button, the consent text with the fingerprint, yes.
  await row.getByRole('button', { name: '„Impfungen“ spenden …' }).focus();
  await page.keyboard.press('Enter');
  const consent = page.getByTestId('donation-consent');
  await consent.getByText('Datenspende für die Forschung: Impfungen').waitFor({ timeout: 30000 });
  await consent.getByText('Widerruf: jederzeit').waitFor();
  await consent.getByText(fp).waitFor();
  await axe(page, 'donation consent at 360 px (de)', assert);
  await shot(page, 'donation-consent');
  await consent.getByRole('button', { name: 'Einwilligen und spenden' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-category="vaccinations"][data-on="true"]').waitFor({ timeout: 60000 });

  // Donate now: one age file in the sink, opened with the sink's key.
  await page.getByRole('button', { name: 'Jetzt spenden' }).click();
  const done = page.getByTestId('donation-status');
  await done.getByText(/Gespendet/).waitFor({ timeout: 60000 }).catch(async (e) => {
    throw new Error(`no donation: ${await page.getByRole('alert').first().textContent()} ${e.message}`);
  });
  await done.getByText(/Gespendet: Impfungen – 1 Eintrag,/).waitFor({ timeout: 60000 });
  const pseudonym = (await done.textContent()).match(/Pseudonym dort: ([0-9a-f]{32})/)[1];
  const files = readdirSync(sink);
  assert.equal(files.length, 1);
  const extract = ageDecrypt(readFileSync(join(sink, files[0])), privateKey, pub);
  const bundle = JSON.parse(extract);
  assert.equal(bundle.resourceType, 'Bundle');
  assert.equal(bundle.entry[0].resource.id, pseudonym);
  assert.equal(bundle.entry[0].resource.birthDate, '1980');
  assert.ok(extract.includes('J07AM51') && extract.includes('"2024-05"'), extract);
  for (const bad of ['LOTWEB4711', 'Musterfrau', 'Mustervax', 'WEBNOTE', 'X110411675', '2024-05-17', '1980-04-01']) assert.ok(!extract.includes(bad), `extract holds ${bad}`);
  await shot(page, 'donation-sent');

  // The CLI sees the same pin and state.
  const ls = JSON.parse(await cli(srv.url, anna.home, ['donate', 'ls', '--json'], anna.env));
  assert.equal(ls.pinned_fingerprint, fp);
  assert.ok(ls.categories.find((c) => c.category === 'vaccinations').on);

  // In English.
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Research: data donation' }).waitFor({ timeout: 30000 });
  await page.locator('[data-category="vaccinations"]').getByText('Vaccinations: donated').waitFor();
  await axe(page, 'research page at 360 px (en)', assert);
  await page.locator('[data-category="maternity"]').getByRole('button', { name: 'Donate “Maternity record (Mutterpass)” …' }).click();
  await page.getByTestId('donation-consent').getByText('Research data donation: Maternity record (Mutterpass)').waitFor({ timeout: 30000 });
  await axe(page, 'donation consent at 360 px (en)', assert);
  await page.getByTestId('donation-consent').getByRole('button', { name: 'Cancel' }).click();

  // Stopping takes it out at once: nothing left to donate.
  await page.getByRole('button', { name: 'Stop donating “Vaccinations”' }).click();
  await page.locator('[data-category="vaccinations"][data-on="false"]').waitFor({ timeout: 60000 });
  assert.ok(await page.getByRole('button', { name: 'Donate now' }).isDisabled());
  await assert.rejects(cli(srv.url, anna.home, ['donate', 'send'], anna.env), /donate send/);
  assert.equal(readdirSync(sink).length, 1);
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('button', { name: 'Deutsch' }).click();
  assert.deepEqual(errors, []);
});
