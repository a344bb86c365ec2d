// An upload survives a dropped connection (it waits and continues without
// sending again what the server has) and a reload (choosing the same file
// again resumes it from the plan kept in the browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, sha256, tempDir, confirmDevice, unlock, uploadFiles, docAction } from './helpers.mjs';

test('upload resumes after a network drop and after a reload', async (t) => {
  const srv = await startServer(t, ['--chunk-size', '1MiB']);
  const a = await account(srv.url, 'resume@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ acceptDownloads: true, locale: 'de-DE' });
  const page = await ctx.newPage();
  const puts = [];
  ctx.on('response', (resp) => {
    if (resp.request().method() === 'PUT' && resp.url().includes('/chunks/')) puts.push({ n: Number(resp.url().split('/').pop()), status: resp.status() });
  });
  // acked waits briefly for the response events to arrive, then returns
  // the acknowledged chunk numbers.
  const acked = async (want) => {
    for (let i = 0; i < 50 && puts.filter((p) => p.status === 204).length < want; i++) await page.waitForTimeout(100);
    return puts.filter((p) => p.status === 204).map((p) => p.n).sort();
  };
  // A new device: log in, confirm by the mailed link, log in again.
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor();
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });

  // 1. The connection drops after the first chunk.
  const one = { name: 'Arztbrief lang.bin', mimeType: 'application/octet-stream', buffer: randomBytes(3.5 * 1024 * 1024) };
  // The connection goes down the moment chunk 1 is sent.
  let dropped = false;
  await page.route(/\/chunks\/1$/, async (route) => {
    if (dropped) return route.continue();
    dropped = true;
    await ctx.setOffline(true);
    await route.abort('internetdisconnected');
  });
  await uploadFiles(page, one);
  await page.getByText('Verbindung unterbrochen').waitFor({ timeout: 30000 });
  await page.waitForTimeout(1500);
  await ctx.setOffline(false);
  await page.getByRole('button', { name: 'Ansehen: Arztbrief lang' }).waitFor({ timeout: 60000 });
  assert.deepEqual(await acked(4), [0, 1, 2, 3], 'every chunk acknowledged exactly once');
  const [dl] = await Promise.all([page.waitForEvent('download'), docAction(page, 'Arztbrief lang', 'Herunterladen')]);
  assert.equal(sha256(readFileSync(await dl.path())), sha256(one.buffer));

  // 2. A reload in the middle: chunks 2 and later never get through, the
  // page is reloaded, the same file chosen again.
  // A file on disk, so that choosing it again gives the same file (name,
  // size, modification time), as it does for a person.
  const twoBytes = randomBytes(3.2 * 1024 * 1024);
  const two = join(tempDir(), 'Entlassbrief.bin');
  writeFileSync(two, twoBytes);
  await page.route(/\/chunks\/[2-9]$/, (route) => route.abort('connectionreset'));
  puts.length = 0;
  await uploadFiles(page, two);
  await page.getByText('Verbindung unterbrochen').waitFor({ timeout: 30000 });
  await page.waitForTimeout(500);
  assert.deepEqual(await acked(2), [0, 1]);
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 }); // the session survives a reload
  // Only now let chunks through, so that no retry of the old page slips in.
  await page.unroute(/\/chunks\/[2-9]$/);
  puts.length = 0;
  await uploadFiles(page, two);
  await page.getByRole('button', { name: 'Ansehen: Entlassbrief' }).waitFor({ timeout: 60000 });
  assert.deepEqual(await acked(2), [2, 3], 'after the reload only the missing chunks were sent');
  assert.equal(puts.length, 2, 'and nothing else');
  const [dl2] = await Promise.all([page.waitForEvent('download'), docAction(page, 'Entlassbrief', 'Herunterladen')]);
  assert.equal(sha256(readFileSync(await dl2.path())), sha256(twoBytes));

  // Log out everywhere.
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await page.getByRole('button', { name: 'Überall abmelden' }).click();
  await page.getByText('Auf allen Geräten abgemeldet.').waitFor();
  assert.equal(await page.evaluate(() => fetch('/api/v1/account').then((r) => r.status)), 401);
});
