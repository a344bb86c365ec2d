// core calls the Go client core in its worker. Every call returns a
// promise of the Go function's result or rejects with a CoreError.
import { b64, unb64 } from './bytes.js';

export class CoreError extends Error {
  constructor(code, message, reason = '', params = null) {
    super(message);
    this.code = code;
    this.reason = reason; // the Go core's stable reason code (akte.Error.Reason)
    this.params = params;
  }
}

let worker;
let seq = 1;
const pending = new Map();
let readyP;

// assets are the URLs of the build's hashed assets (web/build.mjs).
export const assets = () => JSON.parse(document.querySelector('meta[name="akte-assets"]').content);

// start loads the worker and the WebAssembly module; called early so the
// module is ready when the person submits a form.
export function start() {
  if (readyP) return readyP;
  const a = assets();
  worker = new Worker(a.worker);
  worker.onmessage = (ev) => {
    const { id, out, progress } = ev.data;
    const p = pending.get(id);
    if (!p) return;
    if (progress) return void p.progress?.(...progress);
    pending.delete(id);
    const r = out;
    if (r.error) p.reject(new CoreError(r.error.code, r.error.message, r.error.reason, r.error.params));
    else p.resolve(r.ok);
  };
  readyP = new Promise((resolve, reject) => pending.set(0, { resolve, reject }));
  worker.postMessage({ wasm: a.wasm, grantsWasm: a.grantsWasm, exportWasm: a.exportWasm });
  return readyP;
}

// call runs fn in the core's worker; progress, if given, is told what a
// long call (export.*) reports on the way.
export async function call(fn, arg, progress) {
  await start();
  const id = seq++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, progress });
    worker.postMessage({ id, fn, arg });
  });
}

// Helpers for byte arguments: the Go side reads base64 strings.
export { b64, unb64 };
