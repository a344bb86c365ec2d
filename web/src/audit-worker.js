// The worker that verifies the record's protocol with the Go code the CLI
// runs (cmd/akte-audit-wasm, docs/audit.md §6), off the main thread so the
// page stays responsive while thousands of events are hashed.
// wasm_exec.js (Go's loader) is prepended by build.mjs. Messages: {wasm}
// first, then {id, fn, arg} in, {id, out, ms} back, where out is
// {ok: RESULT} or {error: {...}} and ms the time the call took.
/* global Go */
let ready;
self.onmessage = async (ev) => {
  const { id, fn, arg, wasm } = ev.data;
  if (wasm) {
    ready = (async () => {
      const go = new Go();
      const loaded = new Promise((resolve) => (self.akteAuditReady = resolve));
      const resp = await fetch(wasm);
      const result =
        WebAssembly.instantiateStreaming && resp.headers.get('Content-Type') === 'application/wasm'
          ? await WebAssembly.instantiateStreaming(resp, go.importObject)
          : await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
      go.run(result.instance);
      await loaded;
    })();
    return;
  }
  try {
    await ready;
    const t = performance.now();
    const out = self.akteAudit[fn](arg ?? null);
    self.postMessage({ id, out, ms: performance.now() - t });
  } catch (e) {
    self.postMessage({ id, out: { error: { code: 'internal', message: String(e) } } });
  }
};
