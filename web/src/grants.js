// Grants in the web app (issue 14, item 7; decisions 0035, 0046): the
// patient's page of providers' access (/freigaben: who sees what until
// when, granting after comparing the provider's fingerprint, revoking,
// hiding and blocking) and the provider's records (/praxis/akten: the
// records granted to it, the documents each grant covers, viewing,
// downloading and adding them).
//
// The keys a grant hands out are wrapped in the browser by the Go code the
// CLI runs (client/core/grant.go), in the grants module that runs in the
// core's worker (cmd/akte-grants-wasm): core.call('grants.*').
import { h } from 'preact';
import { useState, useEffect } from 'preact/hooks';
import htm from 'htm';
import * as core from './core.js';
import { get, post, del, request, inRecord, recordPath, setRecord, ApiError } from './api.js';
import { upload, download, setRotate } from './transfer.js';
import { unb64 } from './bytes.js';
import { tr, fmtDate, errorText } from './i18n.js';
import { session, useTitle, useAction, Field, Alert, Status, Busy, Fingerprint, InstitutionData, PdfPages } from './app.js';

const html = htm.bind(h);

// The record's categories as akte.Categories lists them (a provider cannot
// read the record, which carries them); the private one is never granted.
const categories = [
  ['findings', 'Befunde', 'Findings'], ['letters', 'Arztbriefe', 'Doctor’s letters'], ['discharge', 'Entlassbriefe', 'Discharge letters'],
  ['diagnoses', 'Diagnosen', 'Diagnoses'], ['images', 'Medizinische Bilder', 'Medical images'], ['vaccinations', 'Impfpass', 'Vaccinations'],
  ['maternity', 'Mutterpass', 'Maternity record'], ['child-exams', 'Kinderuntersuchungsheft', 'Child examinations'],
  ['dental', 'Zahnbonusheft', 'Dental bonus booklet'], ['medication', 'Medikation und Medikationsplan', 'Medication and medication plan'],
  ['care', 'Pflegedokumentation', 'Care documentation'], ['therapy', 'Therapiedokumentation', 'Therapy documentation'],
  ['patient-info', 'Patienteninformationen', 'Patient information'], ['apps', 'Daten aus Gesundheitsanwendungen (DiGA)', 'App data (DiGA)'],
  ['billing', 'Abrechnungsdaten der Krankenkasse', 'Billing data of the insurer'], ['emergency', 'Notfalldaten', 'Emergency data'],
];
const catName = (id) => {
  const c = categories.find(([k]) => k === id);
  return c ? tr(c[1], c[2]) : id;
};

const day = (d) => d.toISOString().slice(0, 10);
const inDays = (n) => day(new Date(Date.now() + n * 86400000));

// scopeText says what a grant covers.
function scopeText(g, titles) {
  if (g.scope === 'record') return tr('die ganze Akte (außer privaten Dokumenten)', 'the whole record (except private documents)');
  if (g.scope === 'categories') return (g.categories || []).map(catName).join(', ');
  const n = (g.items || []).length;
  const names = (g.items || []).map((id) => titles.get(id)).filter(Boolean);
  return names.length ? names.join(', ') : tr(`${n} einzelne Dokumente`, `${n} single documents`);
}

const untilText = (g) => (g.until ? tr(`bis ${fmtDate(g.until)}`, `until ${fmtDate(g.until)}`) : tr('unbefristet', 'unlimited'));
const permText = (g) => (g.write ? tr('lesen und Dokumente hinzufügen', 'read and add documents') : tr('lesen', 'read'));

function grantState(g) {
  if (g.active) return '';
  if (g.revoked_at) return tr(`entzogen am ${fmtDate(g.revoked_at)}`, `revoked on ${fmtDate(g.revoked_at)}`);
  return tr('abgelaufen', 'expired');
}

// ownRecord reads the record with what the core needs to open it (a
// represented record's key opens with the account's private key).
async function ownRecord() {
  const rec = await get(inRecord());
  if (rec.rmk_slot) rec.private_key_by_umk = session.value.keys.private_key_by_umk;
  return rec;
}

// rotate makes a new version of each category's key, wrapped to every
// running grant that covers it except to grantees it is hidden from, as
// `akte grant revoke`, `akte block` and `akte hide` do (client.Rotate):
// what is added from now on stays unreadable to a grantee whose grant
// ended. It returns the record as it is afterwards.
export async function rotate(cats) {
  let rec = await ownRecord();
  if (!cats.length) return rec;
  const [grants, hidings] = await Promise.all([get(inRecord('/grants')), get(inRecord('/hidings'))]);
  for (const category of cats) {
    const hidden_from = hidings.filter((x) => x.category === category).map((x) => x.grantee);
    const add = await core.call('grants.rotateCategory', { umk: session.value.umk, record: rec, category, grants, hidden_from });
    await post(inRecord('/keys'), add);
    rec = await ownRecord();
  }
  return rec;
}

// rotateNeeded rotates the categories the server names as held by a
// former grantee (wire.Record.rotate; an upload there is refused with
// category_key_rotation_needed until then).
export const rotateNeeded = async () => {
  const rec = await ownRecord();
  return rec.rotate?.length ? rotate(rec.rotate) : rec;
};
setRotate(rotateNeeded);

const covers = (g, c) => (g.scope === 'record' ? true : g.scope === 'categories' ? (g.categories || []).includes(c) : false);
const rotateAfter = (ended) => rotate(categories.map(([c]) => c).filter((c) => ended.some((g) => covers(g, c))));

// useNames names providers by id (GET /providers/{id}; an unknown one
// stays its id). The names are kept for the tab's life in memory only (who
// one's doctors are is nobody's business; each lookup counts against the
// account's directory limit and is in its protocol).
const knownNames = new Map();
function useNames() {
  const [names, setNames] = useState(knownNames);
  const want = (ids) => {
    const missing = [...new Set(ids)].filter((id) => !knownNames.has(id));
    if (!missing.length) return;
    Promise.all(missing.map((id) => get('/providers/' + encodeURIComponent(id)).then((p) => [id, p.name], () => [id, '']))).then((got) => {
      for (const [id, n] of got) if (n) knownNames.set(id, n);
      setNames(new Map(knownNames));
    });
  };
  return [names, want];
}

// Grants is the patient's page: the summary of who sees what until when,
// a new grant, hiding and blocking.
export function Grants() {
  useTitle(tr('Freigaben für Ärzte', 'Access for doctors'));
  const [data, setData] = useState(null); // {grants, hidings, blocked, docs}
  const [loadErr, setLoadErr] = useState('');
  const [status, setStatus] = useState('');
  const [names, want] = useNames();
  const { err, busy, run } = useAction();
  const load = async () => {
    // The server names categories a former grantee still holds the newest
    // key of: the next version is made before anything else.
    const rec = await rotateNeeded();
    const [grants, hidings, blocks, list] = await Promise.all([get(inRecord('/grants')), get(inRecord('/hidings')), get(inRecord('/blocks')), get(inRecord('/items'))]);
    const docs = list.filter((it) => it.category !== 'private');
    const opened = docs.length ? await core.call('openItems', { umk: session.value.umk, record: rec, items: docs }) : [];
    const byId = new Map(opened.map((o) => [o.id, o]));
    const withMeta = docs.map((it) => ({ item: it, meta: byId.get(it.id)?.meta })).filter((x) => x.meta && !x.meta.entry && !x.meta.profile);
    want([...grants.map((g) => g.grantee), ...blocks.blocked]);
    setData({ rec, grants, hidings, blocked: blocks.blocked || [], docs: withMeta });
  };
  useEffect(() => void load().catch((e) => setLoadErr(errorText(e))), []);
  const titles = new Map((data?.docs || []).map((x) => [x.item.id, x.meta.title]));
  const name = (id) => names.get(id) || id;
  const revoke = (g) =>
    run(async () => {
      await del(inRecord('/grants/' + encodeURIComponent(g.id)));
      await rotateAfter([g]);
      await load();
      setStatus(tr(`Freigabe für ${name(g.grantee)} entzogen.`, `Access of ${name(g.grantee)} revoked.`));
    });
  const block = (id, yes) =>
    run(async () => {
      const ended = data.grants.filter((g) => g.active && g.grantee === id);
      if (yes) {
        await request('PUT', inRecord('/blocks/' + encodeURIComponent(id)));
        await rotateAfter(ended);
      } else await del(inRecord('/blocks/' + encodeURIComponent(id)));
      await load();
      setStatus(yes ? tr(`${name(id)} ist gesperrt.`, `${name(id)} is blocked.`) : tr(`Sperre von ${name(id)} aufgehoben.`, `${name(id)} is no longer blocked.`));
    });
  const active = data?.grants.filter((g) => g.active) || [];
  const ended = data?.grants.filter((g) => !g.active) || [];
  const row = (g) => html`<li class="card" key=${g.id} data-testid="grant">
    <h3>${name(g.grantee)}</h3>
    <dl class="facts">
      <dt>${tr('Sieht', 'Sees')}</dt><dd>${scopeText(g, titles)}</dd>
      <dt>${tr('Darf', 'May')}</dt><dd>${permText(g)}</dd>
      <dt>${tr('Gültig', 'Valid')}</dt><dd>${g.active ? untilText(g) : grantState(g)}</dd>
    </dl>
    ${g.active &&
    html`<div class="actions">
      <button type="button" disabled=${busy} onClick=${revoke(g)}>${tr(`Freigabe entziehen: ${name(g.grantee)}`, `Revoke access: ${name(g.grantee)}`)}</button>
      ${!data.blocked.includes(g.grantee) &&
      html`<button type="button" disabled=${busy} onClick=${block(g.grantee, true)}>${tr(`Sperren: ${name(g.grantee)}`, `Block: ${name(g.grantee)}`)}</button>`}
    </div>`}
  </li>`;
  return html`<h1 tabindex="-1">${tr('Freigaben für Ärzte', 'Access for doctors')}</h1>
    <p>${tr(
      'Hier bestimmen Sie, welche Praxis, Klinik oder Apotheke was in Ihrer Akte sieht und bis wann. Die Schlüssel werden in diesem Browser für die Praxis verpackt; der Server kann sie nicht lesen.',
      'Here you decide which practice, hospital or pharmacy sees what in your record, and until when. The keys are wrapped for the provider in this browser; the server cannot read them.',
    )}</p>
    <${Alert} text=${loadErr || err} />
    <${Status} text=${status} />
    ${!data && !loadErr && html`<${Status} text=${tr('Wird geladen …', 'Loading …')} />`}
    ${data &&
    html`<section aria-labelledby="grants-now">
        <h2 id="grants-now">${tr('Wer sieht was', 'Who sees what')}</h2>
        ${active.length ? html`<ul class="providers" data-testid="grants-active">${active.map(row)}</ul>` : html`<p>${tr('Niemand außer Ihnen hat Zugriff.', 'Nobody but you has access.')}</p>`}
      </section>
      <${NewGrant} data=${data} onBlock=${(id) => block(id, true)()} onDone=${async (g, n) => (await load(), want([g.grantee]), setStatus(tr(`${n} hat jetzt Zugriff.`, `${n} now has access.`)))} />
      <${Hiding} data=${data} name=${name} titles=${titles} onDone=${async (msg) => (await load(), setStatus(msg))} />
      ${data.blocked.length > 0 &&
      html`<section aria-labelledby="grants-blocked">
        <h2 id="grants-blocked">${tr('Gesperrt', 'Blocked')}</h2>
        <ul class="plain">${data.blocked.map(
          (id) => html`<li key=${id}>${name(id)} <button type="button" disabled=${busy} onClick=${block(id, false)}>${tr(`Sperre aufheben: ${name(id)}`, `Unblock: ${name(id)}`)}</button></li>`,
        )}</ul>
      </section>`}
      ${ended.length > 0 &&
      html`<section aria-labelledby="grants-ended">
        <h2 id="grants-ended">${tr('Beendete Freigaben', 'Ended grants')}</h2>
        <ul class="providers">${ended.map(row)}</ul>
      </section>`}`}`;
}

// NewGrant finds a provider, shows the fingerprint of the key the grant
// will be wrapped to, and grants once the patient confirmed it matches.
function NewGrant({ data, onDone, onBlock }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState(null);
  const [sel, setSel] = useState(null); // {p, key, fp}
  const [same, setSame] = useState(false);
  const [scope, setScope] = useState('categories');
  const [cats, setCats] = useState([]);
  const [items, setItems] = useState([]);
  const [write, setWrite] = useState(false);
  const [limit, setLimit] = useState('until');
  const [until, setUntil] = useState(inDays(90));
  const { err, setErr, busy, run } = useAction();
  const search = run(async () => {
    setSel(null);
    setFound(await get('/providers?q=' + encodeURIComponent(q.trim())));
  });
  const choose = (p) =>
    run(async () => {
      // The key the grant is wrapped to is the one the server serves for
      // this record's grants: its fingerprint is what the patient compares.
      const g = await get(inRecord('/grantees/' + encodeURIComponent(p.id)));
      const { fingerprint } = await core.call('fingerprint', { public_key: g.public_key });
      setSame(false);
      setSel({ p, key: g.public_key, fp: fingerprint });
      setTimeout(() => document.getElementById('grant-fp')?.focus(), 0);
    });
  const toggle = (list, set, v) => set(list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  const submit = run(async () => {
    if (!same) return setErr(tr('Bitte bestätigen Sie, dass der Fingerabdruck übereinstimmt.', 'Please confirm that the fingerprint matches.'));
    if (scope === 'categories' && !cats.length) return setErr(tr('Bitte wählen Sie mindestens eine Kategorie.', 'Please choose at least one category.'));
    if (scope === 'items' && !items.length) return setErr(tr('Bitte wählen Sie mindestens ein Dokument.', 'Please choose at least one document.'));
    if (limit === 'until' && !(until > day(new Date()))) return setErr(tr('Bitte wählen Sie ein Datum nach heute.', 'Please choose a date after today.'));
    const arg = { umk: session.value.umk, record: data.rec, public_key: sel.key };
    if (scope === 'record') arg.categories = categories.map(([c]) => c);
    else if (scope === 'categories') arg.categories = cats;
    else arg.items = data.docs.filter((x) => items.includes(x.item.id)).map((x) => x.item);
    const keys = await core.call('grants.grantKeys', arg);
    const req = { grantee: sel.p.id, scope, write, keys, ...(scope === 'categories' ? { categories: cats } : {}), ...(scope === 'items' ? { items } : {}) };
    if (limit === 'until') req.until = new Date(until + 'T23:59:59').toISOString();
    else req.unlimited = true;
    const g = await post(inRecord('/grants'), req);
    const n = sel.p.name;
    setSel(null);
    setFound(null);
    setQ('');
    setCats([]);
    setItems([]);
    await onDone(g, n);
  });
  const radio = (group, value, cur, set, label) => html`<div class="field check">
    <input type="radio" id=${group + '-' + value} name=${group} value=${value} checked=${cur === value} onChange=${() => set(value)} />
    <label for=${group + '-' + value}>${label}</label></div>`;
  return html`<section class="card" aria-labelledby="grant-new">
    <h2 id="grant-new">${tr('Neue Freigabe', 'New grant')}</h2>
    <form onSubmit=${search} role="search">
      <${Field} label=${tr('Praxis suchen: Name, Ort, Telematik-ID, LANR oder BSNR', 'Find a provider: name, place, Telematik-ID, LANR or BSNR')} name="grant-query"
        value=${q} onInput=${setQ} autocomplete="off" minlength="2" />
      <button type="submit" disabled=${busy}>${tr('Suchen', 'Search')}</button>
    </form>
    ${found &&
    !sel &&
    html`<ul class="providers" aria-label=${tr('Gefundene Einrichtungen', 'Institutions found')}>
      ${found.length === 0 && html`<li>${tr('Keine geprüfte Einrichtung gefunden.', 'No verified institution found.')}</li>`}
      ${found.map(
        (p) => html`<li class="card" key=${p.id}><h3>${p.name}</h3><${InstitutionData} p=${p} />
          <button type="button" disabled=${busy} onClick=${choose(p)}>${tr(`Auswählen: ${p.name}`, `Choose: ${p.name}`)}</button></li>`,
      )}
    </ul>`}
    ${sel &&
    html`<form onSubmit=${submit} aria-labelledby="grant-fp">
      <h3 id="grant-fp" tabindex="-1">${tr(`Freigabe für ${sel.p.name}`, `Access for ${sel.p.name}`)}</h3>
      <p>${tr(
        'Dieser Fingerabdruck ist hier aus dem Schlüssel berechnet, für den die Freigabe verpackt wird. Vergleichen Sie ihn mit dem, den die Praxis Ihnen zeigt.',
        'This fingerprint is computed here from the key the grant will be wrapped to. Compare it with the one the practice shows you.',
      )}</p>
      <${Fingerprint} text=${sel.fp} />
      <div class="field check"><input type="checkbox" id="grant-same" checked=${same} onChange=${(e) => setSame(e.currentTarget.checked)} />
        <label for="grant-same">${tr('Der Fingerabdruck stimmt mit dem der Praxis überein.', 'The fingerprint matches the practice’s.')}</label></div>
      <fieldset class="choice">
        <legend>${tr('Was darf die Praxis sehen?', 'What may the provider see?')}</legend>
        ${radio('grant-scope', 'record', scope, setScope, tr('Die ganze Akte (außer privaten Dokumenten)', 'The whole record (except private documents)'))}
        ${radio('grant-scope', 'categories', scope, setScope, tr('Bestimmte Kategorien', 'Some categories'))}
        ${radio('grant-scope', 'items', scope, setScope, tr('Einzelne Dokumente', 'Single documents'))}
      </fieldset>
      ${scope === 'categories' &&
      html`<fieldset class="choice">
        <legend>${tr('Kategorien', 'Categories')}</legend>
        ${categories.map(
          ([c]) => html`<div class="field check" key=${c}><input type="checkbox" id=${'grant-cat-' + c} checked=${cats.includes(c)} onChange=${() => toggle(cats, setCats, c)} />
            <label for=${'grant-cat-' + c}>${catName(c)}</label></div>`,
        )}
      </fieldset>`}
      ${scope === 'items' &&
      html`<fieldset class="choice">
        <legend>${tr('Dokumente', 'Documents')}</legend>
        ${data.docs.length === 0 && html`<p>${tr('Ihre Akte hat noch keine Dokumente.', 'Your record has no documents yet.')}</p>`}
        ${data.docs.map(
          (x) => html`<div class="field check" key=${x.item.id}><input type="checkbox" id=${'grant-item-' + x.item.id} checked=${items.includes(x.item.id)}
            onChange=${() => toggle(items, setItems, x.item.id)} /><label for=${'grant-item-' + x.item.id}>${x.meta.title} (${catName(x.item.category)})</label></div>`,
        )}
      </fieldset>`}
      <fieldset class="choice">
        <legend>${tr('Was darf die Praxis tun?', 'What may the provider do?')}</legend>
        ${radio('grant-perm', 'read', write ? 'write' : 'read', () => setWrite(false), tr('Lesen', 'Read'))}
        ${radio('grant-perm', 'write', write ? 'write' : 'read', () => setWrite(true), tr('Lesen und Dokumente hinzufügen (z. B. einen Arztbrief)', 'Read and add documents (e.g. a doctor’s letter)'))}
      </fieldset>
      <fieldset class="choice">
        <legend>${tr('Wie lange?', 'For how long?')}</legend>
        ${radio('grant-limit', 'until', limit, setLimit, tr('Bis zu einem Datum', 'Until a date'))}
        ${limit === 'until' &&
        html`<${Field} type="date" label=${tr('Gültig bis einschließlich', 'Valid up to and including')} name="grant-until" value=${until} onInput=${setUntil}
          min=${inDays(1)} hint=${tr('Vorgeschlagen: 90 Tage, wie in der ePA.', 'Suggested: 90 days, as in the ePA.')} />`}
        ${radio('grant-limit', 'unlimited', limit, setLimit, tr('Unbefristet (bis Sie sie entziehen)', 'Unlimited (until you revoke it)'))}
      </fieldset>
      <${Alert} text=${err} />
      <div class="actions">
        <${Busy} busy=${busy}>${tr('Freigeben', 'Grant access')}<//>
        <button type="button" onClick=${() => setSel(null)}>${tr('Abbrechen', 'Cancel')}</button>
      </div>
      ${!data.blocked.includes(sel.p.id) &&
      html`<p class="hint">${tr(
          'Sie wollen dieser Einrichtung nie Zugriff geben? Gesperrt kann keine Freigabe sie nennen, bis Sie die Sperre aufheben.',
          'You never want this institution to have access? Once blocked, no grant can name it until you lift the block.',
        )}</p>
        <button type="button" disabled=${busy} onClick=${async () => (await onBlock(sel.p.id), setSel(null))}>${tr(`Sperren: ${sel.p.name}`, `Block: ${sel.p.name}`)}</button>`}
    </form>`}
    ${!sel && html`<${Alert} text=${err} />`}
  </section>`;
}

// Hiding hides single documents or whole categories from one provider
// while the others keep them, and shows them again.
function Hiding({ data, name, titles, onDone }) {
  const grantees = [...new Set(data.grants.filter((g) => g.active).map((g) => g.grantee))];
  const [who, setWho] = useState('');
  const [what, setWhat] = useState('');
  const { err, busy, run } = useAction();
  const grantee = who || grantees[0] || '';
  const path = (x) => inRecord(`/hidings/${encodeURIComponent(x.grantee)}/${x.item ? 'item' : 'category'}/${encodeURIComponent(x.item || x.category)}`);
  const label = (x) => (x.item ? titles.get(x.item) || x.item : catName(x.category));
  const hide = run(async () => {
    if (!grantee || !what) return;
    const [kind, id] = what.split(':');
    const x = { grantee, [kind]: id };
    await request('PUT', path(x));
    // Keys enforce it for what comes: a new version of the category key,
    // not wrapped to this provider (as `akte hide` does).
    if (kind === 'category') await rotate([id]);
    setWhat('');
    await onDone(tr(`„${label(x)}“ ist vor ${name(grantee)} verborgen.`, `“${label(x)}” is hidden from ${name(grantee)}.`));
  });
  const unhide = (x) =>
    run(async () => {
      await del(path(x));
      await onDone(tr(`${name(x.grantee)} sieht „${label(x)}“ wieder.`, `${name(x.grantee)} sees “${label(x)}” again.`));
    });
  if (!grantees.length && !data.hidings.length) return null;
  return html`<section class="card" aria-labelledby="grant-hide">
    <h2 id="grant-hide">${tr('Vor einer Praxis verbergen', 'Hide from one provider')}</h2>
    <p>${tr('Die anderen Praxen sehen es weiter.', 'The other providers still see it.')}</p>
    ${grantees.length > 0 &&
    html`<form onSubmit=${hide}>
      <div class="field"><label for="hide-who">${tr('Praxis', 'Provider')}</label>
        <select id="hide-who" value=${grantee} onChange=${(e) => setWho(e.currentTarget.value)}>
          ${grantees.map((id) => html`<option value=${id}>${name(id)}</option>`)}
        </select></div>
      <div class="field"><label for="hide-what">${tr('Was verbergen?', 'Hide what?')}</label>
        <select id="hide-what" value=${what} onChange=${(e) => setWhat(e.currentTarget.value)} required>
          <option value="">${tr('Bitte wählen', 'Please choose')}</option>
          <optgroup label=${tr('Kategorien', 'Categories')}>${categories.map(([c]) => html`<option value=${'category:' + c}>${catName(c)}</option>`)}</optgroup>
          ${data.docs.length > 0 &&
          html`<optgroup label=${tr('Dokumente', 'Documents')}>${data.docs.map((x) => html`<option value=${'item:' + x.item.id}>${x.meta.title}</option>`)}</optgroup>`}
        </select></div>
      <${Busy} busy=${busy}>${tr('Verbergen', 'Hide')}<//>
    </form>`}
    <${Alert} text=${err} />
    ${data.hidings.length > 0 &&
    html`<h3>${tr('Verborgen', 'Hidden')}</h3>
      <ul class="plain" data-testid="hidings">${data.hidings.map(
        (x) => html`<li key=${x.grantee + (x.item || x.category)}>${tr(`„${label(x)}“ vor ${name(x.grantee)}`, `“${label(x)}” from ${name(x.grantee)}`)}
          <button type="button" disabled=${busy} onClick=${unhide(x)}>${tr(`Wieder zeigen: ${label(x)}`, `Show again: ${label(x)}`)}</button></li>`,
      )}</ul>`}
  </section>`;
}

// ---- the provider's side ----

// refused says a refusal of a former grant in plain words: the server
// answers a provider without a running grant as it answers a stranger.
const refused = (e) =>
  e instanceof ApiError && (e.status === 403 || e.status === 404)
    ? tr('Kein Zugriff: Die Freigabe ist beendet oder wurde entzogen.', 'No access: the grant has ended or was revoked.')
    : errorText(e);

// The record's public key a provider's browser saw first (trust on first
// use, as client.OpenGranted pins it): a changed one is refused before a
// document is sealed to it.
const pinKey = (rid) => 'akte.recordkey.' + rid;

// GrantedRecords is a provider's page: the records granted to it with
// their validity; one opened shows the documents its grants cover.
export function GrantedRecords() {
  useTitle(tr('Freigegebene Akten', 'Records shared with you'));
  const [list, setList] = useState(null);
  const [open, setOpen] = useState(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    get('/records').then((rs) => setList(rs.filter((r) => r.role.startsWith('provider_'))), (e) => setErr(errorText(e)));
  }, []);
  const who = (r) => r.owner_email || r.owner_kvnr || r.record_id;
  return html`<h1 tabindex="-1">${tr('Freigegebene Akten', 'Records shared with you')}</h1>
    <${Alert} text=${err} />
    ${!list && !err && html`<${Status} text=${tr('Wird geladen …', 'Loading …')} />`}
    ${list && list.length === 0 && html`<p>${tr('Noch hat Ihnen niemand Zugriff gegeben.', 'Nobody has granted you access yet.')}</p>`}
    ${list &&
    list.length > 0 &&
    html`<ul class="providers" data-testid="granted-records">${list.map(
      (r) => html`<li class="card" key=${r.record_id}>
        <h2>${who(r)}</h2>
        <dl class="facts">
          ${r.owner_kvnr && html`<dt>KVNR</dt><dd>${r.owner_kvnr}</dd>`}
          <dt>${tr('Gültig', 'Valid')}</dt><dd>${r.until ? tr(`bis ${fmtDate(r.until)}`, `until ${fmtDate(r.until)}`) : tr('unbefristet', 'unlimited')}</dd>
        </dl>
        <button type="button" onClick=${() => setOpen({ ...r, at: Date.now() })} aria-expanded=${open?.record_id === r.record_id ? 'true' : 'false'}>${tr(`Dokumente ansehen: ${who(r)}`, `View documents: ${who(r)}`)}</button>
      </li>`,
    )}</ul>`}
    ${open && html`<${GrantedRecord} key=${open.record_id + open.at} r=${open} who=${who(open)} />`}`;
}

function GrantedRecord({ r, who }) {
  const rid = r.record_id;
  const [st, setSt] = useState(null); // {grants, docs, fp, write, cats}
  const [shown, setShown] = useState(null); // {x, url, text}
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setRecord(rid);
    const [grants, list] = await Promise.all([get(recordPath(rid, '/grants')), get(recordPath(rid, '/items'))]);
    const pub = grants.find((g) => g.record_public_key)?.record_public_key || '';
    const pinned = localStorage.getItem(pinKey(rid));
    const changed = !!(pinned && pub && pinned !== pub);
    if (pub && !pinned) localStorage.setItem(pinKey(rid), pub);
    const opened = list.length ? await core.call('grants.openGranted', { umk: session.value.umk, keys: session.value.keys, record_id: rid, grants, items: list }) : [];
    const byId = new Map(opened.map((o) => [o.id, o]));
    const docs = list.map((it) => ({ item: it, ...byId.get(it.id) })).filter((x) => x.meta && !x.meta.entry && !x.meta.profile);
    const write = grants.some((g) => g.write);
    const cats = grants.some((g) => g.write && g.scope !== 'categories')
      ? categories.map(([c]) => c)
      : [...new Set(grants.filter((g) => g.write).flatMap((g) => g.categories || []))];
    const fp = pub ? (await core.call('fingerprint', { public_key: pub })).fingerprint : '';
    setSt({ grants, docs, fp, write, cats, pub, changed });
  };
  useEffect(() => {
    load().catch((e) => setErr(refused(e)));
    document.getElementById('granted-h')?.focus();
  }, []);
  const act = (f) => async (e) => {
    e?.preventDefault();
    setErr('');
    setStatus('');
    setBusy(true);
    try {
      setRecord(rid);
      await f();
    } catch (e2) {
      setErr(refused(e2));
    } finally {
      setBusy(false);
    }
  };
  const fetchDoc = async (x) => download(x.item.id, unb64(x.key), x.meta, x.meta.media_type || 'application/octet-stream');
  const view = (x) =>
    act(async () => {
      const blob = await fetchDoc(x);
      if (shown?.url) URL.revokeObjectURL(shown.url);
      const type = x.meta.media_type || '';
      const text = type.startsWith('text/') ? await blob.text() : null;
      setShown({ x, url: URL.createObjectURL(blob), blob, text, type });
      setTimeout(() => document.getElementById('granted-doc')?.focus(), 0);
    });
  const save = (x) =>
    act(async () => {
      const blob = await fetchDoc(x);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = x.meta.file_name || x.meta.title;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      setStatus(tr(`„${x.meta.title}“ heruntergeladen.`, `“${x.meta.title}” downloaded.`));
    });
  return html`<section class="card" style="min-width:0;overflow-wrap:anywhere" aria-labelledby="granted-h">
    <h2 id="granted-h" tabindex="-1">${tr(`Akte von ${who}`, `Record of ${who}`)}</h2>
    <${Alert} text=${err} />
    <${Status} text=${status} />
    ${!st && !err && html`<${Status} text=${tr('Wird geladen …', 'Loading …')} />`}
    ${st &&
    html`<dl class="facts">${st.grants.map(
        (g) => html`<dt>${tr('Freigabe', 'Grant')}</dt><dd>${scopeText(g, new Map(st.docs.map((x) => [x.item.id, x.meta.title])))}; ${permText(g)}; ${untilText(g)}</dd>`,
      )}</dl>
      ${st.docs.length === 0 ? html`<p>${tr('Die Freigabe umfasst noch keine Dokumente.', 'The grant covers no documents yet.')}</p>` : html`<ul class="plain" data-testid="granted-docs">
        ${st.docs.map(
          (x) => html`<li key=${x.item.id}>
            <strong>${x.meta.title}</strong> <span class="hint">${catName(x.item.category)}${x.meta.date ? ', ' + fmtDate(x.meta.date) : ''}</span>
            <div class="actions">
              <button type="button" disabled=${busy} onClick=${view(x)}>${tr(`Ansehen: ${x.meta.title}`, `View: ${x.meta.title}`)}</button>
              <button type="button" disabled=${busy} onClick=${save(x)}>${tr(`Herunterladen: ${x.meta.title}`, `Download: ${x.meta.title}`)}</button>
            </div>
          </li>`,
        )}
      </ul>`}
      ${shown &&
      html`<section aria-labelledby="granted-doc" class="viewer">
        <h3 id="granted-doc" tabindex="-1">${shown.x.meta.title}</h3>
        ${shown.text !== null
          ? html`<pre class="doc-text" style="white-space:pre-wrap;overflow-wrap:anywhere" data-testid="granted-text">${shown.text}</pre>`
          : shown.type.startsWith('image/')
            ? html`<img src=${shown.url} alt=${shown.x.meta.title} style="max-width:100%" />`
            : shown.type.startsWith('application/pdf')
              ? html`<${PdfPages} blob=${shown.blob} title=${shown.x.meta.title} />`
              : html`<p>${tr('Dieses Format zeigt der Browser nicht an; laden Sie es herunter.', 'The browser cannot show this format; download it.')}</p>`}
        <button type="button" onClick=${() => (URL.revokeObjectURL(shown.url), setShown(null))}>${tr('Schließen', 'Close')}</button>
      </section>`}
      ${st.write && html`<${AddDocument} rid=${rid} st=${st} onDone=${async (t) => (await load(), setStatus(t))} />`}`}
  </section>`;
}

// AddDocument places a document into the record, sealed to the record's
// public key (it goes into the patient's inbox; only the patient opens its
// key), as `akte upload` does for a provider with "add".
function AddDocument({ rid, st, onDone }) {
  const [file, setFile] = useState(null);
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState(st.cats.includes('letters') ? 'letters' : st.cats[0]);
  const [progress, setProgress] = useState('');
  const { err, setErr, busy, run } = useAction();
  const submit = run(async () => {
    if (!file) return setErr(tr('Bitte wählen Sie eine Datei.', 'Please choose a file.'));
    if (st.changed) {
      return setErr(tr(
        'Der öffentliche Schlüssel dieser Akte ist nicht der, den dieser Browser kennt. Es wurde nichts hochgeladen.',
        'The record’s public key is not the one this browser knows. Nothing was uploaded.',
      ));
    }
    setRecord(rid);
    const s = session.value;
    const today = new Date().toISOString().slice(0, 10);
    const meta = { title: title.trim() || file.name, file_name: file.name, media_type: file.type || 'application/octet-stream', date: today };
    await upload({ accountId: s.account.id, umk: s.umk, inbox: { record_id: rid, public_key: st.pub } }, file, {
      category, meta, progress: (d, t) => setProgress(t ? `${Math.round((100 * d) / t)} %` : ''),
    });
    setFile(null);
    setTitle('');
    setProgress('');
    await onDone(tr(`„${meta.title}“ ist in der Akte.`, `“${meta.title}” is in the record.`));
  });
  return html`<form onSubmit=${submit} aria-labelledby="granted-add">
    <h3 id="granted-add">${tr('Dokument hinzufügen', 'Add a document')}</h3>
    <p class="hint">${tr(
      `Es wird in diesem Browser für die Akte verschlüsselt; nur die Patientin oder der Patient kann es öffnen. Fingerabdruck der Akte: ${st.fp}`,
      `It is encrypted in this browser for the record; only the patient can open it. The record’s fingerprint: ${st.fp}`,
    )}</p>
    <div class="field"><label for="granted-file">${tr('Datei', 'File')}</label>
      <input id="granted-file" type="file" style="max-width:100%" onChange=${(e) => setFile(e.currentTarget.files[0] || null)} /></div>
    <${Field} label=${tr('Titel', 'Title')} name="granted-title" value=${title} onInput=${setTitle} required=${false} />
    <div class="field"><label for="granted-cat">${tr('Kategorie', 'Category')}</label>
      <select id="granted-cat" value=${category} onChange=${(e) => setCategory(e.currentTarget.value)}>
        ${st.cats.map((c) => html`<option value=${c}>${catName(c)}</option>`)}
      </select></div>
    <${Alert} text=${err} />
    <${Status} text=${progress} />
    <${Busy} busy=${busy}>${tr('Hinzufügen', 'Add')}<//>
  </form>`;
}
