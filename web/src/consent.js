// The consent ledger in the web app (docs/decisions/0044-consent-ledger.md):
// the checkboxes of the registration, the privacy notice (an open page,
// reachable from every page's footer, also before login), and the page of
// the patient's consents with the restriction of processing. Every text is
// shown only after this page checked it against the SHA-256 the server
// names, and the answer carries that hash: the ledger records the text
// this browser showed.
import { h } from 'preact';
import { useState, useEffect } from 'preact/hooks';
import htm from 'htm';
import { get, post, request } from './api.js';
import { lang, tr, fmtDateTime, errorText, fail } from './i18n.js';

const html = htm.bind(h);

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

// checked fails unless the text's body is what its hash says.
async function checked(t) {
  const digest = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(t.body || '')));
  if (!t.body || digest !== t.hash) {
    throw fail(`Der Server hat den Text „${t.text}“ anders geschickt, als sein Prüfwert sagt.`, `The server sent the text “${t.text}” other than its checksum says.`);
  }
  return t;
}

// text fetches the current version of a text in the page's language.
export const text = async (id) => checked(await get(`/consent-texts/${encodeURIComponent(id)}?lang=${lang.value}`));

export const answer = (t) => ({ text: t.text, version: t.version, lang: t.lang, hash: t.hash, via: 'web' });

function useTitle(title) {
  useEffect(() => {
    document.title = `${title} – Akte`;
    document.querySelector('main h1')?.focus();
  }, [title, lang.value]);
}

// Body shows a text's paragraphs; its first line is the title.
const Body = ({ t }) => html`<div class="consent-text">${t.body.split(/\n\s*\n/).slice(1).map((p) => html`<p>${p}</p>`)}</div>`;

const Details = ({ t, summary }) => html`<details><summary>${summary || t.body.split('\n')[0]} (${tr('Version', 'version')} ${t.version})</summary><${Body} t=${t} /></details>`;

// RegistrationConsents is the registration's part: the consent to the
// processing and the acknowledgement of the privacy notice and the terms,
// each a required checkbox with the full text to open. onAnswers gets the
// answers (or null until both are ticked).
export function RegistrationConsents({ onAnswers }) {
  const [ts, setTs] = useState(null);
  const [err, setErr] = useState('');
  const [ok, setOk] = useState([false, false]);
  useEffect(() => {
    setTs(null);
    Promise.all(['processing', 'privacy', 'terms'].map(text)).then(setTs, (e) => setErr(errorText(e)));
  }, [lang.value]);
  useEffect(() => onAnswers(ts && ok[0] && ok[1] ? ts.map(answer) : null), [ts, ok[0], ok[1]]);
  if (err) return html`<p class="error" role="alert">${err}</p>`;
  if (!ts) return html`<p role="status">${tr('Einwilligungstexte werden geladen …', 'Loading the consent texts …')}</p>`;
  const [processing, privacy, terms] = ts;
  const tick = (i) => (e) => setOk(i === 0 ? [e.currentTarget.checked, ok[1]] : [ok[0], e.currentTarget.checked]);
  return html`<fieldset class="consents">
    <legend>${tr('Einwilligung', 'Consent')}</legend>
    <${Details} t=${processing} />
    <label><input type="checkbox" name="consent-processing" required checked=${ok[0]} onChange=${tick(0)} />
      ${tr(' Ich willige in die Verarbeitung meiner Gesundheitsdaten ein.', ' I consent to the processing of my health data.')}</label>
    <${Details} t=${privacy} />
    <${Details} t=${terms} />
    <label><input type="checkbox" name="consent-notice" required checked=${ok[1]} onChange=${tick(1)} />
      ${tr(' Ich habe die Datenschutzhinweise und die Nutzungsbedingungen gelesen.', ' I have read the privacy notice and the terms of use.')}</label>
  </fieldset>`;
}

// PrivacyLink is the footer's link, on every page.
export const PrivacyLink = () => html`<a href="/datenschutz">${tr('Datenschutzhinweise', 'Privacy notice')}</a>`;

// PrivacyPage shows the privacy notice and the terms, as they stand now.
export function PrivacyPage() {
  useTitle(tr('Datenschutzhinweise', 'Privacy notice'));
  const [ts, setTs] = useState(null);
  const [err, setErr] = useState('');
  useEffect(() => void Promise.all([text('privacy'), text('terms')]).then(setTs, (e) => setErr(errorText(e))), [lang.value]);
  return html`<h1 tabindex="-1">${tr('Datenschutzhinweise', 'Privacy notice')}</h1>
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${ts && html`<section class="card" aria-labelledby="privacy-v"><p id="privacy-v" class="hint">${tr('Version', 'Version')} ${ts[0].version}</p><${Body} t=${ts[0]} /></section>
      <section class="card"><h2>${ts[1].body.split('\n')[0]}</h2><p class="hint">${tr('Version', 'Version')} ${ts[1].version}</p><${Body} t=${ts[1]} /></section>`}`;
}

// textWord names a text; the operator's own ids are shown as they are.
const textWord = (id) =>
  ({
    processing: tr('Einwilligung in die Verarbeitung', 'Consent to the processing'),
    privacy: tr('Datenschutzhinweise', 'Privacy notice'),
    terms: tr('Nutzungsbedingungen', 'Terms of use'),
    vaccinations: tr('Impfstatus (STIKO)', 'Vaccination status (STIKO)'),
    checkups: tr('Vorsorge (G-BA)', 'Check-ups (G-BA)'),
    'donation-vaccinations': tr('Datenspende: Impfungen', 'Data donation: vaccinations'),
    'donation-maternity': tr('Datenspende: Mutterpass', 'Data donation: maternity record'),
    'donation-child-exams': tr('Datenspende: Kinderuntersuchungen', 'Data donation: child examinations'),
    'donation-dental': tr('Datenspende: Zahnvorsorge', 'Data donation: dental check-ups'),
  })[id] || id;

const decisionWord = (d) => (d === 'given' ? tr('erteilt', 'given') : tr('widerrufen', 'withdrawn'));
const viaWord = (v) => ({ web: tr('im Browser', 'in the browser'), cli: tr('mit dem Kommandozeilenprogramm', 'with the command line'), paper: tr('auf Papier (Betreiber)', 'on paper (operator)') })[v] || v;

// Record is one record of the ledger, its kept text opened on demand.
function Record({ r }) {
  const [t, setT] = useState(null);
  const [err, setErr] = useState('');
  const open = (e) => {
    if (e.currentTarget.open && !t) get('/account/consents/texts/' + r.hash).then(checked).then(setT, (x) => setErr(errorText(x)));
  };
  return html`<li data-text=${r.text} data-decision=${r.decision}>
    <details onToggle=${open}><summary>${textWord(r.text)}, ${tr('Version', 'version')} ${r.version}: ${decisionWord(r.decision)} ${tr('am', 'on')} <time datetime=${r.at}>${fmtDateTime(r.at)}</time>, ${viaWord(r.via)}</summary>
      ${err && html`<p class="error" role="alert">${err}</p>`}
      ${t ? html`<${Body} t=${t} />` : !err && html`<p role="status">${tr('Wird geladen …', 'Loading …')}</p>`}
    </details></li>`;
}

// ConsentsPage lists every text agreed to with date and time, asks the
// required texts that are due (a new version), withdraws and gives, and
// switches the restriction of processing.
export function ConsentsPage() {
  useTitle(tr('Einwilligungen', 'Consents'));
  const [l, setL] = useState(null);
  const [due, setDue] = useState([]);
  const [res, setRes] = useState(null);
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState('');
  const [busy, setBusy] = useState(false);
  const load = async () => {
    const [ledger, restriction] = await Promise.all([get('/account/consents'), get('/account/restriction')]);
    setL(ledger);
    setRes(restriction);
    setDue(await Promise.all(ledger.due.map(text)));
  };
  useEffect(() => void load().catch((e) => setErr(errorText(e))), [lang.value]);
  const act = (f, said) => async () => {
    setErr('');
    setMsg('');
    setBusy(true);
    try {
      await f();
      await load();
      setMsg(said);
    } catch (e) {
      setErr(errorText(e));
      load().catch(() => {}); // the switch shows what holds
    } finally {
      setBusy(false);
    }
  };
  const give = (t) => act(() => post('/account/consents', answer(t)), tr('Zugestimmt.', 'Agreed.'));
  const giveAgain = (id) => act(async () => post('/account/consents', answer(await text(id))), tr('Einwilligung erteilt.', 'Consent given.'));
  const withdraw = (id) => act(() => post(`/account/consents/${encodeURIComponent(id)}/withdraw`, { via: 'web' }), tr('Einwilligung widerrufen.', 'Consent withdrawn.'));
  const restrict = (on) => act(() => request(on ? 'PUT' : 'DELETE', '/account/restriction'), on ? tr('Verarbeitung eingeschränkt.', 'Processing restricted.') : tr('Einschränkung aufgehoben.', 'Restriction lifted.'));
  const [sure, setSure] = useState(false);
  const states = l?.states || [];
  const active = states.filter((s) => s.last?.decision === 'given' && !['privacy', 'terms'].includes(s.text));
  const withdrawn = states.filter((s) => s.last?.decision === 'withdrawn');
  return html`<h1 tabindex="-1">${tr('Einwilligungen', 'Consents')}</h1>
    <p><a href="/datenschutz">${tr('Datenschutzhinweise lesen', 'Read the privacy notice')}</a></p>
    ${err && html`<p class="error" role="alert">${err}</p>`}
    <p role="status" class=${msg ? 'status' : 'sr-only'}>${msg}</p>
    ${due.length > 0 && html`<section class="card" aria-labelledby="due-h"><h2 id="due-h">${tr('Neue Fassung: Bitte lesen und zustimmen', 'New version: please read and agree')}</h2>
      ${due.map((t) => html`<div><${Details} t=${t} /><button type="button" class="primary" disabled=${busy} onClick=${give(t)}>${tr(`„${t.body.split('\n')[0]}“ zustimmen`, `Agree to “${t.body.split('\n')[0]}”`)}</button></div>`)}</section>`}
    ${l?.delete_at && html`<section class="card" aria-labelledby="del-h"><h2 id="del-h">${tr('Einwilligung in die Verarbeitung widerrufen', 'Consent to the processing withdrawn')}</h2>
      <p>${tr('Ihr Konto wird mit allen Daten gelöscht am', 'Your account is deleted with all its data on')} <time datetime=${l.delete_at}>${fmtDateTime(l.delete_at)}</time>.</p>
      <button type="button" class="primary" disabled=${busy} onClick=${giveAgain('processing')}>${tr('Widerruf zurücknehmen (erneut einwilligen)', 'Take the withdrawal back (consent again)')}</button></section>`}
    <section class="card" aria-labelledby="restrict-h"><h2 id="restrict-h">${tr('Verarbeitung einschränken', 'Restrict processing')}</h2>
      <p>${tr('Solange die Verarbeitung eingeschränkt ist, greift niemand außer Ihnen auf die Akte zu (keine Praxis, Vertretung oder App), und die Dienste ruhen. Ihre Daten bleiben erhalten.',
        'While processing is restricted nobody but you accesses the record (no practice, representative or app), and the services stop. Your data stays.')}</p>
      ${res && html`<label><input type="checkbox" role="switch" name="restricted" checked=${res.restricted} disabled=${busy} onChange=${(e) => {
          // Shown at once (a controlled switch would snap back until the answer).
          const on = e.currentTarget.checked;
          setRes({ restricted: on, since: null });
          restrict(on)();
        }} />
        ${tr(' Verarbeitung eingeschränkt', ' Processing restricted')}</label>
        ${res.restricted && res.since && html`<p>${tr('Eingeschränkt seit', 'Restricted since')} <time datetime=${res.since}>${fmtDateTime(res.since)}</time></p>`}`}</section>
    <section class="card" aria-labelledby="active-h"><h2 id="active-h">${tr('Erteilte Einwilligungen', 'Consents given')}</h2>
      <ul class="plain">${active.map((s) => html`<li>${textWord(s.text)}
        ${s.text === 'processing'
          ? html` <label><input type="checkbox" checked=${sure} onChange=${(e) => setSure(e.currentTarget.checked)} />${tr(' Ich weiß: Mein Konto wird nach der Frist gelöscht.', ' I know: my account is deleted after the grace period.')}</label>
            <button type="button" disabled=${busy || !sure} onClick=${withdraw('processing')}>${tr('Einwilligung in die Verarbeitung widerrufen', 'Withdraw the consent to the processing')}</button>`
          : html` <button type="button" disabled=${busy} onClick=${withdraw(s.text)} aria-label=${tr(`Einwilligung „${textWord(s.text)}“ widerrufen`, `Withdraw the consent “${textWord(s.text)}”`)}>${tr('Widerrufen', 'Withdraw')}</button>`}</li>`)}</ul>
      ${withdrawn.filter((s) => s.text !== 'processing').map((s) => html`<p>${textWord(s.text)}: ${tr('widerrufen', 'withdrawn')} <button type="button" disabled=${busy} onClick=${giveAgain(s.text)}>${tr('Erneut einwilligen', 'Consent again')}</button></p>`)}</section>
    <section class="card" aria-labelledby="hist-h"><h2 id="hist-h">${tr('Verlauf: jeder Text mit Datum und Uhrzeit', 'History: every text with date and time')}</h2>
      ${l ? html`<ol class="plain" data-testid="consent-history">${[...l.records].reverse().map((r) => html`<${Record} key=${r.id} r=${r} />`)}</ol>` : html`<p role="status">${tr('Wird geladen …', 'Loading …')}</p>`}</section>`;
}

// serviceGiven records a service's consent to the text the health page
// showed (health.consentText: its id, version, language and hash), before
// the service is switched on; serviceWithdrawn records its withdrawal
// when it is switched off (none to withdraw is no error).
export const serviceGiven = (t) => post('/account/consents', { text: t.id, version: t.version, lang: t.lang, hash: t.hash, via: 'web' });
export const serviceWithdrawn = (name) =>
  post(`/account/consents/${encodeURIComponent(name)}/withdraw`, { via: 'web' }).catch((e) => {
    if (e.reason !== 'consent_not_active') throw e;
  });
