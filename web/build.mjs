// Builds the web app into web/dist: the Go client core as WebAssembly, the
// UI bundle, content-hashed names, and gzip/brotli copies of every asset so
// the server sends them precompressed. Run by `make web` (after npm ci).
//
//   node build.mjs            build
//   node build.mjs --no-wasm  reuse the core.wasm, audit.wasm, dicom.wasm, health.wasm, grants.wasm, export.wasm and share.wasm of the last build (UI work)
//   node build.mjs --fast     brotli at quality 4 rather than 11 (a quick build while working)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(here, 'dist');
const cache = join(here, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });

const fast = process.argv.includes('--fast');
const goEnv = { ...process.env, GOOS: 'js', GOARCH: 'wasm' };
const wasmTmp = join(cache, 'core.wasm');
if (!process.argv.includes('--no-wasm') || !existsSync(wasmTmp)) {
  const t = Date.now();
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', wasmTmp, './cmd/akte-wasm'], { cwd: root, env: goEnv, stdio: 'inherit' });
  console.error(`core.wasm built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
// The protocol's verifier (cmd/akte-audit-wasm), a module of its own: the
// core has no room for it, and only the pages that show the protocol load
// it (web/src/audit.js).
const auditTmp = join(cache, 'audit.wasm');
if (!process.argv.includes('--no-wasm') || !existsSync(auditTmp)) {
  const t = Date.now();
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', auditTmp, './cmd/akte-audit-wasm'], { cwd: root, env: goEnv, stdio: 'inherit' });
  console.error(`audit.wasm built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
// The patient-CD reader (cmd/akte-dicom-wasm), loaded only by the page
// that imports a CD (web/src/cd.js).
const dicomTmp = join(cache, 'dicom.wasm');
if (!process.argv.includes('--no-wasm') || !existsSync(dicomTmp)) {
  const t = Date.now();
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', dicomTmp, './cmd/akte-dicom-wasm'], { cwd: root, env: goEnv, stdio: 'inherit' });
  console.error(`dicom.wasm built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
// Entries and the status of vaccinations and check-ups
// (cmd/akte-health-wasm, decision 0037): fhir, rules and encoding/json,
// for which the core has no room; loaded by the pages that show them
// (web/src/health.js).
const healthTmp = join(cache, 'health.wasm');
if (!process.argv.includes('--no-wasm') || !existsSync(healthTmp)) {
  const t = Date.now();
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', healthTmp, './cmd/akte-health-wasm'], { cwd: root, env: goEnv, stdio: 'inherit' });
  console.error(`health.wasm built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
// The grants module (cmd/akte-grants-wasm, decision 0046), started in the
// core's worker by the pages of grants and of a provider's records.
const grantsTmp = join(cache, 'grants.wasm');
if (!process.argv.includes('--no-wasm') || !existsSync(grantsTmp)) {
  const t = Date.now();
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', grantsTmp, './cmd/akte-grants-wasm'], { cwd: root, env: goEnv, stdio: 'inherit' });
  console.error(`grants.wasm built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
// The export and import of a whole record (cmd/akte-export-wasm,
// decision 0049), started in the core's worker by the export page only.
const exportTmp = join(cache, 'export.wasm');
if (!process.argv.includes('--no-wasm') || !existsSync(exportTmp)) {
  const t = Date.now();
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', exportTmp, './cmd/akte-export-wasm'], { cwd: root, env: goEnv, stdio: 'inherit' });
  console.error(`export.wasm built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
// Opening a share without an account (cmd/akte-share-wasm, decision
// 0042): Argon2id for the share key, loaded only by the share page
// (web/src/share.js).
const shareTmp = join(cache, 'share.wasm');
if (!process.argv.includes('--no-wasm') || !existsSync(shareTmp)) {
  const t = Date.now();
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', shareTmp, './cmd/akte-share-wasm'], { cwd: root, env: goEnv, stdio: 'inherit' });
  console.error(`share.wasm built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
// The core's size is watched (issue 11, docs/benchmarks.md; cmd/akte-wasm
// TestLean fails above the limit).
const wasmSize = readFileSync(wasmTmp).length;
console.error(`core.wasm: ${wasmSize.toLocaleString('en')} bytes uncompressed (${(wasmSize / 1e6).toFixed(2)} MB; at most 4.5 MB)`);
const goroot = execFileSync('go', ['env', 'GOROOT'], { cwd: root }).toString().trim();
let wasmExec = join(goroot, 'lib', 'wasm', 'wasm_exec.js');
if (!existsSync(wasmExec)) wasmExec = join(goroot, 'misc', 'wasm', 'wasm_exec.js');

const bundle = async (entry, format) => {
  const r = await esbuild.build({
    entryPoints: [join(here, 'src', entry)], bundle: true, minify: true, format, target: ['es2022'],
    write: false, legalComments: 'none', logLevel: 'warning',
  });
  return r.outputFiles[0].contents;
};

const out = new Map(); // logical name -> { name, data }
const hashed = (logical, data) => {
  const h = createHash('sha256').update(data).digest('hex').slice(0, 12);
  const dot = logical.indexOf('.');
  const name = `${logical.slice(0, dot)}.${h}${logical.slice(dot)}`;
  out.set(logical, { name, data });
  return `/assets/${name}`;
};

const urls = {
  wasm: hashed('core.wasm', readFileSync(wasmTmp)),
  worker: hashed('worker.js', Buffer.concat([readFileSync(wasmExec), Buffer.from('\n'), Buffer.from(await bundle('core-worker.js', 'iife'))])),
  auditWasm: hashed('audit.wasm', readFileSync(auditTmp)),
  auditWorker: hashed('audit-worker.js', Buffer.concat([readFileSync(wasmExec), Buffer.from('\n'), Buffer.from(await bundle('audit-worker.js', 'iife'))])),
  dicomWasm: hashed('dicom.wasm', readFileSync(dicomTmp)),
  dicomWorker: hashed('dicom-worker.js', Buffer.concat([readFileSync(wasmExec), Buffer.from('\n'), Buffer.from(await bundle('dicom-worker.js', 'iife'))])),
  grantsWasm: hashed('grants.wasm', readFileSync(grantsTmp)),
  exportWasm: hashed('export.wasm', readFileSync(exportTmp)),
  healthWasm: hashed('health.wasm', readFileSync(healthTmp)),
  healthWorker: hashed('health-worker.js', Buffer.concat([readFileSync(wasmExec), Buffer.from('\n'), Buffer.from(await bundle('health-worker.js', 'iife'))])),
  shareWasm: hashed('share.wasm', readFileSync(shareTmp)),
  shareWorker: hashed('share-worker.js', Buffer.concat([readFileSync(wasmExec), Buffer.from('\n'), Buffer.from(await bundle('share-worker.js', 'iife'))])),
  // The upload's reading, hashing and encryption (web/src/work.js).
  work: hashed('work.js', await bundle('work.js', 'iife')),
};
// The medication plan's DataMatrix reader (web/src/zxing.js, zxing-wasm),
// loaded only when a plan is scanned, with its WebAssembly.
urls.zxing = hashed('zxing.js', await bundle('zxing.js', 'esm'));
urls.zxingWasm = hashed('zxing_reader.wasm', readFileSync(join(here, 'node_modules', 'zxing-wasm', 'dist', 'reader', 'zxing_reader.wasm')));
// The logo, and the icons and manifest that make the app installable (no
// service worker: nothing of a record is cached by the browser).
const icon = (f) => hashed(f, readFileSync(join(here, 'src', 'icons', f)));
urls.icon = icon('logo.svg');
const manifest = hashed('manifest.webmanifest', Buffer.from(JSON.stringify({
  name: 'Akte', short_name: 'Akte', lang: 'de', dir: 'ltr',
  description: 'Ihre Patientenakte, Ende-zu-Ende-verschlüsselt: nur Sie halten die Schlüssel.',
  start_url: '/', scope: '/', display: 'standalone', background_color: '#f6f7f9', theme_color: '#0b5394',
  icons: [
    { src: urls.icon, sizes: 'any', type: 'image/svg+xml' },
    { src: icon('icon-192.png'), sizes: '192x192', type: 'image/png' },
    { src: icon('icon-512.png'), sizes: '512x512', type: 'image/png' },
  ],
})));
const css = hashed('app.css', (await esbuild.build({ entryPoints: [join(here, 'src', 'app.css')], bundle: true, minify: true, write: false, logLevel: 'warning' })).outputFiles[0].contents);
// pdf.js, loaded by the viewer only when it shows a PDF: the renderer and
// its worker (already minified by its makers).
urls.pdf = hashed('pdf.js', await bundle('pdfview.js', 'esm'));
urls.pdfWorker = hashed('pdf-worker.js', readFileSync(join(here, 'node_modules', 'pdfjs-dist', 'build', 'pdf.worker.min.mjs')));
// pdf.js 6's renderer worker: pages are drawn into an OffscreenCanvas off
// the page's thread (web/src/pdfview.js).
urls.pdfRenderer = hashed('pdf-renderer.js', readFileSync(join(here, 'node_modules', 'pdfjs-dist', 'build', 'pdf.renderer.min.mjs')));
// The DICOM viewer (web/src/dicomview.js, cornerstone3D), loaded only
// when a study is opened (decision 0040): its bundle, the image loader's
// decoder worker (a module worker of its own: esbuild does not follow the
// loader's `new URL('./decodeImageFrameWorker.js', import.meta.url)`), and
// the codecs' WebAssembly, content-hashed like every asset. The codecs ask
// for their .wasm by a fixed name under a base path; the worker's copy of
// shared/wasmBasePath.js is replaced by one that looks the name up in a
// table (name -> hashed URL) the viewer passes as decodeConfig.wasmBasePath.
const codecDir = join(here, 'node_modules', '@cornerstonejs');
const codecs = {};
for (const [pkg, file] of [
  ['codec-charls', 'charlswasm_decode.wasm'],
  ['codec-libjpeg-turbo-8bit', 'libjpegturbowasm_decode.wasm'],
  ['codec-openjpeg', 'openjpegwasm_decode.wasm'],
  ['codec-openjph', 'openjphjs.wasm'],
]) codecs[file] = hashed('cs-' + file, readFileSync(join(codecDir, pkg, 'dist', file)));
const wasmTable = {
  name: 'akte-wasm-table',
  setup(b) {
    b.onLoad({ filter: /dicom-image-loader[\\/]dist[\\/]esm[\\/]shared[\\/]wasmBasePath\.js$/ }, () => ({
      loader: 'js',
      contents: `let table = {};
export function setWasmBasePath(t) { try { table = t ? JSON.parse(t) : {}; } catch { table = {}; } }
export function getWasmBasePath() { return undefined; }
export function setWasmBasePathFromConfig(c) { if (c?.wasmBasePath !== undefined) setWasmBasePath(c.wasmBasePath); }
export function resolveWasmUrl(name, fallback) { const u = table[name]; if (!u) throw new Error('no codec ' + name); return new URL(u, self.location.href).toString(); }`,
    }));
  },
};
const csBundle = async (entry) => {
  const r = await esbuild.build({
    entryPoints: [entry], bundle: true, minify: true, format: 'esm', target: ['es2022'], write: false, legalComments: 'none',
    logLevel: 'error', plugins: [wasmTable], external: ['fs', 'path', 'module', 'worker_threads', 'crypto'], alias: { events: join(here, 'src', 'shims', 'events.js'), url: join(here, 'src', 'shims', 'url.js') }, define: { 'process.env.NODE_ENV': '"production"' },
  });
  return r.outputFiles[0].contents;
};
urls.dicomCodecs = codecs;
urls.dicomDecoder = hashed('dicom-decoder.js', await csBundle(join(codecDir, 'dicom-image-loader', 'dist', 'esm', 'decodeImageFrameWorker.js')));
urls.dicomView = hashed('dicom-view.js', await csBundle(join(here, 'src', 'dicomview.js')));
const app = hashed('app.js', await bundle('app.js', 'esm'));
const selftest = hashed('selftest.js', await bundle('selftest.js', 'esm'));

const page = (file, script) => {
  let html = readFileSync(join(here, 'src', file), 'utf8');
  html = html.replaceAll('{{CSS}}', css).replaceAll('{{JS}}', script).replaceAll('{{ICON}}', urls.icon).replaceAll('{{MANIFEST}}', manifest).replaceAll('{{ASSETS}}', JSON.stringify(urls).replaceAll('"', '&quot;'));
  return Buffer.from(html);
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });
copyFileSync(join(here, 'dist.README.md'), join(dist, 'README.md'));
const write = (path, data) => {
  writeFileSync(path, data);
  writeFileSync(path + '.gz', gzipSync(data, { level: 9 }));
  writeFileSync(path + '.br', brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: fast ? 4 : 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
};
for (const { name, data } of out.values()) write(join(dist, 'assets', name), data);
// index.html is small and the server fills in the site's links at start
// ({{SITE}}), so it is kept uncompressed.
writeFileSync(join(dist, 'index.html'), page('index.html', app));
write(join(dist, 'selftest.html'), page('selftest.html', selftest));
// The service worker (decision 0051) lives at /sw.js, unhashed: its
// scope is its folder, and the browser checks it for updates itself.
write(join(dist, 'sw.js'), Buffer.from(await bundle('sw.js', 'iife')));

for (const f of readdirSync(join(dist, 'assets')).filter((f) => !f.endsWith('.gz') && !f.endsWith('.br')).sort()) {
  const raw = readFileSync(join(dist, 'assets', f)).length;
  const br = readFileSync(join(dist, 'assets', f + '.br')).length;
  console.error(`${f.padEnd(34)} ${(raw / 1024).toFixed(0).padStart(6)} KiB  br ${(br / 1024).toFixed(0).padStart(5)} KiB`);
}
