// Uploads and downloads of documents. The protocol is the Go core's
// (client/core, through the worker): the chunk layout, the retry rule and
// the check before an interrupted upload goes on. This file moves the
// bytes: it reads the file with File.slice one segment at a time,
// encrypts with WebCrypto (seal.js) and sends the server's chunks, so a
// large file never sits whole in memory. An upload survives a dropped
// connection (it waits and sends the chunk again) and a reload (the plan
// is kept in localStorage with its secrets sealed under the user master
// key; choosing the same file again resumes it, once its content proved
// to be what the plan was made for).
import { request, post, get, del, inRecord, ApiError, NetworkError } from './api.js';
import { Decryptor, RANDOM, RangedReader, concat } from './seal.js';
import { call, b64, unb64, CoreError, assets } from './core.js';
import { Digester } from './digest.js';

// rotateNeeded makes the new category key versions the server asks for
// (web/src/grants.js sets it; the self-test page has none): an upload
// refused with category_key_rotation_needed retries once after it.
let rotateNeeded = null;
export const setRotate = (f) => (rotateNeeded = f);

// expect refuses an answer about another object than the one asked for
// (docs/crypto.md, "Malicious server"): a lying server could answer with
// the user's own other item, which would open as well. The error is the
// Go core's (core.Expect); the page says it by its reason.
export function expect(what, asked, got) {
  if (asked === got) return;
  throw new CoreError('crypto', `answer about ${what} ${got}, asked ${asked}`, 'answer_mismatch', { what, asked, got });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// statusOf is what the retry rule knows of a failure: the answer's status,
// 0 for none, -1 for a request that was never made (or aborted).
const statusOf = (e) => (e instanceof NetworkError ? 0 : e instanceof ApiError ? e.status : -1);

// retrying runs f until it succeeds or the core's retry rule gives up; a
// wait ends early when the browser reports it is online again.
async function retrying(f, onWait, signal) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (signal?.aborted) throw e;
      const ms = await call('retryDelay', { attempt, status: statusOf(e) });
      if (ms < 0) throw e;
      onWait?.(e);
      await Promise.race([sleep(ms), new Promise((r) => addEventListener('online', r, { once: true }))]);
    }
  }
}

// The plan of an upload is kept under the account, the file's path (in a
// chosen folder; the name else), size and modification time: two files
// alike in all of these are told apart by their digest before any byte
// is sent under a plan (core.CheckResume).
const planKey = (account, file, path) => `akte.upload.${account}.${path || file.webkitRelativePath || file.name}.${file.size}.${file.lastModified}`;
const resumeAAD = (id) => new TextEncoder().encode('akte v1 web upload ' + id);

function loadPlan(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

function savePlan(key, p) {
  localStorage.setItem(key, JSON.stringify({ request: p.request, secret: p.secret, digest: p.digest, sent: p.sent }));
}

// openPlan opens the secrets of a stored plan (null if they do not open:
// another account's, or damaged).
async function openPlan(ctx, saved) {
  try {
    const secret = unb64(await call('openSmall', { key: ctx.umk, aad: b64(resumeAAD(saved.request.id)), data: saved.secret }));
    return { ...saved, itemKey: secret.slice(0, 32), random: secret.slice(32), sent: saved.sent || {} };
  } catch {
    return null;
  }
}

// newPlan prepares a new item under a fresh key and stream seed, with the
// file's size and digest sealed in its metadata.
async function newPlan(ctx, file, category, meta, replaces, prevVersion, digest, kind) {
  // A provider with "add" seals the item key to the record's public key
  // (ctx.inbox: {record_id, public_key}, pinned by the page; decision 0035).
  const m = { ...meta, size: file.size, digest };
  const it = ctx.inbox
    ? await call('grants.inboxItem', { ...ctx.inbox, category, meta: m })
    : await call('newItem', { umk: ctx.umk, record: ctx.record, category, meta: m, replaces, prev_version: prevVersion });
  const random = crypto.getRandomValues(new Uint8Array(RANDOM));
  const itemKey = unb64(it.key);
  const { size } = await call('layout', { plain_size: file.size, chunk_size: 1 });
  const request = {
    id: it.id, category: it.category, key_version: it.key_version, size, meta_sealed: it.meta_sealed, key_slot: it.key_slot, ...(replaces ? { replaces } : {}),
    ...(kind ? { kind } : {}),
  };
  const secret = await call('sealSmall', { key: ctx.umk, aad: b64(resumeAAD(it.id)), data: b64(concat(itemKey, random)) });
  return { request, secret, digest, sent: {}, itemKey, random };
}

// The reading, hashing and encryption of a file run in a worker of their
// own (web/src/work.js): Chromium runs WebCrypto on the calling thread, and
// on the page's they froze it for a second per chunk on a slow phone (issue
// 12, item 6). job sends the worker one task; made(bytes) hears of its
// progress.
let worker;
const jobs = new Map();
let jobSeq = 0;
function job(task, made = () => {}) {
  if (!worker) {
    worker = new Worker(assets().work);
    worker.onmessage = ({ data: m }) => {
      const j = jobs.get(m.id);
      if (!j) return;
      if ('made' in m) return j.made(m.made);
      jobs.delete(m.id);
      if (m.error) j.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
      else j.resolve(m.ok);
    };
  }
  const id = ++jobSeq;
  return new Promise((resolve, reject) => {
    jobs.set(id, { resolve, reject, made });
    worker.postMessage({ id, ...task });
  });
}

// fileDigest reads a file once and returns its plaintext digest.
export const fileDigest = (file) => job({ op: 'digest', file });

// chunker returns a function that makes chunk n of the file's stream under
// the plan's key and seed, encrypting only the segments that overlap it
// (the core's layout says which), and returns it with its SHA-256 (hex).
function chunker(file, p, chunkSize) {
  return async (n, made) => {
    const c = await call('chunkPieces', { plain_size: file.size, chunk_size: chunkSize, n });
    return job({ op: 'chunk', file, key: p.itemKey, random: p.random, pieces: c.pieces }, made);
  };
}

// upload sends one file as a new document (or a new version of replaces)
// and returns the item. progress(doneBytes, totalBytes, state) reports;
// state is 'sending', 'waiting' (connection lost), 'restarted' (the file
// is not the one an interrupted upload was sending: it starts over under a
// new key) or 'done'. path is the file's path in a dropped folder;
// prevVersion the version sealed in the replaced item (0 if it has none);
// kind 'entry' makes a structured entry (decision 0037), else a document.
export async function upload(ctx, file, { category, meta, replaces, prevVersion = 0, path, progress = () => {}, signal, parallel = 2, announce, kind }) {
  const key = planKey(ctx.accountId, file, path);
  const pr = { done: 0, total: 0, progress, signal, parallel };
  pr.onWait = () => progress(pr.done, pr.total, 'waiting');
  const onWait = pr.onWait;
  const create = async (p) => {
    const st = await retrying(() => post(inRecord('/uploads'), p.request, { signal }), onWait, signal);
    expect('upload', p.request.id, st.id);
    return st;
  };
  let digest;
  const saved = loadPlan(key);
  let p = saved && (await openPlan(ctx, saved));
  if (p) {
    let st;
    try {
      st = await create(p);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      localStorage.removeItem(key); // this plan can never succeed
      if (e.code !== 'conflict') throw e;
      // Completed before, only the answer was lost: the document is this
      // file if the digests agree.
      digest = await fileDigest(file);
      const it = await get(inRecord('/items/' + p.request.id)).catch(() => null);
      if (it && digest === p.digest) {
        expect('item', p.request.id, it.id);
        return it;
      }
      p = null;
    }
    if (p) {
      // Before a byte goes out under the plan's key and nonces: the file
      // must be the plan's, every chunk sent before must encrypt as then,
      // and every chunk the server holds must be what it encrypts to.
      digest = await fileDigest(file);
      const chunk = chunker(file, p, st.chunk_size);
      const sums = {};
      if (digest === p.digest) {
        for (const n of new Set([...Object.keys(p.sent).map(Number), ...st.chunks])) sums[n] = (await chunk(n)).sum;
      }
      try {
        await call('checkResume', { plan: { request: p.request, digest: p.digest, sent: p.sent }, digest, sums, upload: st });
        return await send(key, file, p, st, chunk, pr);
      } catch (e) {
        if (e.reason !== 'upload_changed') throw e;
        await del(inRecord('/items/' + p.request.id)).catch(() => {}); // frees the reserved space now
        localStorage.removeItem(key);
        progress(0, 0, 'restarted');
      }
    }
  }
  digest ??= await fileDigest(file);
  p = await newPlan(ctx, file, category, meta, replaces, prevVersion, digest, kind);
  savePlan(key, p);
  // The caller learns the new id before the server does (the record
  // manifest lists it as pending first).
  if (announce) await announce(p.request.id);
  let st;
  try {
    st = await create(p);
  } catch (e) {
    if (e instanceof ApiError) localStorage.removeItem(key);
    // A former grantee holds the category's newest key (decision 0035):
    // the next version is made first, as the CLI does, and the file goes
    // under it.
    if (e.reason !== 'category_key_rotation_needed' || ctx.inbox || ctx.rotated || !rotateNeeded) throw e;
    const record = await rotateNeeded();
    return upload({ ...ctx, record, rotated: true }, file, { category, meta, replaces, prevVersion, path, progress, signal, parallel, announce, kind });
  }
  return send(key, file, p, st, chunker(file, p, st.chunk_size), pr);
}

// send sends the chunks the server does not hold, recording each one's
// sum in the plan before it leaves, then completes the item. pr holds the
// progress (done, total) and the options.
async function send(key, file, p, st, chunk, pr) {
  const { progress, signal, parallel, onWait } = pr;
  const { size: total, chunks } = await call('layout', { plain_size: file.size, chunk_size: st.chunk_size });
  const have = new Set(st.chunks);
  pr.total = total;
  for (const n of have) {
    const c = await call('chunkPieces', { plain_size: file.size, chunk_size: st.chunk_size, n });
    pr.done += c.to - c.from;
  }
  // The progress moves as the chunks are made (read and encrypted, piece
  // by piece) and as the server takes them, each half of the work.
  let made = pr.done;
  const report = (state) => progress(Math.floor((made + pr.done) / 2), total, state);
  report('sending');
  const inflight = new Set();
  let failure;
  for (let n = 0; n < chunks && !failure; n++) {
    if (have.has(n)) continue;
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const { body, sum } = await chunk(n, (b) => {
      made += b;
      report('sending');
    });
    if (p.sent[n] && p.sent[n] !== sum) {
      throw new CoreError('conflict', 'file changed during upload', 'file_changed_during_upload');
    }
    p.sent[n] = sum;
    savePlan(key, p);
    const task = retrying(() => request('PUT', inRecord(`/uploads/${p.request.id}/chunks/${n}`), body, { signal }), onWait, signal).then(
      () => {
        pr.done += body.size;
        report('sending');
      },
      (e) => (failure = e),
    );
    inflight.add(task);
    task.finally(() => inflight.delete(task));
    if (inflight.size >= parallel) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (failure) throw failure;
  const it = await retrying(() => post(inRecord(`/uploads/${p.request.id}/complete`), undefined, { signal }), onWait, signal);
  expect('item', p.request.id, it.id);
  localStorage.removeItem(key);
  progress(total, total, 'done');
  return it;
}

// download fetches and decrypts an item's content segment by segment and
// returns a Blob of the plaintext. A connection that breaks is resumed
// with a Range request from where it broke (the core's retry rule).
// Nothing is returned unless the whole stream authenticated (docs/crypto.md
// §5.4) and its size and digest are those of the item's metadata meta.
export async function download(id, key, meta, mediaType, progress = () => {}) {
  const dec = new Decryptor(key);
  const digest = new Digester();
  const parts = [];
  let size = 0;
  const take = async (pts) => {
    for (const pt of pts) {
      // Blob parts rather than one growing buffer: the browser may keep
      // large blobs on disk.
      parts.push(new Blob([pt]));
      size += pt.length;
      await digest.push(pt);
    }
  };
  let got = 0;
  let total = 0;
  for (let attempt = 0; ; ) {
    try {
      const headers = { Accept: 'application/octet-stream', ...(got > 0 ? { Range: `bytes=${got}-` } : {}) };
      const resp = await request('GET', inRecord(`/items/${id}/content`), undefined, { raw: true, headers });
      if (got > 0 && (resp.status !== 206 || !(resp.headers.get('Content-Range') || '').startsWith(`bytes ${got}-`))) {
        throw new ApiError(resp.status, 'unavailable', `HTTP ${resp.status}`, 'server_answer_unexpected');
      }
      if (!total) total = Number(resp.headers.get('Content-Length')) || 0;
      const reader = resp.body.getReader();
      for (;;) {
        let r;
        try {
          r = await reader.read();
        } catch (e) {
          throw new NetworkError(e.message); // the connection broke
        }
        if (r.done) {
          if (total && got < total) throw new NetworkError('cut short');
          break;
        }
        got += r.value.length;
        attempt = 0; // progress: a later break gets every retry again
        progress(got, total);
        await take(await dec.push(r.value));
      }
      break;
    } catch (e) {
      const ms = await call('retryDelay', { attempt: attempt++, status: statusOf(e) });
      if (ms < 0) throw e;
      await sleep(ms);
    }
  }
  await take(await dec.finish());
  if (size !== meta.size || (meta.digest && (await digest.sum()) !== meta.digest)) {
    throw new CoreError('crypto', `content of ${id} does not match its digest`, 'content_digest_mismatch', { item: id });
  }
  return new Blob(parts, { type: mediaType || 'application/octet-stream' });
}

// rangedContent opens an item's content for reading at any offset
// (docs/crypto.md §5.5): each range of ciphertext is one Range request,
// retried by the core's rule; the answer must be exactly the range asked.
// cipherSize is the item's size as listed, plainSize the sealed metadata's.
export function rangedContent(id, key, plainSize, cipherSize) {
  const fetchRange = (from, to) =>
    retrying(async () => {
      const resp = await request('GET', inRecord(`/items/${id}/content`), undefined, { raw: true, headers: { Accept: 'application/octet-stream', Range: `bytes=${from}-${to - 1}` } });
      const cr = resp.headers.get('Content-Range') || '';
      const whole = resp.status === 200 && from === 0 && to === cipherSize;
      if (!whole && (resp.status !== 206 || !cr.startsWith(`bytes ${from}-${to - 1}/`))) {
        throw new ApiError(resp.status, 'unavailable', `HTTP ${resp.status}`, 'server_answer_unexpected');
      }
      let body;
      try {
        body = new Uint8Array(await resp.arrayBuffer());
      } catch (e) {
        throw new NetworkError(e.message);
      }
      if (body.length !== to - from) throw new NetworkError('cut short');
      return body;
    });
  return RangedReader.open(key, fetchRange, plainSize, cipherSize);
}
