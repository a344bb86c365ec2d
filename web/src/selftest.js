// The seal test vectors in the browser (docs/crypto.md §10): every vector
// is checked by the Go core compiled to WebAssembly (all kinds), and the
// stream, small-object and key-slot vectors again by the WebCrypto code
// the app encrypts files with, including the sealing side. The browser
// test (web/test) passes the files of seal/testdata to runVectors.
import * as core from './core.js';
import { Decryptor, Encryptor, RangedReader, openStreamAt, sealSmall, openSmall, wrapSlot, slotAAD, concat } from './seal.js';
import { unhex, hex, unb64 } from './bytes.js';
import { get, post, setRecord, inRecord } from './api.js';
import { upload, download } from './transfer.js';
import { Digester } from './digest.js';
import { totpCode } from './totp.js';

function parse(text) {
  const f = {};
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    f[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return f;
}

function plaintextOf(f) {
  if ('plaintext_pattern' in f) {
    const b = new Uint8Array(Number(f.plaintext_pattern));
    for (let i = 0; i < b.length; i++) b[i] = i % 251;
    return b;
  }
  return 'plaintext' in f ? unhex(f.plaintext) : null;
}

const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function sha256hex(b) {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', b)));
}

// outcome runs f and describes its result as the vector's expect line does.
async function outcome(f) {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    if (e.kind) return { ok: false, expect: 'error ' + e.kind };
    throw e;
  }
}

function judge(f, r, pt) {
  if (f.expect === 'ok') {
    if (!r.ok) return 'unexpected ' + r.expect;
    if (pt && !eq(r.value, pt)) return 'wrong plaintext';
    return '';
  }
  if (r.ok) return 'opened, want ' + f.expect;
  return r.expect === f.expect ? '' : `got ${r.expect}, want ${f.expect}`;
}

async function webcrypto(f) {
  if (!['stream', 'small', 'slot'].includes(f.kind)) return null;
  const key = unhex(f.key);
  const pt = plaintextOf(f);
  if (f.kind === 'stream') {
    let ct = 'ciphertext' in f ? unhex(f.ciphertext) : null;
    if (f.expect === 'ok') {
      const enc = await Encryptor.create(key, concat(unhex(f.salt), unhex(f.nonce_prefix)), pt.length, Number(f.segment_size));
      const parts = [enc.header];
      for (let i = 0; i < enc.n; i++) parts.push(await enc.segment(i, pt.subarray(i * enc.S, Math.min((i + 1) * enc.S, pt.length))));
      const sealed = concat(...parts);
      if (ct ? !eq(sealed, ct) : (await sha256hex(sealed)) !== f.ciphertext_sha256) return 'sealing gives another stream';
      ct = sealed;
    }
    // Sequentially, fed in uneven pieces as a network would.
    const seq = await outcome(async () => {
      const d = new Decryptor(key);
      const out = [];
      for (let o = 0; o < ct.length; o += 37) out.push(...(await d.push(ct.slice(o, o + 37))));
      out.push(...(await d.finish()));
      return concat(...out);
    });
    const m1 = judge(f, seq, pt);
    if (m1) return 'sequential: ' + m1;
    const m2 = judge(f, await outcome(() => openStreamAt(key, ct)), pt);
    if (m2) return 'random access: ' + m2;
    if (f.expect !== 'ok') return '';
    return rangedCheck(key, ct, pt);
  }
  if (f.kind === 'small') {
    const aad = unhex(f.aad);
    const ct = unhex(f.ciphertext);
    if (f.expect === 'ok' && !eq(await sealSmall(key, aad, pt, unhex(f.nonce)), ct)) return 'sealing gives another object';
    return judge(f, await outcome(() => openSmall(key, aad, ct)), pt);
  }
  if (f.kind === 'slot' && f.expect === 'ok' && (f.via === '1' || f.via === '3')) {
    const slot = unhex(f.slot);
    if (!eq(await wrapSlot(Number(f.via), key, Number(f.key_type), f.id, pt, unhex(f.nonce)), slot)) return 'wrapping gives another slot';
    const got = await openSmall(key, slotAAD(Number(f.via), Number(f.key_type), f.id), slot.subarray(4));
    return eq(got, pt) ? '' : 'wrong key from slot';
  }
  return null; // not a WebCrypto kind
}

// rangedCheck reads a good stream by ranges as the DICOM viewer does
// (RangedReader, segments fetched on demand): every range it reads is the
// plaintext's, and the same stream cut short or lengthened by a segment is
// refused although the reader is told the true plaintext size.
async function rangedCheck(key, ct, pt) {
  const fetch = (from, to) => Promise.resolve(ct.slice(from, to));
  const r = await RangedReader.open(key, fetch, pt.length, ct.length, 2);
  if (!eq(await r.read(0, pt.length), pt)) return 'ranged: the whole differs';
  const S = r.S;
  for (const [o, n] of [[0, 1], [S - 1, 2], [S, S], [Math.floor(pt.length / 2), Math.ceil(pt.length / 3)], [pt.length - 1, 1]]) {
    if (o < 0 || n < 0 || o + n > pt.length) continue;
    if (!eq(await r.read(o, n), pt.subarray(o, o + n))) return `ranged: bytes ${o}+${n} differ`;
  }
  if (r.n >= 2) {
    const cut = ct.slice(0, 77 + (r.n - 1) * (S + 16));
    const bad = await outcome(async () => (await RangedReader.open(key, (a, b) => Promise.resolve(cut.slice(a, b)), pt.length, cut.length)).read(0, pt.length));
    if (bad.ok) return 'ranged: a stream cut by a segment was read';
    const bad2 = await outcome(async () => (await RangedReader.open(key, (a, b) => Promise.resolve(cut.slice(a, b)), (r.n - 1) * S, cut.length)).read(0, (r.n - 1) * S));
    if (bad2.ok) return 'ranged: a stream cut by a segment, told the shorter size, was read';
  }
  return '';
}

// runVectors checks {name: text} and returns {passed, failed: [..], webcrypto: n}.
export async function runVectors(files) {
  const failed = [];
  let passed = 0;
  let wc = 0;
  for (const [name, text] of Object.entries(files)) {
    const f = parse(text);
    try {
      const goMsg = await core.call('vector', f);
      if (goMsg) failed.push(`${name} (Go/wasm): ${goMsg}`);
      const wcMsg = await webcrypto(f);
      if (wcMsg !== null) wc++;
      if (wcMsg) failed.push(`${name} (WebCrypto): ${wcMsg}`);
      if (!goMsg && !wcMsg) passed++;
    } catch (e) {
      failed.push(`${name}: ${e.message}`);
    }
  }
  return { passed, failed, webcrypto: wc };
}

// bench measures the app's upload and download of mib MiB in this browser
// against this (development) server, for `make bench-web`: it registers a
// throw-away account (code from the dev mailbox), logs in, uploads an
// in-memory file with the same code as the app, downloads it, and returns
// the timings. It runs in a browser started without DevTools, since
// DevTools' network capture slows down request bodies by an order of
// magnitude.
export async function bench(mib) {
  const email = `bench-${Date.now()}@example.org`;
  const password = 'Bench-Kastanie-Morgentau-42';
  const m = await core.call('newAccount', { password });
  const device = 'bench-' + Date.now();
  const reg = await post('/accounts', {
    email, kvnr: 'X110411675', birth_date: '1980-04-01', kdf: m.kdf, login_secret: m.login_secret, recovery_verifier: m.recovery_verifier,
    keys: m.keys, device_id: device, device_name: 'bench', record: m.record,
  });
  let code;
  for (let i = 0; i < 50 && !code; i++) {
    const mail = (await get('/dev/mailbox')).find((x) => x.to === email);
    if (mail) code = (await get('/dev/mailbox/' + mail.name)).text.match(/Code: (\d{8})/)[1];
    else await new Promise((r) => setTimeout(r, 100));
  }
  await post('/accounts/confirm', { email, code });
  const totp = await totpCode(reg.totp_secret, Math.floor(Date.now() / 30000));
  const res = await post('/sessions', { email, login_secret: m.login_secret, totp, device_id: device, device_name: 'bench' });
  setRecord(res.account.record_id);
  const record = await get(inRecord());
  const parts = [];
  for (let i = 0; i < mib * 16; i++) parts.push(crypto.getRandomValues(new Uint8Array(65536)));
  const file = new File(parts, 'bench.bin', { type: 'application/octet-stream', lastModified: Date.now() });
  const ctx = { umk: m.umk, record, accountId: reg.account_id };
  // The main thread's long tasks (over 50 ms) during the upload, and how
  // often its progress moved: the page must stay responsive and say how
  // far it is (issue 12, item 6).
  const long = [];
  let t0 = Infinity;
  // Tasks that began before the upload (making the test file) do not count.
  const obs = new PerformanceObserver((l) => long.push(...l.getEntries().filter((e) => e.startTime >= t0).map((e) => e.duration)));
  obs.observe({ type: 'longtask' });
  const steps = new Set();
  await new Promise((r) => setTimeout(r, 300)); // the page settles after making the file
  t0 = performance.now();
  const it = await upload(ctx, file, {
    category: 'findings', meta: { title: 'bench', file_name: 'bench.bin', size: file.size },
    progress: (done, total) => total && steps.add(Math.floor((100 * done) / total)),
  });
  const up = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 100)); // the last entries
  obs.disconnect();
  const [opened] = await core.call('openItems', { umk: m.umk, record, items: [it] });
  t0 = performance.now();
  const blob = await download(it.id, unb64(opened.key), opened.meta, 'application/octet-stream');
  const down = performance.now() - t0;
  const got = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())));
  const want = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer())));
  const key = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt']);
  const seg = new Uint8Array(1 << 20);
  t0 = performance.now();
  for (let i = 0; i < mib; i++) await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12).fill(i & 255) }, key, seg);
  const gcm = performance.now() - t0;
  return {
    mib, up: Math.round(up), down: Math.round(down), gcm: Math.round(gcm), identical: want === got, ua: navigator.userAgent,
    long_tasks: long.length, long_max: Math.round(Math.max(0, ...long)), long_over_200: long.filter((d) => d > 200).length, progress_steps: steps.size,
  };
}

// runDigests checks the plaintext digest of transfer.js against the Go
// core's vectors (client/core/testdata/digest.json: byte i = i mod 251),
// fed in odd pieces; it returns the sizes that differ.
async function runDigests(vectors) {
  const failed = [];
  for (const v of vectors) {
    const d = new Digester();
    const b = new Uint8Array(v.size);
    for (let i = 0; i < b.length; i++) b[i] = i % 251;
    for (let at = 0; at < b.length; at += 333331) await d.push(b.subarray(at, at + 333331));
    if ((await d.sum()) !== v.digest) failed.push(v.size);
  }
  return failed;
}

globalThis.akteSelfTest = { runVectors, runDigests, bench };
core.start().then(
  async () => {
    document.getElementById('status').textContent = 'Ready: call akteSelfTest.runVectors({name: text, ...}).';
    // #bench=MIB,REPORT_URL runs the benchmark and navigates to the
    // report URL with the result (navigation is the one way out that the
    // page's CSP leaves to a browser run without DevTools).
    const m = location.hash.match(/^#bench=(\d+),(.+)$/);
    if (m) {
      let q;
      try {
        q = new URLSearchParams(Object.entries(await bench(Number(m[1])))).toString();
      } catch (e) {
        q = 'error=' + encodeURIComponent(e.message);
      }
      location.href = decodeURIComponent(m[2]) + '?' + q;
    }
  },
  (e) => (document.getElementById('status').textContent = 'Core failed to load: ' + e.message),
);
