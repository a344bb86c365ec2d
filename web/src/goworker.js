// serveGo answers a page's calls with the functions a Go WebAssembly
// module exports, in a worker (core-worker.js, audit-worker.js; wasm_exec.js,
// Go's loader, is prepended to each by build.mjs). The module announces
// itself by calling self[readyName]() once its functions are in
// self[exportsName]. Messages: {wasm} first, then {id, fn, arg} in, {id,
// out, ms} back, where out is {ok: RESULT} or {error: {...}} and ms the
// time the call took; with announce, {id: 0, out} tells when the module
// is ready or failed to start.
/* global Go */
export function serveGo(readyName, exportsName, { announce = false } = {}) {
  let ready;
  self.onmessage = async (ev) => {
    const { id, fn, arg, wasm } = ev.data;
    if (wasm) {
      ready = (async () => {
        const go = new Go();
        const loaded = new Promise((resolve) => (self[readyName] = resolve));
        const resp = await fetch(wasm);
        const result =
          WebAssembly.instantiateStreaming && resp.headers.get('Content-Type') === 'application/wasm'
            ? await WebAssembly.instantiateStreaming(resp, go.importObject)
            : await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
        go.run(result.instance);
        await loaded;
      })();
      if (announce) {
        ready.then(
          () => self.postMessage({ id: 0, out: { ok: 'ready' } }),
          (e) => self.postMessage({ id: 0, out: { error: { code: 'internal', message: String(e) } } }),
        );
      }
      return;
    }
    try {
      await ready;
      const t = performance.now();
      const out = self[exportsName][fn](arg ?? null);
      self.postMessage({ id, out, ms: performance.now() - t });
    } catch (e) {
      self.postMessage({ id, out: { error: { code: 'internal', message: String(e) } } });
    }
  };
}

// goModule is the page's side: it starts the worker at workerURL with the
// module at wasmURL on the first call and returns call(fn, arg, transfer),
// which resolves to {ok, ms} or rejects with a CoreError (core.js).
export function goModule(workerURL, wasmURL, CoreError) {
  let worker;
  let seq = 1;
  const pending = new Map();
  return function call(fn, arg, transfer = []) {
    if (!worker) {
      worker = new Worker(workerURL());
      worker.onmessage = (ev) => {
        const { id, out, ms } = ev.data;
        const p = pending.get(id);
        if (!p) return;
        pending.delete(id);
        if (out.error) p.reject(new CoreError(out.error.code, out.error.message, out.error.reason, out.error.params));
        else p.resolve({ ok: out.ok, ms });
      };
      worker.onerror = (e) => {
        for (const p of pending.values()) p.reject(new CoreError('internal', e.message || 'worker failed'));
        pending.clear();
      };
      worker.postMessage({ wasm: wasmURL() });
    }
    const id = seq++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, fn, arg }, transfer);
    });
  };
}
