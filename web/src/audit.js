// audit verifies the record's protocol (docs/audit.md §6) with the Go code
// the CLI runs, compiled to its own WebAssembly module
// (cmd/akte-audit-wasm) and run in its own worker, both loaded only when a
// page shows the protocol (the core, cmd/akte-wasm, has no room for it).
//
// Trust as in the CLI (client.State.VerifyAudit): the first read trusts
// the verifier key the server's page carries and pins it; this browser
// keeps the pinned key and the last verified checkpoint per account in
// IndexedDB (they outlive sessions and logouts; nothing in them is
// secret), and every later read must prove that the log extends that
// checkpoint. A failed verification keeps nothing and is a CoreError whose
// reason names what failed (key_changed, checkpoint_rollback,
// event_altered, event_missing, ...; catalog/*.json say them).
import { request } from './api.js';
import { CoreError, assets } from './core.js';
import { goModule } from './goworker.js';

const call = goModule(() => assets().auditWorker, () => assets().auditWasm, CoreError);

// The pins: IndexedDB database akte-audit, store pins, one {key, signed}
// per account id. Without IndexedDB (a private window that refuses it)
// they live as long as the tab.
const memory = new Map();
let dbP;
function db() {
  dbP ??= new Promise((resolve) => {
    try {
      const r = indexedDB.open('akte-audit', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('pins');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
  return dbP;
}
async function pinOf(account) {
  const d = await db();
  if (!d) return memory.get(account) || null;
  return new Promise((resolve, reject) => {
    const r = d.transaction('pins').objectStore('pins').get(account);
    r.onsuccess = () => resolve(r.result || null);
    r.onerror = () => reject(r.error);
  });
}
async function keep(account, pin) {
  const d = await db();
  if (!d) return void memory.set(account, pin);
  return new Promise((resolve, reject) => {
    const t = d.transaction('pins', 'readwrite');
    t.objectStore('pins').put(pin, account);
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error);
  });
}

// pin and keepPin are the key and checkpoint kept for the account, for
// the export module (web/src/export.js), which verifies the protocol it
// puts into the archive with the same rules.
export const pin = (account) => queue.then(() => pinOf(account));
export function keepPin(account, p) {
  const run = queue.then(() => keep(account, p));
  queue = run.catch(() => {});
  return run;
}

// One verification at a time, so that two pages reading at once keep the
// newer checkpoint.
let queue = Promise.resolve();

// verify reads the protocol of the account's record and verifies it.
// It resolves to {events (oldest first: index, time, operation, code,
// label_de, label_en, result, reason, object, actor_id, actor_role,
// actor_name, device, addr), size, time (of the checkpoint),
// ms (the verification's time in the worker: verifyMs of the checks,
// convertMs of making the events JavaScript objects), firstUse}, or rejects with
// the CoreError of what failed (or the ApiError / NetworkError of the
// read).
export function verify(account) {
  const run = queue.then(() => verifyNow(account));
  queue = run.catch(() => {});
  return run;
}

async function verifyNow(account) {
  const log = 'record/' + account;
  const pin = await pinOf(account);
  const key = pin?.key || '';
  const last = pin?.signed || '';
  const { ok: since } = await call('since', { key, last });
  const resp = await request('GET', '/account/audit?since=' + since, undefined, { raw: true, headers: { Accept: 'application/vnd.akte.audit-page' } });
  const page = new Uint8Array(await resp.arrayBuffer());
  const { ok: v, ms } = await call('verify', { page, log, key, last, now: Date.now() }, [page.buffer]);
  await keep(account, { key: v.key, signed: v.signed });
  // The events as the pages use them: the time as ISO text (to the
  // millisecond), the operation's label in both languages.
  const events = JSON.parse(v.events);
  for (const e of events) {
    e.time = new Date(e.time_us / 1000).toISOString();
    [e.label_de, e.label_en] = v.labels[e.operation] || [e.operation, e.operation];
  }
  return { events, size: v.size, time: v.time, ms, verifyMs: v.verify_ms, convertMs: v.convert_ms, firstUse: !key };
}
