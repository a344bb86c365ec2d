// The emergency data page (issue 17 item 6, decision 0050): allergies,
// active conditions, current medication and emergency contacts, put
// together in this browser from the record's entries by the Go code `akte
// emergency` runs (cmd/akte-health-wasm, package emergency; never stored),
// with the emergency service's consent. Printing the page prints the
// wallet card: two pages of bank-card size (ISO/IEC 7810 ID-1, 85.6 ×
// 53.98 mm) by the print style below, which the browser can save as PDF.
// Allergies, conditions and contacts are entered here as FHIR resources,
// like the health page's entries.
import { h } from 'preact';
import { useState, useEffect } from 'preact/hooks';
import htm from 'htm';
import { lang, tr, fmtDate, errorText } from './i18n.js';
import * as health from './health.js';
import { serviceGiven } from './consent.js';
import { session, useTitle, Field, Alert, Status, Busy } from './app.js';

const html = htm.bind(h);

const clinical = (system, code) => ({ coding: [{ system, code }] });
const allergyClinical = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const conditionClinical = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const icd10gm = 'http://fhir.de/CodeSystem/bfarm/icd-10-gm';
const relationship = 'http://terminology.hl7.org/CodeSystem/v2-0131';

// The resources the forms make (checked by the health module before they
// are sealed, as every entry).
export function allergy({ substance, criticality, reaction }) {
  const r = {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: clinical(allergyClinical, 'active'),
    type: 'allergy',
    code: { text: substance.trim() },
    patient: { reference: 'Patient/me' },
    recordedDate: health.today(),
  };
  if (criticality) r.criticality = criticality;
  if (reaction.trim()) r.reaction = [{ manifestation: [{ text: reaction.trim() }] }];
  return JSON.stringify(r);
}

export function condition({ text, code }) {
  const c = { text: text.trim() };
  if (code.trim()) c.coding = [{ system: icd10gm, code: code.trim().toUpperCase() }];
  return JSON.stringify({
    resourceType: 'Condition',
    clinicalStatus: clinical(conditionClinical, 'active'),
    code: c,
    subject: { reference: 'Patient/me' },
    recordedDate: health.today(),
  });
}

// withContact adds an emergency contact (relationship C of HL7 v2 table
// 0131) to the Patient resource (JSON text, or none yet).
export function withContact(patient, { name, relation, phone }) {
  let r = { resourceType: 'Patient' };
  try {
    if (patient) r = JSON.parse(patient);
  } catch {
    /* a new one */
  }
  const rel = { coding: [{ system: relationship, code: 'C' }] };
  if (relation.trim()) rel.text = relation.trim();
  const c = { relationship: [rel], name: { text: name.trim() } };
  if (phone.trim()) c.telecom = [{ system: 'phone', value: phone.trim() }];
  r.contact = [...(r.contact || []), c];
  return JSON.stringify(r);
}

// fit shortens the card's lists to the lines a side has (each item one
// line, cut with an ellipsis; each heading one line; an empty list one
// line): a list that does not fit ends with "+n more", as the CLI's card.
export function fit(lists, budget) {
  let left = budget - lists.length;
  return lists.map((l, i) => {
    const room = left - (lists.length - i - 1); // a line for each later list
    let n = l.items.length;
    if (n > room) n = Math.max(0, room - 1);
    left -= Math.max(1, n + (n < l.items.length ? 1 : 0));
    return { ...l, shown: l.items.slice(0, n), more: l.items.length - n };
  });
}

const allergyLine = (a) => (a.criticality === 'high' ? '! ' : '') + a.substance + (a.reactions?.length ? ` (${a.reactions.join(', ')})` : '');
const conditionLine = (c) => c.text + (c.code && !c.text.includes(c.code) ? ` (${c.code})` : '');
const medicationLine = (m) => m.name + (m.dose ? `: ${m.dose}` : '');
const contactLine = (c) => c.name + (c.relationship ? ` (${c.relationship})` : '') + (c.phone ? `, ${c.phone}` : c.email ? `, ${c.email}` : '');
const born = (d) => (lang.value === 'de' ? `geb. ${fmtDate(d)}` : `born ${fmtDate(d)}`);

// The card's print style: only while this page is shown, so that printing
// it prints the card and every other page prints as before.
const cardPage = '@page { size: 85.6mm 53.98mm; margin: 0; }';

// Side is one side of the card: its lists fitted to budget lines.
function Side({ lists, budget }) {
  const none = tr('keine bekannt', 'none known');
  return fit(lists, budget).map((l) => html`<div class="wallet-list">
    <p class="wallet-h">${l.title}</p>
    <ul>${l.shown.length === 0 && l.more === 0 ? html`<li>${none}</li>` : l.shown.map((x) => html`<li>${x}</li>`)}
      ${l.more > 0 && html`<li class="wallet-more">${tr(`+${l.more} weitere`, `+${l.more} more`)}</li>`}</ul>
  </div>`);
}

// Card is the wallet card: on screen a preview (hidden from screen
// readers, which have the lists above), in print two pages of card size.
function Card({ s }) {
  return html`<div class="wallet" aria-hidden="true" data-testid="wallet-card">
    <div class="wallet-side wallet-front">
      <p class="wallet-title">${tr('Notfalldaten', 'Emergency data')}</p>
      <p class="wallet-name"><strong>${s.name || ''}</strong> <span>${s.birth_date ? born(s.birth_date) : ''}</span></p>
      <${Side} budget=${11} lists=${[{ title: tr('Allergien', 'Allergies'), items: s.allergies.map(allergyLine) }, { title: tr('Diagnosen', 'Conditions'), items: s.conditions.map(conditionLine) }]} />
    </div>
    <div class="wallet-side wallet-back">
      <${Side} budget=${15} lists=${[{ title: tr('Medikamente', 'Medication'), items: s.medications.map(medicationLine) }, { title: tr('Im Notfall benachrichtigen', 'In case of emergency call'), items: s.contacts.map(contactLine) }]} />
    </div>
  </div>`;
}

function List({ id, title, items, empty, line }) {
  return html`<section class="card" aria-labelledby=${id + '-h'} data-testid=${id}>
    <h2 id=${id + '-h'}>${title}</h2>
    ${items.length === 0 ? html`<p>${empty}</p>` : html`<ul class="entries">${items.map((x) => html`<li>${line(x)}</li>`)}</ul>`}
  </section>`;
}

// SwitchOn shows the emergency service's consent and switches it on.
function SwitchOn({ ctx, profileIds, onDone }) {
  const [asking, setAsking] = useState(false);
  const [text, setText] = useState(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  useEffect(() => void (asking && health.consentText('emergency', lang.value).then(setText)), [asking, lang.value]);
  const give = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    try {
      const consent = { text: text.id, version: text.version, lang: text.lang, hash: text.hash, at: new Date().toISOString() };
      await serviceGiven(text); // the ledger first (decision 0044)
      await health.changeProfile(ctx(), profileIds, (cur) => ({ ...cur, services: { ...(cur.services || {}), emergency: { on: true, since: consent.at, consent } } }));
      await onDone();
    } catch (x) {
      setErr(errorText(x));
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="em-off-h" data-testid="emergency-off">
    <h2 id="em-off-h">${tr('Der Dienst „Notfalldaten“ ist aus', 'The “Emergency data” service is off')}</h2>
    <p>${tr('Mit Ihrer Einwilligung stellt diese Seite Ihre Notfalldaten aus Ihren Einträgen zusammen, nur auf diesem Gerät.', 'With your consent this page puts your emergency data together from your entries, on this device only.')}</p>
    ${!asking ? html`<p><button type="button" class="primary" onClick=${() => setAsking(true)}>${tr('Einschalten …', 'Switch on …')}</button></p>` : html`<form onSubmit=${give} data-testid="consent">
      <h3>${tr('Einwilligung', 'Consent')}: ${tr('Notfalldaten', 'Emergency data')}</h3>
      <p class="consent-text" data-testid="consent-text">${text?.text || ''}</p>
      <${Alert} text=${err} />
      <p><${Busy} busy=${busy} disabled=${!text}>${tr('Einwilligen und einschalten', 'Consent and switch on')}<//>
        <button type="button" onClick=${() => setAsking(false)}>${tr('Abbrechen', 'Cancel')}</button></p>
    </form>`}
  </section>`;
}

// EmergencyPage is the page. items: the entries and the profile (opened
// items); record: the record (null until loaded); reload: reads them again.
export function EmergencyPage({ items, record, reload }) {
  useTitle(tr('Notfalldaten', 'Emergency data'));
  const [s, setS] = useState(null);
  const [err, setErr] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [al, setAl] = useState({ substance: '', criticality: '', reaction: '' });
  const [co, setCo] = useState({ text: '', code: '' });
  const [ct, setCt] = useState({ name: '', relation: '', phone: '' });
  useEffect(() => void reload().catch((e) => setErr(errorText(e))), []);
  // Printing this page prints the wallet card.
  useEffect(() => {
    // A constructed sheet: the CSP allows no <style> element (style-src 'self').
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(cardPage);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    document.documentElement.classList.add('print-card');
    return () => {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((x) => x !== sheet);
      document.documentElement.classList.remove('print-card');
    };
  }, []);
  const h = health.split(items);
  const on = !!h.profile.services?.emergency?.on;
  const key = items.map((x) => x.item.id + ':' + x.item.meta_version).join();
  useEffect(() => {
    let live = true;
    if (!on) return void setS(null);
    health.status('emergency', h.profile, h.latest).then((r) => live && setS(r), (e) => live && setErr(errorText(e)));
    return () => (live = false);
  }, [key, on]);
  const ctx = () => ({ umk: session.value.umk, record, accountId: session.value.account.account_id });
  const birth = h.profile.birth_date || session.value.account.birth_date;
  const act = async (f, done, reset) => {
    setErr('');
    setNote('');
    setBusy(true);
    try {
      await f();
      await reload();
      reset();
      setNote(done);
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const addAllergy = (e) => {
    e.preventDefault();
    act(() => health.addEntry(ctx(), allergy(al), birth), tr(`Allergie „${al.substance}“ gespeichert.`, `Allergy “${al.substance}” saved.`), () => setAl({ substance: '', criticality: '', reaction: '' }));
  };
  const addCondition = (e) => {
    e.preventDefault();
    act(() => health.addEntry(ctx(), condition(co), birth), tr(`Diagnose „${co.text}“ gespeichert.`, `Condition “${co.text}” saved.`), () => setCo({ text: '', code: '' }));
  };
  const addContact = (e) => {
    e.preventDefault();
    // The newest Patient entry gets a new version (its history stays).
    const patient = [...h.latest].reverse().find((x) => x.meta.type === 'Patient');
    act(() => health.addEntry(ctx(), withContact(patient?.meta.entry, ct), birth, patient), tr(`Kontakt „${ct.name}“ gespeichert.`, `Contact “${ct.name}” saved.`), () => setCt({ name: '', relation: '', phone: '' }));
  };
  const ready = record != null;
  return html`<h1 tabindex="-1">${tr('Notfalldaten', 'Emergency data')}</h1>
    <p>${tr('Allergien, Diagnosen, Medikamente und Notfallkontakte aus Ihren Einträgen, zusammengestellt auf diesem Gerät; der Server sieht nur verschlüsselte Daten.', 'Allergies, conditions, medication and emergency contacts from your entries, put together on this device; the server sees encrypted data only.')}</p>
    <${Alert} text=${err} />
    <${Status} text=${note} />
    ${!on && ready && html`<${SwitchOn} ctx=${ctx} profileIds=${h.profileIds} onDone=${async () => (await reload(), setNote(tr('Notfalldaten ist eingeschaltet.', 'Emergency data is on.')))} />`}
    ${on && s && html`
      <${List} id="emergency-allergies" title=${tr('Allergien', 'Allergies')} items=${s.allergies} empty=${tr('Keine Allergie eingetragen.', 'No allergy entered.')}
        line=${(a) => html`${a.criticality === 'high' ? html`<strong>${tr('hohes Risiko: ', 'high risk: ')}</strong>` : ''}${a.substance}${a.reactions?.length ? ` (${a.reactions.join(', ')})` : ''}`} />
      <${List} id="emergency-conditions" title=${tr('Diagnosen', 'Conditions')} items=${s.conditions} empty=${tr('Keine Diagnose eingetragen.', 'No condition entered.')}
        line=${(c) => `${c.text}${c.code ? ` (ICD-10 ${c.code})` : ''}${c.since ? tr(`, seit ${c.since}`, `, since ${c.since}`) : ''}`} />
      <${List} id="emergency-medications" title=${tr('Medikamente', 'Medication')} items=${s.medications} empty=${tr('Kein Medikament eingetragen.', 'No medication entered.')}
        line=${(m) => `${m.name}${m.dose ? ': ' + m.dose : ''}${m.reason ? ` (${m.reason})` : ''}`} />
      <${List} id="emergency-contacts" title=${tr('Im Notfall benachrichtigen', 'In case of emergency call')} items=${s.contacts} empty=${tr('Kein Notfallkontakt eingetragen.', 'No emergency contact entered.')}
        line=${(c) => html`${c.name}${c.relationship ? ` (${c.relationship})` : ''}${c.phone ? html`, <a href=${'tel:' + c.phone.replace(/[^+\d]/g, '')}>${c.phone}</a>` : ''}${c.email ? `, ${c.email}` : ''}`} />
      <section class="card" aria-labelledby="em-card-h">
        <h2 id="em-card-h">${tr('Karte für die Brieftasche', 'Wallet card')}</h2>
        <p>${tr('Gedruckt wird die Karte in Scheckkartengröße (85,6 × 54 mm), Vorder- und Rückseite. Im Druckdialog können Sie sie auch als PDF speichern. Was auf der Karte steht, kann jeder lesen, der sie in der Hand hat.',
          'The card prints at bank-card size (85.6 × 54 mm), front and back. In the print dialogue you can save it as a PDF too. Whoever holds the card can read what is on it.')}</p>
        <p><button type="button" class="primary" onClick=${() => window.print()} data-testid="emergency-print">${tr('Karte drucken oder als PDF speichern', 'Print the card or save it as PDF')}</button></p>
      </section>
      <${Card} s=${s} />`}
    ${on && html`<section class="card" aria-labelledby="em-add-h">
      <h2 id="em-add-h">${tr('Eintragen', 'Enter')}</h2>
      <form onSubmit=${addAllergy} data-testid="allergy-form">
        <h3>${tr('Allergie', 'Allergy')}</h3>
        <${Field} label=${tr('Auslöser (z. B. Penicillin)', 'Substance (e.g. penicillin)')} value=${al.substance} onInput=${(v) => setAl({ ...al, substance: v })} name="em-allergy" />
        <${Field} label=${tr('Reaktion (optional)', 'Reaction (optional)')} value=${al.reaction} required=${false} onInput=${(v) => setAl({ ...al, reaction: v })} name="em-reaction" />
        <div class="field"><label for="em-criticality">${tr('Risiko', 'Risk')}</label>
          <select id="em-criticality" value=${al.criticality} onChange=${(e) => setAl({ ...al, criticality: e.target.value })}>
            <option value="">${tr('nicht angegeben', 'not stated')}</option><option value="low">${tr('gering', 'low')}</option><option value="high">${tr('hoch (lebensbedrohlich)', 'high (life-threatening)')}</option>
          </select></div>
        <p><${Busy} busy=${busy} disabled=${!ready}>${tr('Allergie speichern', 'Save the allergy')}<//></p>
      </form>
      <form onSubmit=${addCondition} data-testid="condition-form">
        <h3>${tr('Diagnose', 'Condition')}</h3>
        <${Field} label=${tr('Diagnose (z. B. Asthma)', 'Condition (e.g. asthma)')} value=${co.text} onInput=${(v) => setCo({ ...co, text: v })} name="em-condition" />
        <${Field} label=${tr('ICD-10-Code (optional)', 'ICD-10 code (optional)')} hint=${tr('z. B. J45.9', 'e.g. J45.9')} value=${co.code} required=${false} onInput=${(v) => setCo({ ...co, code: v })} name="em-icd" />
        <p><${Busy} busy=${busy} disabled=${!ready}>${tr('Diagnose speichern', 'Save the condition')}<//></p>
      </form>
      <form onSubmit=${addContact} data-testid="contact-form">
        <h3>${tr('Notfallkontakt', 'Emergency contact')}</h3>
        <${Field} label=${tr('Name', 'Name')} value=${ct.name} onInput=${(v) => setCt({ ...ct, name: v })} name="em-contact" autocomplete="off" />
        <${Field} label=${tr('Beziehung (optional, z. B. Tochter)', 'Relationship (optional, e.g. daughter)')} value=${ct.relation} required=${false} onInput=${(v) => setCt({ ...ct, relation: v })} name="em-relation" />
        <${Field} label=${tr('Telefon', 'Phone')} type="tel" value=${ct.phone} onInput=${(v) => setCt({ ...ct, phone: v })} name="em-phone" autocomplete="off" />
        <p><${Busy} busy=${busy} disabled=${!ready}>${tr('Kontakt speichern', 'Save the contact')}<//></p>
      </form>
      <p>${tr('Medikamente kommen aus Ihrem ', 'Medication comes from your ')}<a href="/medikationsplan">${tr('Medikationsplan', 'medication plan')}</a>${tr('; alles andere können Sie als FHIR-Eintrag unter ', '; anything else you can add as a FHIR entry under ')}<a href="/gesundheit">${tr('Impfungen und Vorsorge', 'Vaccinations and check-ups')}</a>${tr(' hinzufügen oder löschen.', ', or delete it there.')}</p>
    </section>`}`;
}
