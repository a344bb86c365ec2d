// The seal known-answer vectors (seal/testdata, docs/crypto.md §10) inside
// the page: the Go core as WebAssembly checks every vector, the WebCrypto
// code that encrypts files checks the stream, small-object and key-slot
// vectors again, sealing included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, repoDir } from './helpers.mjs';

test('seal vectors pass in the browser', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const page = await browser.newPage();
  await page.goto(srv.url + '/selftest');
  await page.getByText('Ready').waitFor({ timeout: 30000 });
  const dir = join(repoDir, 'seal', 'testdata');
  const files = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const res = await page.evaluate((files) => globalThis.akteSelfTest.runVectors(files), files);
  t.diagnostic(`${res.passed} of ${Object.keys(files).length} vectors passed; ${res.webcrypto} also checked with WebCrypto`);
  assert.deepEqual(res.failed, []);
  assert.equal(res.passed, Object.keys(files).length);
  assert.ok(res.webcrypto >= 35, 'stream, small and slot vectors went through WebCrypto');
});

test('the plaintext digest of the browser is the one of the Go core', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const page = await browser.newPage();
  await page.goto(srv.url + '/selftest');
  await page.getByText('Ready').waitFor({ timeout: 30000 });
  const vectors = JSON.parse(readFileSync(join(repoDir, 'client', 'core', 'testdata', 'digest.json'), 'utf8'));
  assert.deepEqual(await page.evaluate((v) => globalThis.akteSelfTest.runDigests(v), vectors), []);
  assert.ok(vectors.length >= 6);
});
