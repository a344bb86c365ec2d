// Thumbnails of a PDF's first page (issue 12, item 4; docs/decisions/0026):
// made in the page at upload by pdf.js (parsed in its worker, drawn in its
// renderer worker), sealed with the metadata, shown in the list; a file
// that claims to be a PDF and is none gets the document icon and arrives
// all the same; no task on the page's thread takes over 200 ms meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, confirmDevice, uploadFiles, minimalPDF, axe } from './helpers.mjs';

test("a PDF's first page becomes its thumbnail; an unreadable PDF gets the icon", async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'thumb@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 780 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => Math.round(e.duration)))).observe({ type: 'longtask' });
  });

  await uploadFiles(page, [
    { name: 'Arztbrief.pdf', mimeType: 'application/pdf', buffer: minimalPDF('Arztbrief Kardiologie 2026') },
    { name: 'Kaputt.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\nthis is no PDF at all\n') },
  ]);
  await page.getByText('2 Dokumente hochgeladen.').waitFor({ timeout: 60000 });
  const card = (name) => page.getByTestId('doc').filter({ has: page.getByRole('button', { name: 'Ansehen: ' + name }) });

  // The letter's first page: 113 × 160 px (A4), white with dark text.
  const img = card('Arztbrief').locator('img.thumb');
  await img.waitFor();
  assert.equal(await img.getAttribute('alt'), '', 'the thumbnail is decoration: the title names the document');
  const px = await img.evaluate(async (i) => {
    await i.decode();
    const c = new OffscreenCanvas(i.naturalWidth, i.naturalHeight);
    const g = c.getContext('2d');
    g.drawImage(i, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let k = 0; k < d.length; k += 4) if (d[k] < 128) dark++;
    return { src: i.src.slice(0, 23), w: i.naturalWidth, h: i.naturalHeight, dark, white: d[0] > 240 && d[1] > 240 && d[2] > 240 };
  });
  assert.deepEqual({ ...px, dark: px.dark > 5 }, { src: 'data:image/jpeg;base64,', w: 113, h: 160, dark: true, white: true }, JSON.stringify(px));

  // pdf.js drew it in its renderer worker, off the page's thread.
  assert.ok(workers.some((u) => u.includes('/assets/pdf-renderer.')), `the renderer worker ran: ${workers.join(' ')}`);

  // The broken one: no thumbnail, the icon, and it is there to be viewed.
  assert.equal(await card('Kaputt').locator('img').count(), 0);
  assert.equal(await card('Kaputt').locator('svg.thumb[aria-hidden=true]').count(), 1);

  const long = await page.evaluate(() => window.longTasks);
  assert.ok(long.every((d) => d <= 200), `no task over 200 ms on the page's thread: ${long.join(', ')}`);
  await axe(page, 'record with thumbnails', assert);
  assert.deepEqual(errors, []);
});
