// The DICOM viewer (issue 18, item 3; docs/dicom.md §2.5, decision 0040):
// a small CT imported by the CLI opens in the browser, read and decrypted
// by byte range; the first image renders as it must, its thumbnail too,
// scrolling, window/level, zoom and a length measurement work, the page
// passes axe at 360 px, in German and English. Then the numbers an image
// of known pixel spacing must give (presets, lengths, angles, zoom, pan;
// by mouse and by keyboard), a multi-frame instance, an image that cannot
// be decoded, a decompression bomb, the compressed transfer syntaxes
// against the uncompressed original, and (AKTE_VIEWER_BENCH=1) the
// issue's benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, confirmDevice, cli, tempDir, axe, shot, uploadFiles } from './helpers.mjs';
import { element, us } from './dicomfiles.mjs';

// SIZE × SIZE pixels: a disk of "bone" (1000 HU) whose radius grows with
// the slice, in "soft tissue" (40 HU), in air (-1000 HU) at the corners.
export const SIZE = 64;
export function ctPixels(n, SIZE = 64) {
  const p = Buffer.alloc(SIZE * SIZE * 2);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const d = Math.hypot(x - SIZE / 2, y - SIZE / 2);
      const hu = d < 4 + n ? 1000 : d < SIZE / 2 ? 40 + ((x * 7 + y * 3) % 50) : -1000;
      p.writeUInt16LE(hu + 1024, 2 * (y * SIZE + x));
    }
  return p;
}

// ctSlice is a DICOM Part 10 CT image of 16-bit pixels.
export function ctSlice({ study, series, sop, n, name, birth, description = 'Thorax 5 mm', seriesNumber = 2, size: SIZE = 64, frames = 1, spacing = '1\\1' }) {
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
  return Buffer.concat([
    Buffer.alloc(128), Buffer.from('DICM'), element(0x0002, 0x0000, 'UL', groupLength), metaBody,
    element(0x0008, 0x0016, 'UI', ct), element(0x0008, 0x0018, 'UI', sop), element(0x0008, 0x0020, 'DA', '20240115'),
    element(0x0008, 0x0060, 'CS', 'CT'), element(0x0008, 0x0080, 'LO', 'Radiologie Musterstadt'), element(0x0008, 0x1030, 'LO', 'CT Thorax'),
    element(0x0008, 0x103e, 'LO', description),
    element(0x0010, 0x0010, 'PN', name), element(0x0010, 0x0030, 'DA', birth),
    element(0x0018, 0x0050, 'DS', '5'),
    element(0x0020, 0x000d, 'UI', study), element(0x0020, 0x000e, 'UI', series), element(0x0020, 0x0011, 'IS', String(seriesNumber)), element(0x0020, 0x0013, 'IS', String(n)),
    element(0x0020, 0x0032, 'DS', `-32\\-32\\${5 * n}`), element(0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0'), element(0x0020, 0x1041, 'DS', String(5 * n)),
    element(0x0028, 0x0002, 'US', us(1)), element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    ...(frames > 1 ? [element(0x0028, 0x0008, 'IS', String(frames))] : []), element(0x0028, 0x0010, 'US', us(SIZE)),
    element(0x0028, 0x0011, 'US', us(SIZE)), element(0x0028, 0x0030, 'DS', spacing), element(0x0028, 0x0100, 'US', us(16)), element(0x0028, 0x0101, 'US', us(12)),
    element(0x0028, 0x0102, 'US', us(11)), element(0x0028, 0x0103, 'US', us(0)),
    element(0x0028, 0x1050, 'DS', '40'), element(0x0028, 0x1051, 'DS', '400'), element(0x0028, 0x1052, 'DS', '-1024'), element(0x0028, 0x1053, 'DS', '1'),
    element(0x7fe0, 0x0010, 'OW', Buffer.concat(Array.from({ length: frames }, (_, k) => ctPixels(n + 3 * k, SIZE)))),
  ]);
}

// canvasStats reads the viewer's canvas: a fingerprint of its pixels and
// the number of distinct grey values.
async function canvasStats(page) {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid="dicom-viewport"] canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) {
      h = (h * 31 + d[i]) >>> 0;
      seen.add(d[i]);
    }
    return { hash: h, distinct: seen.size, w: c.width, h: c.height };
  });
}

// changes waits until the canvas differs from stats (at most 10 s) and
// returns its new stats.
async function changes(page, stats) {
  await page
    .waitForFunction(
      (h) => {
        const c = document.querySelector('[data-testid="dicom-viewport"] canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let x = 0;
        for (let i = 0; i < d.length; i += 4) x = (x * 31 + d[i]) >>> 0;
        return x !== h;
      },
      stats.hash,
      { timeout: 10000, polling: 100 },
    )
    .catch(() => {});
  return canvasStats(page);
}

export async function openStudy(t, slices, { writeSlice = ctSlice, timed = false, drawn = true } = {}) {
  const srv = await startServer(t);
  const a = await account(srv.url, 'viewer@example.org'); // born 1980-04-01
  const uid = (x) => '1.2.826.0.1.3680043.10.543.78.' + x;
  const cd = join(tempDir(), 'CD');
  mkdirSync(join(cd, 'DICOM'), { recursive: true });
  for (let n = 1; n <= slices; n++) {
    writeFileSync(join(cd, 'DICOM', `IM${n}`), writeSlice({ study: uid(1), series: uid(2), sop: uid(100 + n), n, name: 'Beispiel^Carla', birth: '19800401' }));
  }
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const got = JSON.parse(await cli(srv.url, a.home, ['import-cd', cd, '--yes', '--json'], a.env));
  assert.equal(got.length, 1);
  assert.equal(got[0].instances, slices);

  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 780 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env.VIEWER_DEBUG) {
    page.on('console', (m) => console.error('console:', m.text()));
    page.on('response', (r) => r.status() >= 400 && console.error('response:', r.status(), r.url(), r.request().headers().range || ''));
  }
  // The viewer's code and the study's bytes: what the page asks for.
  const viewerCode = [];
  const ranges = [];
  page.on('request', (r) => {
    if (/\/assets\/dicom-(view|decoder)\./.test(r.url())) viewerCode.push(r.url());
    if (/\/items\/[^/]+\/content/.test(r.url())) ranges.push(r.headers().range || '');
  });
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  // The record page does not load the viewer's code (4 MB): only
  // opening a study does.
  assert.deepEqual(viewerCode, [], 'the viewer is not loaded before a study is opened');
  let cold = 0;
  if (timed) {
    // Once with the viewer's code not yet loaded (cold), then again, as
    // on a second study in the same visit.
    const c0 = Date.now();
    await page.getByRole('button', { name: 'Ansehen: CT Thorax' }).click();
    await page.locator('[data-testid="dicom-viewport"][data-rendered="0"]').waitFor({ timeout: 60000 });
    cold = Date.now() - c0;
    await page.getByRole('button', { name: 'Zurück zur Akte' }).click();
  }
  const clicked = Date.now();
  await page.getByRole('button', { name: 'Ansehen: CT Thorax' }).click();
  if (!drawn) return { page, errors, srv, viewerCode, ranges };
  try {
    await page.locator('[data-testid="dicom-viewport"][data-rendered="0"]').waitFor({ timeout: 60000 });
  } catch (e) {
    throw new Error(`${e.message}\npage: ${await page.locator('main').innerText()}\nerrors: ${errors}`);
  }
  return { page, errors, srv, opened: Date.now() - clicked, cold, viewerCode, ranges };
}

test('a CT study opens in the viewer: first image, scrolling, window/level, metadata, 360 px', async (t) => {
  const { page, errors, viewerCode, ranges } = await openStudy(t, 12);
  assert.ok(viewerCode.some((u) => /dicom-view\./.test(u)), 'opening the study loads the viewer');
  // The study is read by byte range (the sealed stream opens at any
  // segment), not fetched whole.
  assert.ok(ranges.length > 0 && ranges.every((r) => /^bytes=\d+-\d*$/.test(r)), `the content is fetched by range: ${ranges}`);
  if (process.env.VIEWER_DEBUG) await page.screenshot({ path: '/tmp/viewer-shot.png', fullPage: true });
  const first = await canvasStats(page);
  assert.ok(first.distinct >= 3, `the first image shows air, tissue and bone: ${JSON.stringify(first)}`);
  assert.equal(await page.getByTestId('dicom-counter').innerText(), '1 / 12');
  assert.match(await page.getByTestId('dicom-series').innerText(), /Thorax 5 mm/);
  assert.match(await page.getByTestId('dicom-series').innerText(), /12 Bilder/);
  // The series' thumbnail is drawn after the first image.
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid="dicom-series"] canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return new Set(d.filter((_, i) => i % 4 === 0)).size >= 3;
  }, null, { timeout: 30000 });

  // Scrolling: the keyboard, the slider, the wheel.
  await page.getByTestId('dicom-viewport').focus();
  await page.keyboard.press('ArrowDown');
  await page.locator('[data-testid="dicom-viewport"][data-rendered="1"]').waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('dicom-counter').innerText(), '2 / 12');
  const second = await changes(page, first);
  assert.notEqual(second.hash, first.hash, 'the next slice differs');
  await page.getByTestId('dicom-slice').fill('10');
  await page.locator('[data-testid="dicom-viewport"][data-rendered="9"]').waitFor({ timeout: 30000 });
  await page.keyboard.press('End');
  await page.locator('[data-testid="dicom-viewport"][data-rendered="11"]').waitFor({ timeout: 30000 });
  await page.getByTestId('dicom-viewport').hover();
  await page.mouse.wheel(0, -300);
  await page.waitForFunction(() => document.querySelector('[data-testid="dicom-viewport"]').dataset.rendered !== '11', null, { timeout: 30000 });

  // Window/level: a preset changes the picture.
  const before = await canvasStats(page);
  await page.getByTestId('dicom-preset').selectOption('lung');
  const lung = await changes(page, before);
  assert.notEqual(lung.hash, before.hash, 'the lung window changes the picture');

  // Zoom by keyboard changes the picture; 0 resets it.
  await page.getByTestId('dicom-viewport').focus();
  const unzoomed = await canvasStats(page);
  await page.keyboard.press('+');
  assert.notEqual((await changes(page, unzoomed)).hash, unzoomed.hash, 'zooming changes the picture');
  await page.keyboard.press('0');

  // Measuring a length: a drag with the length tool leaves a label in mm.
  await page.getByRole('button', { name: 'Länge messen' }).click();
  const box = await page.getByTestId('dicom-viewport').boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 5 });
  await page.waitForTimeout(200);
  await page.mouse.up();
  await page.waitForFunction(() => /mm/.test(document.querySelector('[data-testid="dicom-viewport"] svg')?.textContent || ''), null, { timeout: 10000 });
  const label = await page.evaluate(() => document.querySelector('[data-testid="dicom-viewport"] svg').textContent);
  const mm = Number(/([\d.]+) ?mm/.exec(label)?.[1]);
  // 40 % of a 64 mm wide image (pixel spacing 1 mm) is 25.6 mm; on a
  // loaded machine the last mouse moves of the drag may come late.
  assert.ok(mm > 10 && mm < 30, `the length measured is about 25.6 mm: ${label}`);

  // Cine: playing moves on by itself; stopping stops it.
  const at = await page.getByTestId('dicom-viewport').getAttribute('data-rendered');
  await page.getByRole('button', { name: 'Abspielen' }).click();
  await page.waitForFunction((a) => document.querySelector('[data-testid="dicom-viewport"]').dataset.rendered !== a, at, { timeout: 30000 });
  await page.getByRole('button', { name: 'Anhalten' }).click();

  // The metadata panel.
  await page.getByText('Angaben zur Aufnahme').click();
  const meta = await page.getByTestId('dicom-meta').innerText();
  for (const want of ['Carla', 'CT Thorax', 'Radiologie Musterstadt', '64 × 64']) assert.ok(meta.includes(want), `metadata says ${want}: ${meta}`);

  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page fits 360 px (${wide})`);
  await axe(page, 'DICOM viewer', assert);
  await shot(page, 'dicom-viewer');

  // In English.
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('button', { name: 'Measure length' }).waitFor({ timeout: 30000 });
  await page.locator('[data-testid="dicom-viewport"][data-rendered="0"]').waitFor({ timeout: 30000 });
  assert.match(await page.getByTestId('dicom-series').innerText(), /12 images/);
  assert.deepEqual(errors, []);
});

// picture reads the viewer's canvas: its grey values (the red channel),
// its size in device pixels and its place on the page.
async function picture(page) {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid="dicom-viewport"] canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const r = c.getBoundingClientRect();
    return { grey: Array.from(d.filter((_, i) => i % 4 === 0)), w: c.width, h: c.height, box: { x: r.x, y: r.y, width: r.width, height: r.height } };
  });
}

// imageRect finds where the image lies on the canvas (CSS pixels from its
// top left corner): with the lung window even air is grey, the background
// around the image black.
function imageRect(p) {
  let x0 = p.w, y0 = p.h, x1 = -1, y1 = -1;
  for (let y = 0; y < p.h; y++)
    for (let x = 0; x < p.w; x++)
      if (p.grey[y * p.w + x] > 20) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  assert.ok(x1 > x0 && y1 > y0, 'the image is on the canvas');
  const sx = p.box.width / p.w, sy = p.box.height / p.h;
  return { x: x0 * sx, y: y0 * sy, width: (x1 + 1 - x0) * sx, height: (y1 + 1 - y0) * sy };
}

// mean is the mean grey of the image pixels [ix0, ix1) × [iy0, iy1) of a
// 64 × 64 image shown in rect.
function mean(p, rect, ix0, ix1, iy0, iy1) {
  const sx = p.w / p.box.width, sy = p.h / p.box.height;
  let sum = 0, n = 0;
  for (let iy = iy0; iy < iy1; iy++)
    for (let ix = ix0; ix < ix1; ix++) {
      const x = Math.floor((rect.x + ((ix + 0.5) * rect.width) / 64) * sx);
      const y = Math.floor((rect.y + ((iy + 0.5) * rect.height) / 64) * sy);
      sum += p.grey[y * p.w + x];
      n++;
    }
  return sum / n;
}

// measured waits until the viewer says a measurement that matches re and
// the number in it holds still (the last mouse moves are computed after
// the button goes up), and returns that number.
async function measured(page, re) {
  const out = page.getByTestId('dicom-measure');
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid="dicom-measure"]').textContent), re.source, { timeout: 10000 });
  let last = '';
  for (let i = 0; i < 20; i++) {
    const text = await out.innerText();
    if (text === last) break;
    last = text;
    await page.waitForTimeout(250);
  }
  const m = re.exec(last);
  assert.ok(m, `the viewer says ${re}: ${last}`);
  return Number(m[1].replace(',', '.'));
}

test('window presets, measurements, zoom and pan (by mouse and by keyboard) give what the image says (pixel spacing 0.8 × 0.5 mm)', async (t) => {
  // 64 × 64 pixels, rows 0.8 mm apart, columns 0.5 mm: 32 mm wide and
  // 51.2 mm high.
  const { page, errors } = await openStudy(t, 1, { writeSlice: (o) => ctSlice({ ...o, spacing: '0.8\\0.5' }) });
  const first = await canvasStats(page);
  await page.getByTestId('dicom-preset').selectOption('lung');
  await changes(page, first);
  const lung = await picture(page);
  const rect = imageRect(lung);
  // Shown with its real proportions.
  assert.ok(Math.abs(rect.height / rect.width - 1.6) < 0.05, `the image is 1.6 times as high as wide: ${JSON.stringify(rect)}`);
  await page.getByText('Angaben zur Aufnahme').click();
  assert.match(await page.getByTestId('dicom-meta').innerText(), /0\.8 × 0\.5/);

  // Each preset maps Hounsfield units to grey as its window says:
  // bone (1000 HU) in the middle, air (-1000 HU) in a corner, soft tissue
  // (40 to 89 HU, 64 on average) below the middle.
  const grey = (hu, w, c) => Math.max(0, Math.min(255, ((hu - (c - w / 2)) / w) * 255));
  const tissue = (w, c) => {
    let sum = 0;
    for (let iy = 44; iy < 54; iy++) for (let ix = 20; ix < 44; ix++) sum += grey(40 + ((ix * 7 + iy * 3) % 50), w, c);
    return sum / 240;
  };
  for (const [preset, w, c] of [['bone', 1800, 400], ['soft', 400, 40], ['brain', 80, 40], ['lung', 1500, -600]]) {
    const before = await canvasStats(page);
    await page.getByTestId('dicom-preset').selectOption(preset);
    if (preset !== 'lung' || before.hash !== first.hash) await changes(page, before);
    const p = await picture(page);
    const got = { bone: mean(p, rect, 30, 34, 30, 34), air: mean(p, rect, 1, 5, 1, 5), tissue: mean(p, rect, 20, 44, 44, 54) };
    const want = { bone: grey(1000, w, c), air: grey(-1000, w, c), tissue: tissue(w, c) };
    for (const k of ['bone', 'air', 'tissue']) {
      assert.ok(Math.abs(got[k] - want[k]) <= 8, `${preset} window: ${k} grey ${got[k].toFixed(1)}, want ${want[k].toFixed(1)}`);
    }
  }

  // A horizontal length over 60 % of the width: 19.2 mm; a vertical one
  // over half the height: 25.6 mm.
  // Page coordinates of a point of the image (the page does not scroll
  // while measuring: the viewport is in view).
  await page.getByTestId('dicom-viewport').scrollIntoViewIfNeeded();
  const canvas = await page.locator('[data-testid="dicom-viewport"] canvas').boundingBox();
  const at = (fx, fy) => [canvas.x + rect.x + fx * rect.width, canvas.y + rect.y + fy * rect.height];
  const drag = async (from, to) => {
    await page.mouse.move(...from);
    await page.mouse.down();
    await page.mouse.move(...to, { steps: 8 });
    await page.waitForTimeout(100);
    await page.mouse.up();
  };
  await page.getByRole('button', { name: 'Länge messen' }).click();
  await drag(at(0.1, 0.12), at(0.7, 0.12));
  const across = await measured(page, /^Länge: ([\d,]+) mm$/);
  assert.ok(Math.abs(across - 19.2) <= 0.5, `the horizontal length is 19.2 mm: ${across}`);
  await drag(at(0.9, 0.1), at(0.9, 0.6));
  await page.waitForFunction((a) => !document.querySelector('[data-testid="dicom-measure"]').textContent.includes(a), String(across).replace('.', ','), { timeout: 10000 });
  const down = await measured(page, /^Länge: ([\d,]+) mm$/);
  assert.ok(Math.abs(down - 25.6) <= 0.6, `the vertical length is 25.6 mm: ${down}`);

  // An angle: press at the first arm's end, drag to the vertex, let go,
  // then click at the second arm's end.
  await page.getByRole('button', { name: 'Winkel messen' }).click();
  const [p1, p2, p3] = [at(0.15, 0.45), at(0.15, 0.9), at(0.75, 0.5)];
  await drag(p1, p2);
  await page.mouse.move(...p3, { steps: 8 });
  await page.waitForTimeout(100);
  await page.mouse.down();
  await page.mouse.up();
  const deg = (a, b) => (Math.acos((a[0] * b[0] + a[1] * b[1]) / (Math.hypot(...a) * Math.hypot(...b))) * 180) / Math.PI;
  const want = deg([p1[0] - p2[0], p1[1] - p2[1]], [p3[0] - p2[0], p3[1] - p2[1]]);
  const angle = await measured(page, /^Winkel: ([\d,]+)°$/);
  if (process.env.VIEWER_DEBUG) console.error('measured', { across, down, angle, want, rect });
  assert.ok(Math.abs(angle - want) <= 1.5, `the angle is ${want.toFixed(1)}°: ${angle}`);
  // The label drawn on the image says the same.
  const labels = await page.evaluate(() => document.querySelector('[data-testid="dicom-viewport"] svg').textContent);
  const drawn = Number(/([\d.]+) ?°/.exec(labels)?.[1]);
  assert.ok(Math.abs(drawn - angle) <= 0.1, `the label on the image says ${angle}°: ${labels}`);

  // By keyboard: with a measuring tool, Enter shows a marker in the
  // middle, arrows move it (Shift: 10 px), Enter sets each point.
  const keys = async (key, n) => {
    for (let i = 0; i < n; i++) await page.keyboard.press(key);
  };
  await page.getByRole('button', { name: 'Länge messen' }).click();
  await page.getByTestId('dicom-viewport').focus();
  await page.keyboard.press('Enter');
  await page.getByText('Punkt 1 von 2: Pfeiltasten bewegen die Marke').waitFor();
  await keys('Shift+ArrowUp', 11);
  await keys('Shift+ArrowLeft', 5);
  await page.keyboard.press('Enter');
  await page.getByText('Punkt 2 von 2').waitFor();
  await keys('Shift+ArrowRight', 10);
  await page.keyboard.press('Enter');
  if (process.env.VIEWER_DEBUG) {
    await page.waitForTimeout(1000);
    console.error('keyboard length', await page.evaluate(() => [document.querySelector('.dv-status').textContent, document.querySelector('[data-testid="dicom-measure"]').textContent, document.querySelector('[data-testid="dicom-viewport"] svg').textContent, document.querySelector('.dv-marker').style.cssText]));
    await page.screenshot({ path: '/tmp/images-kb.png' });
  }
  await page.waitForFunction((a) => !document.querySelector('[data-testid="dicom-measure"]').textContent.includes('Winkel'), null, { timeout: 10000 });
  const keyed = await measured(page, /^Länge: ([\d,]+) mm$/);
  const wantKeyed = (100 / rect.width) * 32;
  assert.ok(Math.abs(keyed - wantKeyed) <= 0.3, `100 px across by keyboard: ${wantKeyed.toFixed(1)} mm, measured ${keyed}`);
  // An angle of 45°: up 70 px, Enter; down 50, Enter; right 40 and up 40, Enter.
  await page.getByRole('button', { name: 'Winkel messen' }).click();
  await page.getByTestId('dicom-viewport').focus();
  await page.keyboard.press('Enter');
  await keys('Shift+ArrowUp', 7);
  await page.keyboard.press('Enter');
  await keys('Shift+ArrowDown', 5);
  await page.keyboard.press('Enter');
  await page.getByText('Punkt 3 von 3').waitFor();
  await keys('Shift+ArrowRight', 4);
  await keys('Shift+ArrowUp', 4);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Winkel: 4[4-6]/.test(document.querySelector('[data-testid="dicom-measure"]').textContent), null, { timeout: 10000 }).catch(() => {});
  const keyedAngle = await measured(page, /^Winkel: ([\d,]+)°$/);
  assert.ok(Math.abs(keyedAngle - 45) <= 1, `the angle set by keyboard is 45°: ${keyedAngle}`);
  // Escape leaves a measurement unmade.
  const said = await page.getByTestId('dicom-measure').innerText();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await keys('Shift+ArrowDown', 3);
  await page.keyboard.press('Escape');
  if (process.env.VIEWER_DEBUG) {
    await page.waitForTimeout(500);
    await page.screenshot({ path: '/tmp/images-esc.png' });
    console.error('svg after escape', await page.evaluate(() => document.querySelector('[data-testid="dicom-viewport"] svg').innerHTML.length));
  }
  assert.ok(await page.locator('.dv-marker').isHidden(), 'the marker is gone');
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('dicom-measure').innerText(), said);
  assert.equal((await page.evaluate(() => document.querySelector('[data-testid="dicom-viewport"] svg').textContent)).match(/°/g).length, 2, 'two angles drawn, the cancelled one not');
  // And the arrows scroll again (one slice: the counter stays).
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByTestId('dicom-counter').innerText(), '1 / 1');

  // Zoom by keyboard: 1.25 times as large about the middle; 0 resets.
  await page.getByTestId('dicom-preset').selectOption('lung');
  await page.getByTestId('dicom-viewport').focus();
  let before = await canvasStats(page);
  await page.keyboard.press('+');
  await changes(page, before);
  const zoomed = imageRect(await picture(page));
  assert.ok(Math.abs(zoomed.width / rect.width - 1.25) < 0.03, `zoomed 1.25 times: ${zoomed.width} from ${rect.width}`);
  await page.keyboard.press('0');
  await page.getByTestId('dicom-preset').selectOption('lung');

  // Pan with the pan tool: the image follows the pointer.
  await page.getByRole('button', { name: 'Verschieben' }).click();
  before = await canvasStats(page);
  // (From a place no measurement's line or label is near: there the
  // mouse would move the measurement.)
  await drag(at(0.75, 0.95), [at(0.75, 0.95)[0] + 30, at(0.75, 0.95)[1] + 20]);
  await changes(page, before);
  if (process.env.VIEWER_DEBUG) await page.screenshot({ path: '/tmp/images-pan.png' });
  const moved = imageRect(await picture(page));
  assert.ok(Math.abs(moved.x - rect.x - 30) <= 2 && Math.abs(moved.y - rect.y - 20) <= 2, `moved by (30, 20): ${JSON.stringify(moved)} from ${JSON.stringify(rect)}`);
  // And by keyboard: Shift and an arrow move it a tenth of the view.
  await page.getByTestId('dicom-viewport').focus();
  await page.keyboard.press('0');
  await page.getByTestId('dicom-preset').selectOption('lung');
  before = await canvasStats(page);
  await page.keyboard.press('Shift+ArrowLeft');
  await changes(page, before);
  const shifted = imageRect(await picture(page));
  const tenth = lung.box.width / 10;
  assert.ok(Math.abs(rect.x - shifted.x - tenth) <= 2 && Math.abs(shifted.y - rect.y) <= 1, `moved left by ${tenth}: ${JSON.stringify(shifted)} from ${JSON.stringify(rect)}`);
  assert.equal(await page.getByTestId('dicom-counter').innerText(), '1 / 1');
  await axe(page, 'DICOM viewer with measurements', assert);
  assert.deepEqual(errors, []);
});

test('a multi-frame instance scrolls frame by frame', async (t) => {
  const { page, errors } = await openStudy(t, 1, { writeSlice: (o) => ctSlice({ ...o, frames: 4 }) });
  assert.equal(await page.getByTestId('dicom-counter').innerText(), '1 / 4');
  const first = await canvasStats(page);
  await page.getByTestId('dicom-viewport').focus();
  await page.keyboard.press('End');
  await page.locator('[data-testid="dicom-viewport"][data-rendered="3"]').waitFor({ timeout: 30000 });
  assert.notEqual((await canvasStats(page)).hash, first.hash, 'the last frame differs from the first');
  assert.deepEqual(errors, []);
});

test('an image that cannot be decoded says so; the others still show', async (t) => {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('which', ['dcmcjpeg']);
  } catch {
    // make test (AKTE_DICOM_TESTS=1) runs it: a missing tool fails there.
    if (process.env.AKTE_DICOM_TESTS) throw new Error('dcmtk is not installed (scripts/test-deps.sh)');
    t.skip('dcmtk is not installed (scripts/test-deps.sh)');
    return;
  }
  const work = tempDir();
  // Slice 1 a JPEG whose frame header is wiped, slice 2 intact.
  const writeSlice = (o) => {
    const src = join(work, `in-${o.n}.dcm`);
    const dst = join(work, `out-${o.n}.dcm`);
    writeFileSync(src, ctSlice(o));
    execFileSync('dcmcjpeg', ['+e1', src, dst]);
    const b = readFileSync(dst);
    if (o.n === 1) {
      const sof = b.indexOf(Buffer.from([0xff, 0xc3])); // the JPEG's frame header
      assert.ok(sof > 0);
      b.fill(0, sof, sof + 40);
    }
    return b;
  };
  const { page, errors } = await openStudy(t, 2, { writeSlice, drawn: false });
  await page.getByText('Dieses Bild lässt sich nicht darstellen.').waitFor({ timeout: 30000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await page.locator('main').innerText()}\nrendered: ${await page.getByTestId('dicom-viewport').getAttribute('data-rendered')}`);
  });
  await page.getByTestId('dicom-viewport').focus();
  await page.keyboard.press('ArrowDown');
  await page.locator('[data-testid="dicom-viewport"][data-rendered="1"]').waitFor({ timeout: 30000 });
  assert.deepEqual(errors, []);
});

// rleBomb is a CT slice whose RLE pixel data, a few hundred bytes, says
// it is 10000 × 10000 pixels (100 megapixels): a decompression bomb.
function rleBomb(o) {
  const plain = ctSlice(o);
  const rle = '1.2.840.10008.1.2.5';
  // The same data set, with the transfer syntax, the size and the pixel
  // data changed.
  const sopAt = plain.indexOf(Buffer.from('1.2.840.10008.1.2.1\0'));
  assert.ok(sopAt > 0);
  const tag = (g, e) => Buffer.from([g & 255, g >> 8, e & 255, e >> 8]);
  const u32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const segment = Buffer.concat(Array.from({ length: 100 }, () => Buffer.from([0x81, 0x40]))); // runs of 128 bytes
  const header = Buffer.alloc(64);
  header.writeUInt32LE(1, 0);
  header.writeUInt32LE(64, 4);
  const pixelData = Buffer.concat([
    tag(0x7fe0, 0x0010), Buffer.from('OB\0\0'), u32(0xffffffff),
    tag(0xfffe, 0xe000), u32(0),
    tag(0xfffe, 0xe000), u32(64 + segment.length), header, segment,
    tag(0xfffe, 0xe0dd), u32(0),
  ]);
  let b = Buffer.from(plain);
  b = Buffer.concat([b.subarray(0, sopAt), Buffer.from('1.2.840.10008.1.2.5\0'), b.subarray(sopAt + 20)]);
  assert.equal(rle.length + 1, 20);
  // Rows and columns (US, 64) become 10000; 8 bits.
  const size = Buffer.concat([tag(0x0028, 0x0010), Buffer.from('US'), Buffer.from([2, 0]), us(64)]);
  for (let i = 0; i < 2; i++) {
    const at = b.indexOf(i ? Buffer.concat([tag(0x0028, 0x0011), size.subarray(4)]) : size);
    assert.ok(at > 0);
    us(10000).copy(b, at + 8);
  }
  for (const [e, v] of [[0x0100, 8], [0x0101, 8], [0x0102, 7]]) {
    const at = b.indexOf(Buffer.concat([tag(0x0028, e), Buffer.from('US'), Buffer.from([2, 0])]));
    assert.ok(at > 0);
    us(v).copy(b, at + 8);
  }
  const pd = b.indexOf(Buffer.concat([tag(0x7fe0, 0x0010), Buffer.from('OW')]));
  assert.ok(pd > 0);
  return Buffer.concat([b.subarray(0, pd), pixelData]);
}

test('a decompression bomb is refused without a hang; the slices around it show', async (t) => {
  const { page, errors } = await openStudy(t, 3, { writeSlice: (o) => (o.n === 2 ? rleBomb(o) : ctSlice(o)) });
  await page.getByText('Angaben zur Aufnahme').click();
  await page.getByTestId('dicom-viewport').focus();
  const t0 = Date.now();
  await page.keyboard.press('ArrowDown');
  await page.getByText('Dieses Bild lässt sich nicht darstellen.').waitFor({ timeout: 30000 });
  assert.ok(Date.now() - t0 < 10000, `refused in ${Date.now() - t0} ms`);
  assert.equal(await page.getByTestId('dicom-counter').innerText(), '2 / 3');
  // The slice before is not shown under the refused slice's number.
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid="dicom-viewport"] canvas')).visibility), 'hidden');
  assert.match(await page.getByTestId('dicom-meta').innerText(), /10000 × 10000/);
  assert.match(await page.getByTestId('dicom-meta').innerText(), /1\.2\.840\.10008\.1\.2\.5/);
  await page.keyboard.press('ArrowDown');
  await page.locator('[data-testid="dicom-viewport"][data-rendered="2"]').waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('dicom-counter').innerText(), '3 / 3');
  assert.equal(await page.getByText('Dieses Bild lässt sich nicht darstellen.').count(), 0);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid="dicom-viewport"] canvas')).visibility), 'visible');

  // A study sealed by someone else (as one shared with us) whose manifest
  // says 64 × 64 of the bomb: the instance's own header counts.
  const uid = (x) => '1.2.826.0.1.3680043.10.543.79.' + x;
  const bomb = rleBomb({ study: uid(1), series: uid(2), sop: uid(3), n: 1, name: 'Beispiel^Carla', birth: '19800401' });
  const manifest = Buffer.from(JSON.stringify({
    format: 'akte-dicom-study', version: 1, size: bomb.length,
    study: { uid: uid(1), description: 'Gefälscht', patient: { name: 'Beispiel^Carla', birth_date: '19800401' } },
    series: [{ uid: uid(2), modality: 'CT', instances: [{ uid: uid(3), offset: 0, length: bomb.length, rows: 64, columns: 64, samples_per_pixel: 1 }] }],
  }));
  const head = Buffer.alloc(12);
  head.write('AKTEDS01', 0, 'latin1');
  head.writeUInt32BE(manifest.length, 8);
  await page.getByRole('button', { name: 'Zurück zur Akte' }).click();
  await uploadFiles(page, { name: 'Gefälscht', mimeType: 'application/vnd.akte.dicom-study', buffer: Buffer.concat([head, manifest, bomb]) });
  await page.getByRole('button', { name: 'Ansehen: Gefälscht' }).click({ timeout: 60000 });
  await page.getByText('Dieses Bild lässt sich nicht darstellen.').waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('dicom-viewport').getAttribute('data-rendered'), null);
  assert.deepEqual(errors, []);
});

// The compressed transfer syntaxes (docs/dicom.md; converted as
// dicom/cd_test.go does): each a series of the same slices, drawn by the
// viewer as the uncompressed series is (lossless: the same pixels on the
// canvas; JPEG baseline: close to them).
const variants = [
  ['JPEG baseline', ['dcmcjpeg', '+eb', '+un'], 12, '1.2.840.10008.1.2.4.50'],
  ['JPEG lossless', ['dcmcjpeg', '+e1'], 0, '1.2.840.10008.1.2.4.70'],
  ['JPEG-LS', ['dcmcjpls'], 0, '1.2.840.10008.1.2.4.80'],
  ['RLE', ['dcmcrle'], 0, '1.2.840.10008.1.2.5'],
  ['JPEG 2000', ['gdcmconv', '--j2k'], 0, '1.2.840.10008.1.2.4.90'],
  // The JPEG baseline slices decoded by dcmtk (dcmdjpeg): the reference
  // the browser's decoding of the lossy series is held to (below).
  ['JPEG baseline decoded by dcmtk', ['dcmcjpeg', '+eb', '+un'], 12, '1.2.840.10008.1.2.1', ['dcmdjpeg']],
];

test('compressed transfer syntaxes render as the uncompressed original', async (t) => {
  const { execFileSync } = await import('node:child_process');
  try {
    for (const c of ['dcmcjpeg', 'dcmdjpeg', 'dcmcjpls', 'dcmcrle', 'gdcmconv']) execFileSync('which', [c]);
  } catch {
    if (process.env.AKTE_DICOM_TESTS) throw new Error('dcmtk and libgdcm-tools are not installed (scripts/test-deps.sh)');
    t.skip('dcmtk and libgdcm-tools are not installed (scripts/test-deps.sh)');
    return;
  }
  const work = tempDir();
  // Series 1 uncompressed, then one per variant; 2 slices each.
  const writeSlice = (o) => {
    const k = Math.floor((o.n - 1) / 2); // series index
    const n = ((o.n - 1) % 2) + 1;
    const b = ctSlice({ ...o, n, series: `${o.series}.${k}`, description: k ? variants[k - 1][0] : 'Original', seriesNumber: k + 1 });
    if (!k) return b;
    const [, cmd, , , then] = variants[k - 1];
    const src = join(work, `in-${o.n}.dcm`);
    const dst = join(work, `out-${o.n}.dcm`);
    writeFileSync(src, b);
    execFileSync(cmd[0], [...cmd.slice(1), src, dst]);
    if (then) execFileSync(then[0], [...then.slice(1), dst, dst + '.dec']);
    return readFileSync(then ? dst + '.dec' : dst);
  };
  const { page, errors } = await openStudy(t, 2 * (variants.length + 1), { writeSlice });
  const series = page.getByTestId('dicom-series');
  assert.equal(await series.count(), variants.length + 1);
  const grab = () =>
    page.evaluate(() => {
      const c = document.querySelector('[data-testid="dicom-viewport"] canvas');
      return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0));
    });
  const ref = await grab();
  // The reference is the picture it should be: bone white in the middle,
  // air black in the corner, soft tissue grey between (window 40/400).
  const side = Math.round(Math.sqrt(ref.length));
  const at = (x, y) => ref[Math.round(y * side) * side + Math.round(x * side)];
  assert.ok(at(0.5, 0.5) > 250, `bone is white: ${at(0.5, 0.5)}`);
  assert.ok(at(0.02, 0.02) < 5, `air is black: ${at(0.02, 0.02)}`);
  assert.ok(at(0.5, 0.8) > 100 && at(0.5, 0.8) < 200, `tissue is grey: ${at(0.5, 0.8)}`);
  await page.getByText('Angaben zur Aufnahme').click();
  const drawn = {};
  for (const [k, [name, , tolerance, ts]] of variants.entries()) {
    await series.nth(k + 1).click();
    await page.locator('[data-testid="dicom-viewport"][data-rendered="0"]').waitFor({ timeout: 30000 });
    assert.match(await series.nth(k + 1).innerText(), new RegExp(name));
    assert.ok((await page.getByTestId('dicom-meta').innerText()).includes(ts), `${name} is stored as ${ts}`);
    const got = await grab();
    drawn[name] = got;
    assert.equal(got.length, ref.length);
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff += Math.abs(got[i] - ref[i]);
    diff /= got.length;
    if (process.env.VIEWER_DEBUG) console.error(name, 'mean difference', diff);
    assert.ok(diff <= tolerance, `${name}: mean difference ${diff.toFixed(2)} from the original (at most ${tolerance})`);
  }
  // The lossy series against its reference decoding: the browser's JPEG
  // decoder and dcmtk's may round an IDCT differently, nothing more.
  const [jpeg, dec] = [drawn['JPEG baseline'], drawn['JPEG baseline decoded by dcmtk']];
  let off = 0, worst = 0;
  for (let i = 0; i < jpeg.length; i++) {
    off += Math.abs(jpeg[i] - dec[i]);
    worst = Math.max(worst, Math.abs(jpeg[i] - dec[i]));
  }
  off /= jpeg.length;
  if (process.env.VIEWER_DEBUG) console.error('JPEG baseline against dcmdjpeg', off, worst);
  assert.ok(off <= 1, `JPEG baseline differs from dcmtk's decoding by ${off.toFixed(2)} on average (worst ${worst})`);
  assert.deepEqual(errors, []);
});

// The benchmark (docs/benchmarks.md): a CT of 500 slices of
// 512 × 512 (263 MB); the first slice must show in under 2 s after the
// click on "Ansehen", scrolling must hold 20 slices a second. Run with
// AKTE_VIEWER_BENCH=1.
test('benchmark: first slice and scrolling of a 500-slice CT', { skip: !process.env.AKTE_VIEWER_BENCH }, async (t) => {
  const slices = 500;
  const { page, errors, opened, cold } = await openStudy(t, slices, { writeSlice: (o) => ctSlice({ ...o, n: o.n % 20, size: 512 }), timed: true });
  await page.getByTestId('dicom-viewport').focus();
  const scrolled = 100;
  // In the page, so that the test's round trips are not counted: a key
  // press, then the next only once that slice is drawn.
  const ms = await page.evaluate(async (n) => {
    const vp = document.querySelector('[data-testid="dicom-viewport"]');
    const t0 = performance.now();
    for (let i = 1; i <= n; i++) {
      const drawn = new Promise((resolve) => {
        const o = new MutationObserver(() => vp.dataset.rendered === String(i) && (o.disconnect(), resolve()));
        o.observe(vp, { attributes: true, attributeFilter: ['data-rendered'] });
      });
      vp.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
      await drawn;
    }
    return performance.now() - t0;
  }, scrolled);
  const rate = scrolled / (ms / 1000);
  console.log(`| first slice after the click on "Ansehen", viewer code not yet loaded, s | ${(cold / 1000).toFixed(2)} |`);
  console.log(`| first slice after the click on "Ansehen", viewer code loaded, s | ${(opened / 1000).toFixed(2)} |`);
  console.log(`| scrolling, slices per second (${scrolled} slices, arrow key, each drawn) | ${rate.toFixed(1)} |`);
  // The goal is the study's (the viewer's code loaded once a visit); the
  // first open with the code's loading is reported, and held to 4 s on a
  // machine the tests share.
  assert.ok(opened < 2000, `first slice in ${opened} ms`);
  assert.ok(cold < 4000, `first slice with the viewer's code in ${cold} ms`);
  assert.ok(rate >= 20, `scrolling at ${rate.toFixed(1)} slices/s`);
  assert.deepEqual(errors, []);
});
