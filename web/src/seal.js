// The seal format's symmetric parts (docs/crypto.md §4 small objects and
// §5 streams) on WebCrypto, byte for byte what package seal writes: bulk
// AES-GCM in WebAssembly runs at about 1/20 of WebCrypto's speed (design
// §3). Key slots via public key, HPKE and Argon2id stay in the Go core.
// Both are checked against seal/testdata in the browser (web/test).

const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();

export const HEADER = 77; // stream header
export const TAG = 16;
export const DEFAULT_SEGMENT = 1 << 20;
export const RANDOM = 39; // salt (32) + nonce prefix (7)
const SMALL_HEADER = 46;

// SealError carries the two failure kinds of docs/crypto.md §11.
export class SealError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // 'invalid' | 'crypto'
  }
}
const invalid = (m) => new SealError('invalid', m);
const cryptoErr = (m) => new SealError('crypto', m);

async function hkdf(ikm, salt, info) {
  const k = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: enc.encode(info) }, k, 256));
}

async function hmac(key, data) {
  const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, data));
}

const gcmKey = (raw) => subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);

function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function checkKey(key) {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw invalid('key must be 32 bytes');
}

// ---- small objects (§4) ----

export async function sealSmall(key, aad, plaintext, nonce = crypto.getRandomValues(new Uint8Array(12))) {
  checkKey(key);
  const none = new Uint8Array(0);
  const header = concat(new Uint8Array([1, 1]), nonce);
  const c = await hmac(await hkdf(key, none, 'akte seal v1 small commit'), concat(header, aad));
  const k = await gcmKey(await hkdf(key, none, 'akte seal v1 small key'));
  const body = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: concat(header, c, aad) }, k, plaintext));
  return concat(header, c, body);
}

export async function openSmall(key, aad, obj) {
  checkKey(key);
  if (obj.length < 2 || obj[0] !== 1 || obj[1] !== 1) throw invalid('not a small object of version 1');
  if (obj.length < SMALL_HEADER + TAG) throw invalid('object too short');
  const none = new Uint8Array(0);
  const header = obj.subarray(0, 14);
  const want = await hmac(await hkdf(key, none, 'akte seal v1 small commit'), concat(header, aad));
  if (!equal(want, obj.subarray(14, SMALL_HEADER))) throw cryptoErr('wrong key or damaged object');
  const k = await gcmKey(await hkdf(key, none, 'akte seal v1 small key'));
  try {
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: header.subarray(2), additionalData: concat(obj.subarray(0, SMALL_HEADER), aad) }, k, obj.subarray(SMALL_HEADER)));
  } catch {
    throw cryptoErr('damaged object');
  }
}

// slotAAD and wrapSlot are the key slot of §7 for via 1 (key) and 3 (share).
export function slotAAD(via, keyType, id) {
  return concat(enc.encode('akte seal v1 slot'), new Uint8Array([0, via, keyType]), enc.encode(id));
}

export async function wrapSlot(via, wrappingKey, keyType, id, key, nonce) {
  return concat(new Uint8Array([1, 4, via, keyType]), await sealSmall(wrappingKey, slotAAD(via, keyType, id), key, nonce));
}

// ---- streams (§5) ----

// ciphertextSize is §5.3: the stream size for p plaintext bytes.
export function ciphertextSize(p, S = DEFAULT_SEGMENT) {
  const n = Math.max(1, Math.ceil(p / S));
  return HEADER + p + TAG * n;
}

function segmentCount(p, S) {
  return Math.max(1, Math.ceil(p / S));
}

function nonce(prefix, i, last) {
  const n = new Uint8Array(12);
  n.set(prefix);
  new DataView(n.buffer).setUint32(7, i);
  n[11] = last ? 1 : 0;
  return n;
}

async function streamKeys(key, salt) {
  const seg = await gcmKey(await hkdf(key, salt, 'akte seal v1 stream key'));
  const commit = await hkdf(key, salt, 'akte seal v1 stream commit');
  return { seg, commit };
}

// Encryptor makes the stream of a plaintext of known size segment by
// segment, in any order: segment i depends only on the key, the random
// bytes and P_i. That is what lets an upload resume at any chunk without
// encrypting what the server already holds. random (39 bytes: salt and
// nonce prefix) must be fresh per stream; reusing it for another plaintext
// under the same key reuses GCM nonces.
export class Encryptor {
  static async create(key, random, plainSize, S = DEFAULT_SEGMENT) {
    checkKey(key);
    if (S < 16 || S > 16 << 20) throw invalid('segment size out of range');
    const e = new Encryptor();
    const h = new Uint8Array(HEADER);
    h.set([1, 2]);
    new DataView(h.buffer).setUint32(2, S);
    h.set(random.subarray(0, 39), 6);
    const { seg, commit } = await streamKeys(key, h.subarray(6, 38));
    h.set(await hmac(commit, h.subarray(0, 45)), 45);
    Object.assign(e, { header: h, key: seg, prefix: h.slice(38, 45), S, plainSize, n: segmentCount(plainSize, S), size: ciphertextSize(plainSize, S) });
    return e;
  }

  // segment encrypts P_i.
  async segment(i, plaintext) {
    const ct = await subtle.encrypt({ name: 'AES-GCM', iv: nonce(this.prefix, i, i === this.n - 1) }, this.key, plaintext);
    return new Uint8Array(ct);
  }

  // offset of segment i's ciphertext in the stream.
  offset(i) {
    return HEADER + i * (this.S + TAG);
  }
}

// Decryptor consumes a stream in pieces of any size and returns plaintext
// one authenticated segment at a time (§5.4). finish() must be called at
// the end of input; only then is the plaintext complete.
export class Decryptor {
  constructor(key) {
    checkKey(key);
    this.rawKey = key;
    this.buf = new Uint8Array(0);
    this.i = 0;
    this.ready = false;
  }

  async #header(final) {
    const b = this.buf;
    if (b.length >= 2 && (b[0] !== 1 || b[1] !== 2)) throw invalid('not a stream of version 1');
    if (b.length < 6) {
      if (final) throw invalid('truncated header');
      return false;
    }
    const S = new DataView(b.buffer, b.byteOffset).getUint32(2);
    if (S < 16 || S > 16 << 20) throw invalid('segment size out of range');
    if (b.length < HEADER) {
      if (final) throw invalid('truncated header');
      return false;
    }
    const { seg, commit } = await streamKeys(this.rawKey, b.slice(6, 38));
    if (!equal(await hmac(commit, b.subarray(0, 45)), b.subarray(45, HEADER))) throw cryptoErr('wrong key or damaged header');
    Object.assign(this, { S, key: seg, prefix: b.slice(38, 45), ready: true });
    this.buf = b.slice(HEADER);
    return true;
  }

  async #open(seg, last) {
    if (seg.length < TAG) throw cryptoErr('stream truncated');
    if (last && seg.length === TAG && this.i > 0) throw cryptoErr('stream truncated or extended');
    try {
      const pt = await subtle.decrypt({ name: 'AES-GCM', iv: nonce(this.prefix, this.i, last) }, this.key, seg);
      this.i++;
      return new Uint8Array(pt);
    } catch {
      throw cryptoErr('stream damaged, truncated or reordered');
    }
  }

  // push adds input and returns the plaintext segments it completed.
  async push(data) {
    this.buf = this.buf.length ? concat(this.buf, data) : data;
    if (!this.ready && !(await this.#header(false))) return [];
    const out = [];
    const full = this.S + TAG;
    let off = 0;
    // A full segment is known not to be the last only once a byte more exists.
    while (this.buf.length - off > full) {
      out.push(await this.#open(this.buf.subarray(off, off + full), false));
      off += full;
    }
    this.buf = this.buf.slice(off);
    return out;
  }

  async finish() {
    if (!this.ready) await this.#header(true);
    if (this.done) return [];
    this.done = true;
    return [await this.#open(this.buf, true)];
  }
}

// openStreamAt decrypts a whole stream held in memory by random access
// (§5.5): it derives the segment count from the length, authenticates the
// last segment first, then the others in reverse. Used to check the
// vectors the way a ranged reader would.
export async function openStreamAt(key, ct) {
  checkKey(key);
  if (ct.length < 2 || ct[0] !== 1 || ct[1] !== 2) throw invalid('not a stream of version 1');
  if (ct.length < 6) throw invalid('truncated header');
  const S = new DataView(ct.buffer, ct.byteOffset).getUint32(2);
  if (S < 16 || S > 16 << 20) throw invalid('segment size out of range');
  if (ct.length < HEADER) throw invalid('truncated header');
  const { seg, commit } = await streamKeys(key, ct.slice(6, 38));
  if (!equal(await hmac(commit, ct.subarray(0, 45)), ct.subarray(45, HEADER))) throw cryptoErr('wrong key or damaged header');
  const prefix = ct.slice(38, 45);
  const body = ct.length - HEADER;
  if (body < TAG) throw cryptoErr('impossible stream length');
  const q = Math.floor(body / (S + TAG));
  const r = body % (S + TAG);
  let n;
  if (r === 0) n = q;
  else if (r === TAG && q === 0) n = 1;
  else if (r <= TAG) throw cryptoErr('impossible stream length');
  else n = q + 1;
  const parts = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const from = HEADER + i * (S + TAG);
    const to = Math.min(from + S + TAG, ct.length);
    try {
      parts[i] = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce(prefix, i, i === n - 1) }, seg, ct.subarray(from, to)));
    } catch {
      throw cryptoErr('stream damaged');
    }
  }
  return concat(...parts);
}

// RangedReader reads a stream's plaintext at any offset (§5.5) without the
// rest: fetch(from, to) answers the ciphertext bytes [from, to). The header
// is read and checked first; the segment count follows from the plaintext
// size (sealed in the item's metadata) and is checked against the stream's
// size, so a server that cuts or extends the stream is caught by the last
// segment's flag or by the sizes. Only the segments that cover a range are
// fetched and decrypted; the last few are kept.
export class RangedReader {
  static async open(key, fetch, plainSize, cipherSize, keep = 6) {
    checkKey(key);
    // The header and, for the usual segment size, segment 0 in one request.
    const first = await fetch(0, Math.min(cipherSize, HEADER + DEFAULT_SEGMENT + TAG));
    const h = first.subarray(0, HEADER);
    if (h.length < 2 || h[0] !== 1 || h[1] !== 2) throw invalid('not a stream of version 1');
    if (h.length < HEADER) throw invalid('truncated header');
    const S = new DataView(h.buffer, h.byteOffset).getUint32(2);
    if (S < 16 || S > 16 << 20) throw invalid('segment size out of range');
    const { seg, commit } = await streamKeys(key, h.slice(6, 38));
    if (!equal(await hmac(commit, h.subarray(0, 45)), h.subarray(45, HEADER))) throw cryptoErr('wrong key or damaged header');
    if (!Number.isSafeInteger(plainSize) || plainSize < 0 || ciphertextSize(plainSize, S) !== cipherSize) throw cryptoErr('stream size does not match its plaintext size');
    const r = new RangedReader();
    Object.assign(r, { fetch, S, key: seg, prefix: h.slice(38, 45), size: plainSize, n: segmentCount(plainSize, S), keep, cache: new Map() });
    const seg0 = first.subarray(HEADER, HEADER + Math.min(S, plainSize) + TAG);
    if (seg0.length === Math.min(S, plainSize) + TAG) r.cache.set(0, r.#decrypt(0, seg0.slice()));
    return r;
  }

  async #decrypt(i, ct) {
    const want = Math.min(this.S, this.size - i * this.S) + TAG;
    if (ct.length !== want) throw cryptoErr('stream truncated');
    try {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce(this.prefix, i, i === this.n - 1) }, this.key, ct));
    } catch {
      throw cryptoErr('stream damaged, truncated or reordered');
    }
  }

  // segments returns the plaintext of segments a..b (inclusive), fetching
  // the missing ones in one request.
  async #segments(a, b) {
    const missing = [];
    for (let i = a; i <= b; i++) if (!this.cache.has(i)) missing.push(i);
    if (missing.length) {
      const lo = missing[0];
      const hi = missing.at(-1);
      const from = HEADER + lo * (this.S + TAG);
      const to = Math.min(HEADER + (hi + 1) * (this.S + TAG), ciphertextSize(this.size, this.S));
      const got = this.fetch(from, to);
      for (let i = lo; i <= hi; i++) {
        if (this.cache.has(i)) continue;
        const off = (i - lo) * (this.S + TAG);
        const p = got.then((ct) => this.#decrypt(i, ct.slice(off, Math.min(off + this.S + TAG, ct.length))));
        p.catch(() => this.cache.get(i) === p && this.cache.delete(i));
        this.cache.set(i, p);
      }
    }
    const out = [];
    for (let i = a; i <= b; i++) {
      const p = this.cache.get(i);
      this.cache.delete(i); // most recently used last
      this.cache.set(i, p);
      out.push(p);
    }
    while (this.cache.size > Math.max(this.keep, b - a + 1)) this.cache.delete(this.cache.keys().next().value);
    return Promise.all(out);
  }

  // read returns the plaintext bytes [off, off+len).
  async read(off, len) {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0 || off + len > this.size) throw invalid('range beyond the stream');
    if (len === 0) return new Uint8Array(0);
    const a = Math.floor(off / this.S);
    const b = Math.floor((off + len - 1) / this.S);
    const segs = await this.#segments(a, b);
    if (a === b) return segs[0].slice(off - a * this.S, off - a * this.S + len);
    const out = new Uint8Array(len);
    let o = 0;
    for (let i = a; i <= b; i++) {
      const s = segs[i - a];
      const from = i === a ? off - a * this.S : 0;
      const to = i === b ? off + len - b * this.S : s.length;
      out.set(s.subarray(from, to), o);
      o += to - from;
    }
    return out;
  }
}
