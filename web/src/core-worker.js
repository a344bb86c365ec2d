// The worker that runs the Go client core (cmd/akte-wasm). Argon2id takes
// about a second in WebAssembly: off the main thread the page stays
// responsive. It tells the page when the core is ready (id 0).
//
// Calls named "grants.*" go to the grants module (cmd/akte-grants-wasm,
// decision 0046), a second Go module started in this worker on the first
// such call: the core has no room for it. The key a grant needs (the
// record master key, or the account's private key) is opened here by the
// core with the user master key it holds (openSmall of the slot the grants
// module names) and handed to the grants module within this worker, so
// the page never holds it.
//
// Calls named "export.*" go to the export module (cmd/akte-export-wasm,
// decision 0049) the same way: the record master key is opened here and
// handed to it; it talks to the server from this worker and streams the
// archive to the file the page chose (a FileSystemFileHandle, written
// here) or into a Blob it returns. Progress goes to the page as {id,
// progress} messages before the answer.
/* global Go */
import { serveGo } from './goworker.js';

serveGo('akteCoreReady', 'akteCore', { announce: true });

const core = self.onmessage;
let grantsURL;
let grantsReady;
let exportURL;
let exportReady;

// startModule runs a second Go module in this worker, which calls
// self[readyName]() once its functions are there.
async function startModule(url, readyName) {
  const go = new Go();
  const loaded = new Promise((resolve) => (self[readyName] = resolve));
  const resp = await fetch(url);
  const result =
    WebAssembly.instantiateStreaming && resp.headers.get('Content-Type') === 'application/wasm'
      ? await WebAssembly.instantiateStreaming(resp, go.importObject)
      : await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
  go.run(result.instance);
  await loaded;
}

function startGrants() {
  grantsReady ??= startModule(grantsURL, 'akteGrantsReady');
  return grantsReady;
}

function startExport() {
  exportReady ??= startModule(exportURL, 'akteExportReady').catch((e) => {
    exportReady = null; // a failed load (offline) is tried again next time
    throw e;
  });
  return exportReady;
}

class Fail extends Error {
  constructor(out) {
    super('');
    this.out = out;
  }
}

const grants = (fn, a) => {
  const out = self.akteGrants[fn]({ json: JSON.stringify(a) });
  if (out.error) throw new Fail(out);
  return JSON.parse(out.ok);
};

// opened asks the core to open a slot with the held user master key.
const opened = (umk, s) => {
  const out = self.akteCore.openSmall({ key: umk, aad: s.aad, data: s.data });
  if (out.error) throw new Fail(out);
  return out.ok;
};

async function callGrants(fn, arg) {
  await startGrants();
  const a = { ...arg };
  const umk = a.umk;
  delete a.umk;
  if (fn === 'grantKeys' || fn === 'rotateCategory') {
    if (a.record?.rmk_slot) a.priv = opened(umk, grants('slot', { kind: 'account', keys: { private_key_by_umk: a.record.private_key_by_umk } }));
    else a.rmk = opened(umk, grants('slot', { kind: 'record', record: a.record }));
  } else if (fn === 'openGranted') {
    a.priv = opened(umk, grants('slot', { kind: 'account', keys: a.keys }));
  }
  return grants(fn, a);
}

// keyArgs opens the key the export module needs to open the record: the
// record master key, or for a represented record the account's private
// key, with the held user master key (as for grants).
function keyArgs(arg) {
  const a = { ...arg };
  const umk = a.umk;
  delete a.umk;
  const slot = (s) => {
    const out = self.akteExport.slot({ json: JSON.stringify(s) });
    if (out.error) throw new Fail(out);
    return JSON.parse(out.ok);
  };
  if (a.record?.rmk_slot) a.priv = opened(umk, slot({ kind: 'account', keys: { private_key_by_umk: a.record.private_key_by_umk } }));
  else a.rmk = opened(umk, slot({ kind: 'record', record: a.record }));
  return a;
}

// callExport runs export.run (to arg.handle, a file the person chose, or
// into a Blob) or export.import (arg.file).
async function callExport(id, fn, arg) {
  await startExport();
  const { handle, file, ...rest } = arg;
  const a = keyArgs(rest);
  const progress = (...p) => self.postMessage({ id, progress: p });
  let out;
  if (fn === 'import') {
    out = await self.akteExport.import({ json: JSON.stringify(a), file, progress });
    if (out.error) throw new Fail(out);
    return JSON.parse(out.ok);
  }
  if (fn !== 'run') throw new Error('unknown export call');
  // To the chosen file: each piece is written as it comes (memory stays
  // flat); the file is complete only when closed, and an export that
  // fails aborts it (Chromium then leaves the file as it was).
  const writable = handle ? await handle.createWritable() : null;
  const parts = [];
  const sink = writable ? { write: (u) => writable.write(u) } : { write: async (u) => void parts.push(new Blob([u])) };
  try {
    out = await self.akteExport.export({ json: JSON.stringify(a), sink, progress });
  } catch (e) {
    out = { error: { code: 'internal', message: String(e) } };
  }
  if (out.error) {
    if (writable) await writable.abort().catch(() => {});
    throw new Fail(out);
  }
  if (writable) await writable.close();
  const r = JSON.parse(out.ok);
  if (!writable) r.blob = new Blob(parts, { type: a.unencrypted ? 'application/zip' : 'application/octet-stream' });
  return r;
}

self.onmessage = async (ev) => {
  const { id, fn, arg, grantsWasm, exportWasm } = ev.data;
  if (grantsWasm) grantsURL = grantsWasm;
  if (exportWasm) exportURL = exportWasm;
  if (typeof fn === 'string' && fn.startsWith('export.')) {
    const t = performance.now();
    try {
      const ok = await callExport(id, fn.slice(7), arg);
      self.postMessage({ id, out: { ok }, ms: performance.now() - t });
    } catch (e) {
      self.postMessage({ id, out: e instanceof Fail ? e.out : { error: { code: 'internal', message: String(e) } } });
    }
    return;
  }
  if (typeof fn === 'string' && fn.startsWith('grants.')) {
    const t = performance.now();
    try {
      const ok = await callGrants(fn.slice(7), arg);
      self.postMessage({ id, out: { ok }, ms: performance.now() - t });
    } catch (e) {
      self.postMessage({ id, out: e instanceof Fail ? e.out : { error: { code: 'internal', message: String(e) } } });
    }
    return;
  }
  return core(ev);
};
