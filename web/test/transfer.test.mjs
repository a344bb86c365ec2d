// The upload protocol in Chromium, with internal/evilproxy between the page
// and a real `akte serve` recording every body the server receives: an
// interrupted upload of a/scan.bin is never resumed for b/scan.bin (same
// name, size and modification time, other content), so no two chunk bodies
// share a key and nonces; and a download cut in the middle resumes with a
// Range request and gives the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, evilProxy, launch, account, login, code, sha256, tempDir, confirmDevice, unlock, uploadFiles, docAction } from './helpers.mjs';

const HEADER = 77; // the stream header: key commitment, salt, nonce prefix

test('two files alike in name, size and time never share a key and nonces; a cut download resumes', async (t) => {
  const srv = await startServer(t, ['--chunk-size', '1MiB']);
  const ev = await evilProxy(t, srv.url);
  const a = await account(ev.url, 'scan@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ acceptDownloads: true, locale: 'de-DE' });
  const page = await ctx.newPage();
  await login(page, ev.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, ev.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });

  // Two files of a patient CD's kind: same name, size and time, in two
  // folders, other content.
  const dir = tempDir();
  const size = 3 * 1024 * 1024 + 4321;
  const plain = { a: randomBytes(size), b: randomBytes(size) };
  const path = {};
  for (const d of ['a', 'b']) {
    mkdirSync(join(dir, d));
    path[d] = join(dir, d, 'scan.bin');
    writeFileSync(path[d], plain[d]);
    utimesSync(path[d], new Date('2024-05-06T07:08:09Z'), new Date('2024-05-06T07:08:09Z'));
  }

  // 1. a/scan.bin: chunk 0 reaches the server, then the connection is
  // gone and the page is reloaded; the plan stays in the browser.
  await page.route(/\/chunks\/[1-9]$/, (route) => route.abort('connectionreset'));
  await ev.clearRequests();
  await uploadFiles(page, path.a);
  await page.getByText('Verbindung unterbrochen').waitFor({ timeout: 30000 });
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.unroute(/\/chunks\/[1-9]$/);
  assert.ok(await page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('akte.upload.') && k.includes('scan.bin'))), 'the plan of a/scan.bin is kept');

  // 2. b/scan.bin is chosen: the plan's file name, size and time, but not
  // its content. It starts over under a new key, and says so.
  await uploadFiles(page, path.b);
  await page.getByText('unter einem neuen Schlüssel von vorn hochgeladen').waitFor({ timeout: 30000 });
  await page
    .getByRole('button', { name: 'Ansehen: scan' })
    .waitFor({ timeout: 60000 })
    .catch(async (e) => {
      // Seen once in about thirty runs (2026-11-30), not understood yet:
      // what the page and the server said, for the next time.
      t.diagnostic(`uploads: ${await page.locator('ul.uploads').innerText().catch(() => '-')}`);
      t.diagnostic(`alerts: ${(await page.locator('[role=alert]').allInnerTexts()).join(' | ')}`);
      t.diagnostic(`requests: ${(await ev.requests()).map((r) => `${r.method} ${r.path} ${r.status}`).join(', ')}`);
      throw e;
    });

  const puts = (await ev.requests()).filter((r) => r.method === 'PUT' && r.status === 204);
  const zero = puts.filter((r) => r.path.endsWith('/chunks/0'));
  assert.equal(zero.length, 2, 'chunk 0 of each upload reached the server');
  const [c1, c2] = zero.map((r) => r.body);
  assert.notDeepEqual(c1.subarray(0, HEADER), c2.subarray(0, HEADER), 'the two uploads share a stream header');
  // Under one key and nonce, C1 ⊕ C2 = P1 ⊕ P2 in the first segment.
  const n = 4096;
  const xor = (x, y) => Buffer.from(x.subarray(0, n).map((v, i) => v ^ y[i]));
  assert.notDeepEqual(xor(c1.subarray(HEADER), c2.subarray(HEADER)), xor(plain.a, plain.b), 'C1 ⊕ C2 = P1 ⊕ P2: the same key and nonces');
  const bodies = new Set();
  for (const r of puts) {
    const h = r.path.replace(/^.*\/uploads\/[a-z0-9]+/, '') + ':' + sha256(r.body.subarray(0, 64));
    assert.ok(!bodies.has(h), `two chunk bodies begin alike: ${r.path}`);
    bodies.add(h);
  }
  assert.equal(puts.filter((r) => r.path.endsWith('/chunks/0')).length + puts.filter((r) => !r.path.endsWith('/chunks/0')).length, puts.length);

  // 3. The stored item is b/scan.bin, whole, after a download cut in the
  // middle: the page resumes it with a Range request.
  await ev.clearRequests();
  await ev.rule({ method: 'GET', path: '/api/v1/records/[a-z0-9]+/items/[a-z0-9]+/content', cut_after: 1500000, times: 1 });
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), docAction(page, 'scan', 'Herunterladen')]);
  assert.equal(sha256(readFileSync(await dl.path())), sha256(plain.b), 'the downloaded file is b/scan.bin, byte for byte');
  const gets = (await ev.requests()).filter((r) => r.method === 'GET' && r.path.endsWith('/content'));
  assert.equal(gets.length, 2, 'the cut download and its resumption');
});
