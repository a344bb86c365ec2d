// The patient's apps (decision 0043): connecting a health app (DiGA) with
// its consent screen and the record's fingerprint, disconnecting it and
// the insurer; and the inbox: what providers, apps and the insurer added,
// sealed to the record's public key, shown until this browser files it
// under its category's key (at the first load of the record after a
// login), so that category grants cover it.
import { h } from 'preact';
import { useState, useEffect } from 'preact/hooks';
import htm from 'htm';
import * as core from './core.js';
import { get, del, request, recordPath } from './api.js';
import { lang, tr, fmtDateTime, errorText } from './i18n.js';

const html = htm.bind(h);

const catWord = (id) => ({ apps: tr('App-Daten (DiGA)', 'App data (DiGA)'), billing: tr('Abrechnungsdaten der Krankenkasse', 'Billing data of the insurer') })[id] || id;

// filed remembers the sessions whose inbox this page filed already.
const filed = new WeakSet();

// fileInbox files the inbox items of one's own record once per session:
// each item of key version 0 that opened (opened: id → {meta}) gets a new
// description with its key wrapped under the category's newest key
// (core describeItem). It returns whether it filed any; an item it cannot
// file (a category key to rotate first, a change meanwhile) stays in the
// inbox, readable as before, until the next login.
export async function fileInbox(session, rec, list, opened) {
  if (!session || filed.has(session) || rec.rmk_slot || rec.keys.record_id !== session.account.record_id) return false;
  filed.add(session);
  let n = 0;
  for (const it of list) {
    const o = opened.get(it.id);
    if (it.key_version !== 0 || !o || !o.meta) continue;
    try {
      const { meta, ...change } = await core.call('describeItem', { umk: session.umk, record: rec, item: it, meta: o.meta, category: '' });
      if (!change.key_slot) continue;
      await request('PUT', recordPath(rec.keys.record_id, '/items/' + encodeURIComponent(it.id) + '/meta'), change);
      n++;
    } catch {
      // stays in the inbox
    }
  }
  return n > 0;
}

function Consent({ app, fingerprint, recordId, onConnect, onCancel, busy }) {
  // The screen reader reads the consent from its heading on.
  useEffect(() => document.getElementById('consent-title')?.focus(), [app.id]);
  return html`<section class="card" aria-labelledby="consent-title" data-testid="app-consent">
    <h2 id="consent-title" tabindex="-1">${tr(`${app.name} verbinden?`, `Connect ${app.name}?`)}</h2>
    <ul>
      <li>${tr('Darf: Daten (FHIR-Bundles, PDF-Dateien) in die Kategorie ', 'May: add data (FHIR bundles, PDF files) to the category ')}<strong>${catWord(app.category)}</strong>${tr(' einstellen, verschlüsselt nur für Ihre Akte.', ', encrypted for your record only.')}</li>
      <li>${tr('Darf nicht: etwas lesen oder auflisten, auch nicht, was sie selbst eingestellt hat.', 'May not: read or list anything, not even what it added itself.')}</li>
      <li>${tr('Trennen: jederzeit auf dieser Seite mit „Trennen“. Was die App eingestellt hat, bleibt.', 'Disconnect: at any time on this page with "Disconnect". What the app added stays.')}</li>
    </ul>
    <p>${tr('Geben Sie der App diese Angaben, damit sie nur für Ihre Akte verschlüsselt:', 'Give the app these details, so that it encrypts for your record only:')}</p>
    <dl>
      <dt>${tr('Akte', 'Record')}</dt><dd><code data-testid="record-id">${recordId}</code></dd>
      <dt>${tr('Fingerabdruck', 'Fingerprint')}</dt><dd><code data-testid="record-fingerprint">${fingerprint}</code></dd>
    </dl>
    <div class="actions">
      <button type="button" class="primary" disabled=${busy} onClick=${onConnect}>${tr('Verbinden', 'Connect')}</button>
      <button type="button" onClick=${onCancel}>${tr('Abbrechen', 'Cancel')}</button>
    </div>
  </section>`;
}

// AppsPage lists the registered apps and the record's insurer, connects
// and disconnects them, and shows the inbox.
export function AppsPage({ session }) {
  const rid = session.account.record_id;
  const [apps, setApps] = useState(null);
  const [inbox, setInbox] = useState([]);
  const [fp, setFp] = useState('');
  const [asking, setAsking] = useState(null);
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = `${tr('Apps und Eingang', 'Apps and inbox')} – Akte`;
    document.querySelector('main h1')?.focus();
  }, [lang.value]);
  const load = async () => {
    try {
      const [list, rec, items] = await Promise.all([get(recordPath(rid, '/apps')), get(recordPath(rid)), get(recordPath(rid, '/items'))]);
      setApps(list.apps);
      setFp((await core.call('fingerprint', { public_key: rec.keys.public_key })).fingerprint);
      const waiting = items.filter((it) => it.key_version === 0);
      const opened = waiting.length ? await core.call('openItems', { umk: session.umk, record: rec, items: waiting }) : [];
      setInbox(opened.map((o, i) => ({ id: o.id, title: o.meta?.title || waiting[i].id, created: waiting[i].created_at, category: waiting[i].category })));
    } catch (e) {
      setErr(errorText(e));
    }
  };
  useEffect(() => void load(), []);
  const act = (f) => async () => {
    setErr('');
    setStatus('');
    setBusy(true);
    try {
      await f();
    } catch (e) {
      setErr(errorText(e));
    }
    setBusy(false);
    await load();
  };
  const connect = (a) => act(async () => {
    await request('PUT', recordPath(rid, '/apps/' + encodeURIComponent(a.id)));
    setAsking(null);
    setStatus(tr(`${a.name} ist verbunden.`, `${a.name} is connected.`));
  });
  const disconnect = (a) => act(async () => {
    await del(recordPath(rid, '/apps/' + encodeURIComponent(a.id)));
    setStatus(tr(`${a.name} ist getrennt.`, `${a.name} is disconnected.`));
  });
  return html`<h1 tabindex="-1">${tr('Apps und Eingang', 'Apps and inbox')}</h1>
    <p>${tr('Gesundheitsanwendungen (DiGA) und Ihre Krankenkasse können Daten in Ihre Akte einstellen, aber nichts lesen.',
      'Health apps (DiGA) and your insurer can add data to your record, but read nothing.')}</p>
    <div role="alert" class=${err ? 'alert' : 'sr-only'}>${err}</div>
    <p role="status" aria-live="polite" class=${status ? 'status' : 'sr-only'}>${status}</p>
    ${asking && html`<${Consent} app=${asking} fingerprint=${fp} recordId=${rid} busy=${busy} onConnect=${connect(asking)} onCancel=${() => setAsking(null)} />`}
    <h2>${tr('Apps', 'Apps')}</h2>
    ${apps === null ? html`<p>${tr('Wird geladen …', 'Loading …')}</p>` : apps.length === 0 ? html`<p>${tr('Es sind keine Apps registriert.', 'No apps are registered.')}</p>` :
      html`<ul class="apps" data-testid="apps">${apps.map((a) => html`<li data-app=${a.id} data-connected=${a.connected ? 'true' : 'false'}>
        <strong>${a.name}</strong> (${a.kind === 'insurer' ? tr('Krankenkasse', 'insurer') : 'App'}) – ${catWord(a.category)}
        ${a.connected ? html` – ${tr('verbunden seit', 'connected since')} ${fmtDateTime(a.connected_at)}
          <button type="button" disabled=${busy} onClick=${disconnect(a)} aria-label=${tr(`${a.name} trennen`, `Disconnect ${a.name}`)}>${tr('Trennen', 'Disconnect')}</button>`
        : a.kind === 'app' && html` <button type="button" onClick=${() => setAsking(a)} aria-label=${tr(`${a.name} verbinden`, `Connect ${a.name}`)}>${tr('Verbinden …', 'Connect …')}</button>`}
      </li>`)}</ul>`}
    <h2>${tr('Eingang', 'Inbox')}</h2>
    <p>${tr('Was Praxen, Apps und Ihre Krankenkasse eingestellt haben und noch nicht eingeordnet ist. Sie können es schon öffnen; bei der nächsten Anmeldung wird es eingeordnet, damit Freigaben der Kategorie es umfassen.',
      'What providers, apps and your insurer added that is not filed yet. You can open it already; at your next login it is filed, so that grants of its category cover it.')}</p>
    ${inbox.length === 0 ? html`<p data-testid="inbox-empty">${tr('Der Eingang ist leer.', 'The inbox is empty.')}</p>` :
      html`<ul data-testid="inbox">${inbox.map((x) => html`<li data-item=${x.id}><a href=${'/dokument/' + encodeURIComponent(x.id)}>${x.title}</a> – ${catWord(x.category)}, ${fmtDateTime(x.created)}</li>`)}</ul>`}`;
}
