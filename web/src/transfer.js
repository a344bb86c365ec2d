// Uploads and downloads of documents: the file is read with File.slice one
// segment at a time, encrypted with WebCrypto (seal.js) and sent in the
// server's chunks, so a large file never sits whole in memory; an upload
// survives a dropped connection (it waits and sends the chunk again) and a
// reload (the plan is kept in localStorage with its secrets sealed under
// the user master key; choosing the same file again resumes it).
import { request, post, get, ApiError, NetworkError } from './api.js';
import { Encryptor, Decryptor, DEFAULT_SEGMENT, RANDOM, concat } from './seal.js';
import { call, b64, unb64 } from './core.js';

// expect refuses an answer about another object than the one asked for
// (docs/crypto.md, "Malicious server"): a lying server could answer with
// the user's own other item, which would open as well. The message is the
// Go core's (client.Expect); errorText gives the English by the reason.
export function expect(what, asked, got) {
  if (asked === got) return;
  const e = new Error(`Der Server hat auf eine Frage nach ${asked} mit ${got} geantwortet. Die Antwort wurde verworfen.`);
  Object.assign(e, { code: 'crypto', reason: 'answer_mismatch', params: { what, asked, got } });
  throw e;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// retrying runs f until it succeeds, waiting while the network is down.
// Server errors other than 5xx fail at once.
async function retrying(f, onWait, signal) {
  let wait = 250;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      const transient = e instanceof NetworkError || (e instanceof ApiError && (e.status >= 500 || e.status === 429));
      if (!transient || signal?.aborted) throw e;
      onWait?.(e);
      await Promise.race([sleep(wait), new Promise((r) => addEventListener('online', r, { once: true }))]);
      wait = Math.min(wait * 2, 4000);
    }
  }
}

const planKey = (account, f) => `akte.upload.${account}.${f.name}.${f.size}.${f.lastModified}`;
const resumeAAD = (id) => new TextEncoder().encode('akte v1 web upload ' + id);

// plan returns a stored plan for the same file, or prepares a new item.
async function plan(ctx, file, category, meta, replaces) {
  const k = planKey(ctx.accountId, file);
  const saved = localStorage.getItem(k);
  if (saved) {
    try {
      const p = JSON.parse(saved);
      const secret = unb64(await call('openSmall', { key: ctx.umk, aad: b64(resumeAAD(p.request.id)), data: p.secret }));
      return { key: k, request: p.request, itemKey: secret.slice(0, 32), random: secret.slice(32), resumed: true };
    } catch {
      localStorage.removeItem(k);
    }
  }
  const it = await call('newItem', { umk: ctx.umk, record: ctx.record, category, meta });
  const random = crypto.getRandomValues(new Uint8Array(RANDOM));
  const itemKey = unb64(it.key);
  const request = {
    id: it.id, category: it.category, key_version: it.key_version, size: ciphertextSize(file.size),
    meta_sealed: it.meta_sealed, key_slot: it.key_slot, ...(replaces ? { replaces } : {}),
  };
  const secret = await call('sealSmall', { key: ctx.umk, aad: b64(resumeAAD(it.id)), data: b64(concat(itemKey, random)) });
  localStorage.setItem(k, JSON.stringify({ request, secret }));
  return { key: k, request, itemKey, random, resumed: false };
}

function ciphertextSize(p) {
  return 77 + p + 16 * Math.max(1, Math.ceil(p / DEFAULT_SEGMENT));
}

// upload sends one file as a new document (or a new version of replaces)
// and returns the item. progress(doneBytes, totalBytes, state) reports;
// state is 'sending', 'waiting' (connection lost) or 'done'.
export async function upload(ctx, file, { category, meta, replaces, progress = () => {}, signal, parallel = 2 }) {
  const p = await plan(ctx, file, category, meta, replaces);
  const onWait = () => progress(done, p.request.size, 'waiting');
  let done = 0;
  let st;
  try {
    st = await retrying(() => post('/uploads', p.request, { signal }), onWait, signal);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'conflict' && p.resumed) {
      // Completed before, only the answer was lost.
      try {
        const it = await get('/items/' + p.request.id);
        expect('item', p.request.id, it.id);
        localStorage.removeItem(p.key);
        return it;
      } catch {
        /* fall through */
      }
    }
    if (e instanceof ApiError) localStorage.removeItem(p.key);
    throw e;
  }
  expect('upload', p.request.id, st.id);
  const enc = await Encryptor.create(p.itemKey, p.random, file.size, DEFAULT_SEGMENT);
  const C = st.chunk_size;
  const total = enc.size;
  const chunks = Math.ceil(total / C);
  const have = new Set(st.chunks);
  for (const n of have) done += Math.min(C, total - n * C);
  progress(done, total, 'sending');

  // cut returns the ciphertext bytes [from, to) of the stream, encrypting
  // only the segments that overlap them.
  let cache = { i: -1, ct: null };
  const segmentCT = async (i) => {
    if (cache.i !== i) {
      const pt = new Uint8Array(await file.slice(i * enc.S, Math.min((i + 1) * enc.S, file.size)).arrayBuffer());
      cache = { i, ct: await enc.segment(i, pt) };
    }
    return cache.ct;
  };
  const cut = async (from, to) => {
    const out = new Uint8Array(to - from);
    let o = 0;
    if (from < 77) {
      const h = enc.header.subarray(from, Math.min(77, to));
      out.set(h, 0);
      o = h.length;
    }
    while (o < out.length) {
      const pos = from + o;
      const i = Math.floor((pos - 77) / (enc.S + 16));
      const ct = await segmentCT(i);
      const start = pos - enc.offset(i);
      const part = ct.subarray(start, Math.min(ct.length, start + out.length - o));
      out.set(part, o);
      o += part.length;
    }
    return out;
  };

  const inflight = new Set();
  let failure;
  for (let n = 0; n < chunks && !failure; n++) {
    if (have.has(n)) continue;
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const body = await cut(n * C, Math.min((n + 1) * C, total));
    const task = retrying(() => request('PUT', `/uploads/${p.request.id}/chunks/${n}`, body, { signal }), onWait, signal).then(
      () => {
        done += body.length;
        progress(done, total, 'sending');
      },
      (e) => (failure = e),
    );
    inflight.add(task);
    task.finally(() => inflight.delete(task));
    if (inflight.size >= parallel) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (failure) throw failure;
  const it = await retrying(() => post(`/uploads/${p.request.id}/complete`, undefined, { signal }), onWait, signal);
  expect('item', p.request.id, it.id);
  localStorage.removeItem(p.key);
  progress(total, total, 'done');
  return it;
}

// download fetches and decrypts an item's content segment by segment and
// returns a Blob of the plaintext. Nothing is returned unless the whole
// stream authenticated (docs/crypto.md §5.4).
export async function download(id, key, mediaType, progress = () => {}) {
  const resp = await request('GET', `/items/${id}/content`, undefined, { raw: true, headers: { Accept: 'application/octet-stream' } });
  const total = Number(resp.headers.get('Content-Length')) || 0;
  const dec = new Decryptor(key);
  const parts = [];
  const reader = resp.body.getReader();
  let got = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.length;
    progress(got, total);
    // Blob parts rather than one growing buffer: the browser may keep
    // large blobs on disk.
    for (const pt of await dec.push(value)) parts.push(new Blob([pt]));
  }
  for (const pt of await dec.finish()) parts.push(new Blob([pt]));
  return new Blob(parts, { type: mediaType || 'application/octet-stream' });
}
