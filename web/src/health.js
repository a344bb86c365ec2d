// health is the web app's part of structured entries and services
// (decision 0037): an entry is an item of kind entry whose sealed metadata
// holds one FHIR R4 resource (meta.entry, JSON text); the record's profile
// (birth date, sex, the services on and their consents) is one item whose
// sealed metadata holds meta.profile. Checking an entry and computing a
// status run the Go code the CLI runs (cmd/akte-health-wasm), in a worker
// loaded only when a page needs it; the status is never stored.
import { del, get, request, inRecord } from './api.js';
import { CoreError, assets, call as coreCall } from './core.js';
import { upload, expect, download } from './transfer.js';
import { unb64 } from './bytes.js';
import { updateManifest } from './manifest.js';
import consents from '../../catalog/consents.json' with { type: 'json' };

let worker;
let seq = 1;
const pending = new Map();

function call(fn, arg) {
  if (!worker) {
    const a = assets();
    worker = new Worker(a.healthWorker);
    worker.onmessage = (ev) => {
      const { id, out } = ev.data;
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      if (out.error) p.reject(new CoreError(out.error.code, out.error.message, out.error.reason, out.error.params));
      else p.resolve(out.ok);
    };
    worker.onerror = (e) => {
      for (const p of pending.values()) p.reject(new CoreError('internal', e.message || 'health worker failed'));
      pending.clear();
    };
    worker.postMessage({ wasm: a.healthWasm });
  }
  const id = seq++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, fn, arg });
  });
}

const pad2 = (n) => String(n).padStart(2, '0');
// today is the calendar day where the person is.
export const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
};

// The services, in the order they are shown (client/health.Services).
export const services = [
  { name: 'vaccinations', built: true, person: true },
  { name: 'checkups', built: true, person: true },
  { name: 'medication', built: true },
  { name: 'doctors', built: true },
  { name: 'emergency', built: true },
];

// consentText is the consent text of a service in the language, with its
// version and SHA-256 (what the consent records, as the CLI does).
export async function consentText(service, lang) {
  const c = consents[service];
  const text = lang === 'de' ? c.de : c.en;
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return { text, id: service, version: c.version, lang, hash: [...h].map((b) => b.toString(16).padStart(2, '0')).join('') };
}

// split takes the listing's opened items ([{item, meta}]) apart: the
// entries (every version, by id; the current ones, oldest first), the
// profile and the items that hold it. The sealed fields decide, not the
// server's kind.
export function split(items) {
  const all = new Map();
  const profiles = [];
  for (const x of items) {
    if (!x.meta) continue;
    if (x.meta.profile) profiles.push(x);
    else if (x.meta.entry) all.set(x.item.id, x);
  }
  const replaced = new Set([...all.values()].map((x) => x.meta.replaces).filter(Boolean));
  const latest = [...all.values()].filter((x) => !replaced.has(x.item.id));
  latest.sort((a, b) => (a.meta.date || '').localeCompare(b.meta.date || '') || a.item.created_at.localeCompare(b.item.created_at));
  profiles.sort((a, b) => a.item.created_at.localeCompare(b.item.created_at));
  let profile = {};
  try {
    if (profiles.length) profile = JSON.parse(profiles[profiles.length - 1].meta.profile);
  } catch {
    profile = {};
  }
  return { all, latest, profile, profileIds: profiles.map((x) => x.item.id) };
}

// chain lists the ids of every version of the entry x belongs to.
export function chain(all, x) {
  const ids = new Set([x.item.id]);
  for (let p = x.meta.replaces; p && all.has(p) && !ids.has(p); p = all.get(p).meta.replaces) ids.add(p);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, y] of all) if (!ids.has(id) && ids.has(y.meta.replaces)) ids.add(id), (changed = true);
  }
  return [...ids];
}

const randomKey = () => 'entry:' + [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16)).join('');

// put uploads an item of kind entry with empty content and the metadata
// meta, noted in the manifest as pending before and live after.
async function put(ctx, category, meta, replaces, prevVersion) {
  const announce = (id) => updateManifest(ctx.umk, ctx.record, [{ id, category, state: 'p' }]);
  const it = await upload(ctx, new File([], 'entry'), { category, meta: { ...meta, size: 0 }, replaces, prevVersion, path: randomKey(), announce, kind: 'entry' });
  await updateManifest(ctx.umk, ctx.record, [{ id: it.id, category, version: replaces ? Math.max(prevVersion, 1) + 1 : 1, state: '' }]);
  return it;
}

// addEntry checks a resource (JSON text) and seals it as a new entry, or
// as a new version of prev ({item, meta}; the old version stays).
export async function addEntry(ctx, json, birthDate, prev) {
  const c = await call('checkEntry', { json, today: today(), birth_date: birthDate || '' });
  const meta = { title: c.title, type: c.type, entry: c.resource, ...(c.date ? { date: c.date } : {}) };
  return put(ctx, prev ? prev.item.category : c.category, meta, prev?.item.id, prev?.meta.version || 0);
}

// removeIds deletes items, each noted in the manifest before and after.
export async function removeIds(ctx, ids) {
  if (!ids.length) return;
  const mark = (state) => updateManifest(ctx.umk, ctx.record, ids.map((id) => ({ id, state })));
  await mark('d');
  for (const id of ids) await del(inRecord('/items/' + id)).catch((e) => (e.code === 'not_found' ? null : Promise.reject(e)));
  await mark('x');
}

// normalize drops the services that are off, and birth date and sex when
// no service that is on needs them.
function normalize(profile) {
  const on = Object.fromEntries(Object.entries(profile.services || {}).filter(([, s]) => s.on));
  const p = { ...profile, services: on };
  if (!services.some((s) => s.person && on[s.name])) {
    delete p.birth_date;
    delete p.sex;
  }
  return p;
}

// changeProfile applies change (profile -> profile) to the record's
// current profile and stores it as the CLI does (client.ChangeProfile): a
// new description of the profile item, compare-and-set on its
// meta_version and applied again to what another device wrote in between,
// or a new profile item if there is none. With no service on, the item
// stays with nothing but that in it (a deletion could not be conditional).
export async function changeProfile(ctx, profileIds, change) {
  let ids = profileIds;
  for (let tries = 1; ; tries++) {
    if (!ids.length) {
      const p = normalize(change({}));
      if (Object.keys(p.services).length || p.donation) await put(ctx, 'private', { title: 'Profil', profile: JSON.stringify(p) }, undefined, 0);
      return p;
    }
    const id = ids[ids.length - 1];
    let it;
    try {
      it = await get(inRecord('/items/' + id));
    } catch (e) {
      if (e.code !== 'not_found') throw e;
      ids = ids.slice(0, -1); // deleted meanwhile: the one before, or a new one
      continue;
    }
    expect('item', id, it.id);
    const [o] = await coreCall('openItems', { umk: ctx.umk, record: ctx.record, items: [it] });
    if (!o?.meta?.profile) throw new CoreError('crypto', '', 'profile_unreadable');
    const p = normalize(change(JSON.parse(o.meta.profile)));
    const { meta: _sealed, ...ch } = await coreCall('describeItem', { umk: ctx.umk, record: ctx.record, item: it, meta: { ...o.meta, profile: JSON.stringify(p) }, category: '' });
    try {
      await request('PUT', inRecord('/items/' + id + '/meta'), ch);
    } catch (e) {
      if (e.reason === 'item_meta_changed' && tries < 20) continue;
      throw e;
    }
    await removeIds(ctx, ids.slice(0, -1));
    return p;
  }
}

// status computes the status of a service from the current entries: a
// list of {target, status, next_date, reason, params, ...}; for "doctors"
// the list of doctors {name, lanr, specialty, address, last_visit, visits}
// (billing: the insurer's billing documents' texts, see billing); for
// "emergency" {name, birth_date, allergies, conditions, medications,
// contacts}.
export async function status(service, profile, latest, billing = []) {
  const out = await call('status', { service, profile: JSON.stringify(profile), entries: latest.map((x) => x.meta.entry), billing, today: today() });
  return JSON.parse(out);
}

// The insurer's billing data (decision 0050): FHIR bundles it pushed into
// the billing category (its PDFs are receipts, not data), each downloaded
// and decrypted once a tab; the health module reads them. A document that
// does not open is left out (the CLI warns about it).
const MaxBillingSize = 4 << 20; // doctors.MaxBillingSize
const billingTexts = new Map();
export async function billing(docs) {
  const out = [];
  for (const x of docs) {
    const m = x.meta;
    if (x.item.category !== 'billing' || !m || !x.key || m.entry || m.profile || m.media_type !== 'application/fhir+json' || m.size > MaxBillingSize) continue;
    let p = billingTexts.get(x.item.id);
    if (!p) {
      p = download(x.item.id, unb64(x.key), m, m.media_type).then((b) => b.text());
      billingTexts.set(x.item.id, p);
      p.catch(() => billingTexts.delete(x.item.id));
    }
    try {
      out.push(await p);
    } catch {
      /* left out */
    }
  }
  return out;
}

// immunization builds a resource from the page's simple form: vaccine
// name, day, dose number and target diseases (SNOMED CT codes).
export function immunization({ vaccine, date, dose, targets, lot }) {
  const r = {
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: { text: vaccine },
    patient: { reference: 'Patient/me' },
    occurrenceDateTime: date,
    primarySource: true,
    protocolApplied: [{ targetDisease: targets.map((code) => ({ coding: [{ system: 'http://snomed.info/sct', code }] })), doseNumberPositiveInt: Number(dose) }],
  };
  if (lot) r.lotNumber = lot;
  return JSON.stringify(r);
}

// donationExtract builds the research donation's extract (decision 0048)
// with the Go code the CLI runs, pseudonymised and sealed to the pinned
// recipient: {ciphertext (base64), summary (JSON text)}; nothing is stored.
export const donationExtract = (arg) => call('donation', arg);

// decodePlan reads a medication plan (BMP) from its DataMatrix content or
// XML (bytes) with the Go code the CLI runs: {id, version, author, date,
// lines, statements}; nothing is stored.
export async function decodePlan(bytes) {
  let carrier = '';
  for (const b of bytes) carrier += String.fromCharCode(b);
  return JSON.parse(await call('decodePlan', { carrier, today: today() }));
}
