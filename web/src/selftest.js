// The seal test vectors in the browser (docs/crypto.md §10): every vector
// is checked by the Go core compiled to WebAssembly (all kinds), and the
// stream, small-object and key-slot vectors again by the WebCrypto code
// the app encrypts files with, including the sealing side. The browser
// test (web/test) passes the files of seal/testdata to runVectors.
import * as core from './core.js';
import { Decryptor, Encryptor, openStreamAt, sealSmall, openSmall, wrapSlot, slotAAD, concat } from './seal.js';
import { unhex, hex } from './bytes.js';

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
    return m2 && 'random access: ' + m2;
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

globalThis.akteSelfTest = { runVectors };
core.start().then(
  () => (document.getElementById('status').textContent = 'Ready: call akteSelfTest.runVectors({name: text, ...}).'),
  (e) => (document.getElementById('status').textContent = 'Core failed to load: ' + e.message),
);
