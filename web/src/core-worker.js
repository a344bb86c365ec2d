// The worker that runs the Go client core (cmd/akte-wasm). Argon2id takes
// about a second in WebAssembly: off the main thread the page stays
// responsive. wasm_exec.js (Go's loader) is prepended to this file by
// build.mjs. Messages: {id, fn, arg} in, {id, out} back, where out is the
// object the Go function returned: {ok: RESULT} or {error: {...}}.
/* global Go */
let ready;
self.onmessage = async (ev) => {
  const { id, fn, arg, wasm } = ev.data;
  if (wasm) {
    ready = (async () => {
      const go = new Go();
      const loaded = new Promise((resolve) => (self.akteCoreReady = resolve));
      const resp = await fetch(wasm);
      let result;
      if (WebAssembly.instantiateStreaming && resp.headers.get('Content-Type') === 'application/wasm') {
        result = await WebAssembly.instantiateStreaming(resp, go.importObject);
      } else {
        result = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
      }
      go.run(result.instance);
      await loaded;
    })();
    ready.then(() => self.postMessage({ id: 0, out: { ok: 'ready' } }), (e) => self.postMessage({ id: 0, out: { error: { code: 'internal', message: String(e) } } }));
    return;
  }
  try {
    await ready;
    const out = self.akteCore[fn](arg ?? null);
    self.postMessage({ id, out });
  } catch (e) {
    self.postMessage({ id, out: { error: { code: 'internal', message: String(e) } } });
  }
};
