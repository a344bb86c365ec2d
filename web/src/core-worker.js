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
/* global Go */
import { serveGo } from './goworker.js';

serveGo('akteCoreReady', 'akteCore', { announce: true });

const core = self.onmessage;
let grantsURL;
let grantsReady;

function startGrants() {
  grantsReady ??= (async () => {
    const go = new Go();
    const loaded = new Promise((resolve) => (self.akteGrantsReady = resolve));
    const resp = await fetch(grantsURL);
    const result =
      WebAssembly.instantiateStreaming && resp.headers.get('Content-Type') === 'application/wasm'
        ? await WebAssembly.instantiateStreaming(resp, go.importObject)
        : await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
    go.run(result.instance);
    await loaded;
  })();
  return grantsReady;
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

self.onmessage = async (ev) => {
  const { id, fn, arg, grantsWasm } = ev.data;
  if (grantsWasm) grantsURL = grantsWasm;
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
