// The DICOM viewer (issue 18, item 3; docs/dicom.md §2.5, decision 0040):
// a small CT imported by the CLI opens in the browser, read and decrypted
// by byte range; the first image renders as it must, its thumbnail too,
// scrolling, window/level, zoom and a length measurement work, the page
// passes axe at 360 px, in German and English. Then a multi-frame
// instance, an image that cannot be decoded, the compressed transfer
// syntaxes against the uncompressed original, and (AKTE_VIEWER_BENCH=1)
// the benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, confirmDevice, cli, tempDir, axe, shot } from './helpers.mjs';
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
export function ctSlice({ study, series, sop, n, name, birth, description = 'Thorax 5 mm', seriesNumber = 2, size: SIZE = 64, frames = 1 }) {
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
    element(0x0028, 0x0011, 'US', us(SIZE)), element(0x0028, 0x0030, 'DS', '1\\1'), element(0x0028, 0x0100, 'US', us(16)), element(0x0028, 0x0101, 'US', us(12)),
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
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
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
  if (!drawn) return { page, errors, srv };
  try {
    await page.locator('[data-testid="dicom-viewport"][data-rendered="0"]').waitFor({ timeout: 60000 });
  } catch (e) {
    throw new Error(`${e.message}\npage: ${await page.locator('main').innerText()}\nerrors: ${errors}`);
  }
  return { page, errors, srv, opened: Date.now() - clicked, cold };
}

test('a CT study opens in the viewer: first image, scrolling, window/level, metadata, 360 px', async (t) => {
  const { page, errors } = await openStudy(t, 12);
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
];

test('compressed transfer syntaxes render as the uncompressed original', async (t) => {
  const { execFileSync } = await import('node:child_process');
  try {
    for (const c of ['dcmcjpeg', 'dcmcjpls', 'dcmcrle', 'gdcmconv']) execFileSync('which', [c]);
  } catch {
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
    const [, cmd] = variants[k - 1];
    const src = join(work, `in-${o.n}.dcm`);
    const dst = join(work, `out-${o.n}.dcm`);
    writeFileSync(src, b);
    execFileSync(cmd[0], [...cmd.slice(1), src, dst]);
    return readFileSync(dst);
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
  for (const [k, [name, , tolerance, ts]] of variants.entries()) {
    await series.nth(k + 1).click();
    await page.locator('[data-testid="dicom-viewport"][data-rendered="0"]').waitFor({ timeout: 30000 });
    assert.match(await series.nth(k + 1).innerText(), new RegExp(name));
    assert.ok((await page.getByTestId('dicom-meta').innerText()).includes(ts), `${name} is stored as ${ts}`);
    const got = await grab();
    assert.equal(got.length, ref.length);
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff += Math.abs(got[i] - ref[i]);
    diff /= got.length;
    if (process.env.VIEWER_DEBUG) console.error(name, 'mean difference', diff);
    assert.ok(diff <= tolerance, `${name}: mean difference ${diff.toFixed(2)} from the original (at most ${tolerance})`);
  }
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
