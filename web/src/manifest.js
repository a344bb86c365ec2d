// The record's manifest (docs/crypto.md §15.1): every write of this
// browser updates it, every listing compares with it. The rules live in the
// WebAssembly core (core.CheckListing, core.LoadManifest); here are only
// the requests and the highest counter this browser has seen for the
// record (localStorage, not secret).
import { get, request, inRecord, ApiError } from './api.js';
import { call } from './core.js';

const seenKey = (rec) => 'akte.manifest.' + rec.keys.record_id;
const seen = (rec) => Number(localStorage.getItem(seenKey(rec)) || 0);
function see(rec, counter) {
  if (counter > seen(rec)) localStorage.setItem(seenKey(rec), String(counter));
}

const conflict = (e) => e instanceof ApiError && e.code === 'conflict';
const swap = (expect, manifest) => request('PUT', inRecord('/manifest'), { expect, manifest });

// checkManifest compares a listing (wire items of the whole record) with
// the manifest and returns the problems, [{id, error}] (id empty for the
// whole list). A record without a manifest gets one from this listing;
// pending uploads it shows are settled.
export async function checkManifest(umk, rec, items) {
  const mf = await get(inRecord('/manifest'));
  const r = await call('checkManifest', { umk, record: rec, items, counter: mf.counter, manifest: mf.manifest || '', seen: seen(rec) });
  if (r.problems.some((p) => !p.id)) return r.problems;
  let counter = mf.counter;
  if (r.write) {
    try {
      counter = (await swap(mf.counter, r.write)).counter;
    } catch (e) {
      if (!conflict(e)) throw e; // another device wrote: the next listing settles
    }
  }
  see(rec, counter);
  return r.problems;
}

// updateManifest applies changes [{id, category, version, state}] (state
// '' live, 'p' upload begun, 'd' delete begun, 'x' deleted), reading again
// when another device wrote in between.
export async function updateManifest(umk, rec, changes) {
  for (let i = 1; ; i++) {
    const mf = await get(inRecord('/manifest'));
    const items = mf.manifest ? [] : await get(inRecord('/items'));
    const blob = await call('updateManifest', { umk, record: rec, counter: mf.counter, manifest: mf.manifest || '', seen: seen(rec), items, changes });
    try {
      see(rec, (await swap(mf.counter, blob)).counter);
      return;
    } catch (e) {
      if (!conflict(e) || i === 50) throw e;
    }
  }
}
