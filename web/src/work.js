// The upload's heavy work, off the page's main thread (issue 12, item 6):
// reading a file, its plaintext digest, and the encryption of its chunks.
// Chromium runs WebCrypto on the thread that calls it; on the page's it
// froze a slow phone for a second per chunk. web/src/transfer.js sends the
// tasks ({id, op, ...}); the answer is {id, ok} or {id, error}, and {id,
// made} reports progress on the way. Nothing is kept between tasks but the
// stream header of the last key (a plan's chunks come one after another).
import { Encryptor, concat } from './seal.js';
import { Digester, PIECE, sha256 } from './digest.js';
import { hex } from './bytes.js';

const slice = async (file, from, to) => new Uint8Array(await file.slice(from, to).arrayBuffer());

let last = { key: null, random: null, size: -1, enc: null };
async function encryptor(key, random, size) {
  const same = (a, b) => a && a.length === b.length && a.every((x, i) => x === b[i]);
  if (!(same(last.key, key) && same(last.random, random) && last.size === size)) {
    last = { key, random, size, enc: await Encryptor.create(key, random, size) };
  }
  return last.enc;
}

const ops = {
  // digest: {file} -> the file's plaintext digest (hex).
  async digest({ file }) {
    const d = new Digester();
    for (let at = 0; at < file.size; at += PIECE) await d.push(await slice(file, at, at + PIECE));
    return d.sum();
  },
  // chunk: {file, key, random, pieces} -> {body, sum}: the chunk of the
  // file's stream the core's pieces describe (client/core ChunkPieces), as
  // a Blob (the page hands it to fetch without copying its bytes on its
  // own thread, which an 8 MiB array costs), and its SHA-256 (hex).
  async chunk({ id, file, key, random, pieces }) {
    const enc = await encryptor(key, random, file.size);
    const parts = [];
    let seg = { i: -1, ct: null };
    for (const p of pieces) {
      if (p.segment < 0) parts.push(enc.header.subarray(p.from, p.to));
      else {
        if (seg.i !== p.segment) seg = { i: p.segment, ct: await enc.segment(p.segment, await slice(file, p.plain_from, p.plain_to)) };
        parts.push(seg.ct.subarray(p.from, p.to));
      }
      postMessage({ id, made: p.to - p.from });
    }
    const body = concat(...parts);
    return { body: new Blob([body]), sum: hex(await sha256(body)) };
  },
};

onmessage = async ({ data: m }) => {
  try {
    const ok = await ops[m.op](m);
    postMessage({ id: m.id, ok });
  } catch (e) {
    postMessage({ id: m.id, error: { name: e.name, message: e.message } });
  }
};
