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
