// The research data donation in the web app (decision 0048): per category
// (vaccinations, maternity, child examinations, dental) an opt-in with its
// own consent text, checked against its hash and recorded in the ledger;
// the research body's key pinned in the sealed profile at the first
// opt-in and its fingerprint shown (a key the server names later is used
// only after the patient confirms it); "Donate now" builds the
// pseudonymised FHIR extract and seals it to the pinned key in the health
// module (the Go code the CLI runs), so the server relays ciphertext only.
import { h } from 'preact';
import { useState, useEffect } from 'preact/hooks';
import htm from 'htm';
import { get, post, request } from './api.js';
import { lang, tr, fmtDateTime, errorText, fail } from './i18n.js';
import { text as consentText, answer } from './consent.js';
import * as health from './health.js';

const html = htm.bind(h);

const categories = ['vaccinations', 'maternity', 'child-exams', 'dental'];
const textId = (c) => 'donation-' + c;
const catWord = (c) =>
  ({
    vaccinations: tr('Impfungen', 'Vaccinations'),
    maternity: tr('Mutterpass', 'Maternity record (Mutterpass)'),
    'child-exams': tr('Kinderuntersuchungen (U1–U9, J1)', 'Child examinations (U1–U9, J1)'),
    dental: tr('Zahnvorsorge (Bonusheft)', 'Dental check-ups (bonus booklet)'),
  })[c] || c;

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

// fingerprint is donation.Fingerprint: the first 16 bytes of the SHA-256
// of the recipient, as eight groups of four hex digits.
export async function fingerprint(recipient) {
  const x = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(recipient.trim()))).slice(0, 32);
  return x.match(/.{4}/g).join(' ');
}

// pin is client.pin: the recipient pinned (and the pseudonym key made the
// first time) in the profile's donation state.
function pin(cur, recipient) {
  const d = { ...(cur.donation || {}) };
  if (!d.key) d.key = hex(crypto.getRandomValues(new Uint8Array(32)));
  if (d.recipient !== recipient) Object.assign(d, { recipient, pinned_at: new Date().toISOString() });
  d.categories = { ...(d.categories || {}) };
  return { ...cur, donation: d };
}

const given = (ledger, id) => ledger?.states.some((s) => s.text === id && s.last?.decision === 'given');

// Consent shows a category's text and the research body's fingerprint
// before it is switched on.
function Consent({ cat, t, fp, busy, onYes, onNo }) {
  useEffect(() => document.getElementById('don-consent-h')?.focus(), [cat]);
  return html`<section class="card" aria-labelledby="don-consent-h" data-testid="donation-consent">
    <h2 id="don-consent-h" tabindex="-1">${t.body.split('\n')[0]}</h2>
    <div class="consent-text">${t.body.split('\n').slice(1).filter((p) => p.trim()).map((p) => html`<p>${p}</p>`)}</div>
    <p>${tr('Schlüssel der Forschungsstelle, Fingerabdruck:', "The research body's key, fingerprint:")} <code>${fp}</code></p>
    <div class="actions">
      <button type="button" class="primary" disabled=${busy} onClick=${onYes}>${tr('Einwilligen und spenden', 'Consent and donate')}</button>
      <button type="button" onClick=${onNo}>${tr('Abbrechen', 'Cancel')}</button>
    </div>
  </section>`;
}

// DonationPage is /forschung. items are the record's entries and profile
// (app.js healthItems), record the record, load reloads both.
export function DonationPage({ session, record, items, load }) {
  const [offer, setOffer] = useState(null);
  const [ledger, setLedger] = useState(null);
  const [fps, setFps] = useState({ offered: '', pinned: '' });
  const [asking, setAsking] = useState(null); // {cat, t}
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const hs = health.split(items);
  const d = hs.profile.donation || {};
  const changed = !!(offer?.offered && d.recipient && d.recipient !== offer.recipient);
  const on = (c) => !!d.categories?.[c] && given(ledger, textId(c));
  useEffect(() => {
    document.title = `${tr('Forschung: Datenspende', 'Research: data donation')} – Akte`;
    document.querySelector('main h1')?.focus();
  }, [lang.value]);
  const refresh = async () => {
    const [o, l] = await Promise.all([get('/donation'), get('/account/consents')]);
    setOffer(o);
    setLedger(l);
  };
  useEffect(() => {
    Promise.all([refresh(), load()]).catch((e) => setErr(errorText(e)));
  }, []);
  useEffect(() => {
    (async () => setFps({ offered: offer?.offered ? await fingerprint(offer.recipient) : '', pinned: d.recipient ? await fingerprint(d.recipient) : '' }))();
  }, [offer?.recipient, d.recipient]);
  const ctx = () => ({ umk: session.umk, record, accountId: session.account.account_id });
  const act = (f) => async () => {
    setErr('');
    setStatus('');
    setBusy(true);
    try {
      setStatus(await f());
      await Promise.all([refresh(), load()]);
    } catch (e) {
      setErr(errorText(e));
    }
    setBusy(false);
  };
  const ask = (cat) => act(async () => setAsking({ cat, t: await consentText(textId(cat)) }) || '');
  const switchOn = act(async () => {
    const { cat, t } = asking;
    if (changed) throw fail('Der Schlüssel der Forschungsstelle hat sich geändert; bestätigen Sie ihn zuerst.', "The research body's key changed; confirm it first.");
    const recipient = d.recipient || offer.recipient;
    await post('/account/consents', answer(t)); // the ledger first (decision 0044)
    await health.changeProfile(ctx(), hs.profileIds, (cur) => {
      const p = pin(cur, recipient);
      p.donation.categories[cat] = { text: t.text, version: t.version, lang: t.lang, hash: t.hash, at: new Date().toISOString() };
      return p;
    });
    setAsking(null);
    return tr(`${catWord(cat)}: eingeschaltet. Gespendet wird mit „Jetzt spenden“.`, `${catWord(cat)}: on. Donations are made with "Donate now".`);
  });
  const switchOff = (cat) =>
    act(async () => {
      await post(`/account/consents/${encodeURIComponent(textId(cat))}/withdraw`, { via: 'web' }).catch((e) => {
        if (e.reason !== 'consent_not_active') throw e;
      });
      await health.changeProfile(ctx(), hs.profileIds, (cur) => {
        const cats = { ...(cur.donation?.categories || {}) };
        delete cats[cat];
        return cur.donation ? { ...cur, donation: { ...cur.donation, categories: cats } } : cur;
      });
      return tr(`${catWord(cat)} wird nicht mehr gespendet.`, `${catWord(cat)} is no longer donated.`);
    });
  const confirmKey = act(async () => {
    await health.changeProfile(ctx(), hs.profileIds, (cur) => pin(cur, offer.recipient));
    return tr('Der neue Schlüssel ist bestätigt.', 'The new key is confirmed.');
  });
  const send = act(async () => {
    if (changed) throw fail('Der Schlüssel der Forschungsstelle hat sich geändert; bestätigen Sie ihn zuerst.', "The research body's key changed; confirm it first.");
    const r = await get('/account/restriction');
    if (r.restricted) throw fail('Die Verarbeitung ist eingeschränkt; es wird nichts gespendet.', 'Processing is restricted; nothing is donated.');
    const l = await get('/account/consents'); // the ledger as it is now
    const cats = categories.filter((c) => d.categories?.[c] && given(l, textId(c)));
    if (!cats.length) throw fail('Keine Kategorie ist zur Spende eingeschaltet.', 'No category is switched on for donation.');
    // An unfiled inbox item's category is only the server's word (its key
    // is sealed to the record, not under the category's key): left out.
    const filed = hs.latest.filter((x) => x.item.key_version !== 0);
    const out = await health.donationExtract({
      entries: filed.map((x) => x.meta.entry),
      entry_categories: filed.map((x) => x.item.category),
      categories: cats,
      birth_date: hs.profile.birth_date || session.account.birth_date || '',
      sex: hs.profile.sex || '',
      key: d.key,
      recipient: d.recipient,
    });
    const ct = Uint8Array.from(atob(out.ciphertext), (c) => c.charCodeAt(0));
    await request('POST', '/account/donations?categories=' + encodeURIComponent(cats.join(',')), ct);
    const sum = JSON.parse(out.summary);
    const n = Object.values(sum.resources || {}).reduce((a, b) => a + b, 0);
    return tr(`Gespendet: ${cats.map(catWord).join(', ')} – ${n} ${n === 1 ? 'Eintrag' : 'Einträge'}, verschlüsselt. Ihr Pseudonym dort: ${sum.pseudonym}`,
      `Donated: ${cats.map(catWord).join(', ')} – ${n} ${n === 1 ? 'entry' : 'entries'}, encrypted. Your pseudonym there: ${sum.pseudonym}`);
  });
  const anyOn = categories.some(on);
  return html`<h1 tabindex="-1">${tr('Forschung: Datenspende', 'Research: data donation')}</h1>
    <p>${tr('Sie können Daten einzelner Bereiche pseudonymisiert der Forschung spenden. Ihr Gerät stellt den Auszug zusammen und verschlüsselt ihn für die Forschungsstelle; der Server reicht ihn nur weiter und kann ihn nicht lesen. Namen, Kennnummern, Chargennummern und Freitext werden nie gespendet.',
      'You can donate data of single areas to research, pseudonymised. Your device puts the extract together and encrypts it for the research body; the server only passes it on and cannot read it. Names, identifiers, lot numbers and free text are never donated.')}</p>
    <div role="alert" class=${err ? 'alert' : 'sr-only'}>${err}</div>
    <p role="status" aria-live="polite" class=${status ? 'status' : 'sr-only'} data-testid="donation-status">${status}</p>
    ${offer === null ? html`<p>${tr('Wird geladen …', 'Loading …')}</p>` : !offer.offered ? html`<p data-testid="donation-none">${tr('Dieser Server bietet keine Datenspende an.', 'This server offers no data donation.')}</p>` : html`
    <section class="card" aria-labelledby="don-key-h">
      <h2 id="don-key-h">${tr('Forschungsstelle', 'Research body')}</h2>
      <p>${tr('Fingerabdruck ihres Schlüssels:', "Fingerprint of its key:")} <code data-testid="donation-fingerprint">${d.recipient ? fps.pinned : fps.offered}</code>
        ${d.recipient ? tr(' (bestätigt)', ' (confirmed)') : tr(' (wird bei der ersten Einwilligung festgehalten)', ' (kept at your first consent)')}</p>
      ${changed && html`<div class="alert" data-testid="donation-changed"><p>${tr(`Der Server nennt einen anderen Schlüssel: ${fps.offered}. Es wird nichts gespendet, bis Sie ihn bestätigen. Prüfen Sie den Fingerabdruck bei der Forschungsstelle.`,
        `The server names another key: ${fps.offered}. Nothing is donated until you confirm it. Check the fingerprint with the research body.`)}</p>
        <button type="button" disabled=${busy} onClick=${confirmKey}>${tr('Neuen Schlüssel bestätigen', 'Confirm the new key')}</button></div>`}
    </section>
    <section class="card" aria-labelledby="don-cat-h">
      <h2 id="don-cat-h">${tr('Bereiche', 'Areas')}</h2>
      <ul class="services" data-testid="donation-categories">${categories.map((c) => html`<li data-category=${c} data-on=${on(c) ? 'true' : 'false'}>
        <span>${catWord(c)}: ${on(c) ? tr('wird gespendet', 'donated') : tr('aus', 'off')}${on(c) && d.categories[c]?.at ? html` (${tr('seit', 'since')} ${fmtDateTime(d.categories[c].at)})` : ''}</span>
        ${ledger && record && (on(c)
          ? html` <button type="button" disabled=${busy} onClick=${switchOff(c)} aria-label=${tr(`Spende „${catWord(c)}“ beenden`, `Stop donating “${catWord(c)}”`)}>${tr('Beenden', 'Stop')}</button>`
          : html` <button type="button" disabled=${busy} onClick=${ask(c)} aria-label=${tr(`„${catWord(c)}“ spenden …`, `Donate “${catWord(c)}” …`)}>${tr('Spenden …', 'Donate …')}</button>`)}
      </li>`)}</ul>
      ${asking && html`<${Consent} cat=${asking.cat} t=${asking.t} fp=${d.recipient ? fps.pinned : fps.offered} busy=${busy} onYes=${switchOn} onNo=${() => setAsking(null)} />`}
    </section>
    <section class="card" aria-labelledby="don-send-h">
      <h2 id="don-send-h">${tr('Spenden', 'Donate')}</h2>
      <p>${tr('Gespendet wird nur, wenn Sie es hier auslösen, nie von selbst.', 'A donation is made only when you start it here, never by itself.')}</p>
      <button type="button" class="primary" disabled=${busy || !anyOn || changed || !record} onClick=${send}>${tr('Jetzt spenden', 'Donate now')}</button>
    </section>`}`;
}
