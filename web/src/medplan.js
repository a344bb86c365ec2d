// The medication plan page (issue 17 item 4, decision 0045): a plan's
// DataMatrix scanned from a photo (a file, or the camera of a phone through
// the file picker) by zxing-wasm, decoded by the Go code the CLI runs
// (cmd/akte-health-wasm: package bmp, with every line checked as an entry),
// stored as the CLI stores it — one MedicationStatement entry per line and
// the original XML as a document of the medication category — the lines,
// the intake log (sealed entries) and the reminders, of which the server
// keeps only the times.
import { h } from 'preact';
import { useState, useEffect } from 'preact/hooks';
import htm from 'htm';
import { get, request, del } from './api.js';
import { assets } from './core.js';
import { upload } from './transfer.js';
import { updateManifest } from './manifest.js';
import { tr, fmtDateTime, errorText, say } from './i18n.js';
import * as health from './health.js';
import { PushReminders } from './pushnote.js';

const html = htm.bind(h);

// As client/medplan.go.
export const PlanType = 'Medikationsplan (BMP)';
const SystemLine = 'urn:akte:bmp-line';
const SystemIntake = 'urn:akte:bmp-intake';
const slots = [
  ['morning', 'morgens', 'morning', 'MORN'],
  ['noon', 'mittags', 'noon', 'NOON'],
  ['evening', 'abends', 'evening', 'EVE'],
  ['night', 'zur Nacht', 'night', 'NIGHT'],
];

// planOf finds the stored plan in the opened items ([{item, meta}]): the
// lines and intakes of the newest plan (by its lines' instance id) and the
// original documents.
export function planOf(items) {
  const { latest } = health.split(items);
  const lines = [];
  const intakes = [];
  for (const x of latest) {
    let r;
    try {
      r = JSON.parse(x.meta.entry);
    } catch {
      continue;
    }
    if (r.resourceType !== 'MedicationStatement') continue;
    for (const id of r.identifier || []) {
      const dash = id.value?.lastIndexOf('-') ?? -1;
      if (dash < 0) continue;
      const v = { x, r, plan: id.value.slice(0, dash), n: Number(id.value.slice(dash + 1)) };
      if (id.system === SystemLine) lines.push(v);
      if (id.system === SystemIntake) intakes.push(v);
    }
  }
  lines.sort((a, b) => b.x.item.created_at.localeCompare(a.x.item.created_at));
  const current = lines[0]?.plan;
  const docs = items.filter((x) => x.meta && !x.meta.entry && !x.meta.profile && x.meta.type === PlanType);
  return {
    id: current,
    lines: lines.filter((l) => l.plan === current).sort((a, b) => a.n - b.n),
    log: intakes.filter((l) => l.plan === current).sort((a, b) => (a.r.effectiveDateTime || '').localeCompare(b.r.effectiveDateTime || '')),
    all: [...lines, ...intakes],
    docs,
  };
}

const doseOf = (r) => (r.dosage || [])[0]?.text || '';
const pznOf = (r) => (r.medicationCodeableConcept?.coding || []).find((c) => c.system === 'http://fhir.de/CodeSystem/ifa/pzn')?.code || '';
const slotWord = (s) => {
  const x = slots.find(([n]) => n === s);
  return x ? tr(x[1], x[2]) : s || '';
};

const randomKey = () => 'medplan:' + [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16)).join('');

// store seals a decoded plan as the CLI does: the lines first, the
// original last; then the plan stored before (its lines, log and original)
// is deleted.
async function store(ctx, decoded, bytes, old) {
  for (const s of decoded.statements) await health.addEntry(ctx, s, '');
  const file = new File([bytes], 'medikationsplan.xml', { type: 'application/xml' });
  const meta = { title: 'Medikationsplan', type: PlanType, source: decoded.author || '', file_name: 'medikationsplan.xml', media_type: 'application/xml', size: bytes.length, ...(decoded.date ? { date: decoded.date } : {}) };
  const announce = (id) => updateManifest(ctx.umk, ctx.record, [{ id, category: 'medication', state: 'p' }]);
  const it = await upload(ctx, file, { category: 'medication', meta, path: randomKey(), announce });
  await updateManifest(ctx.umk, ctx.record, [{ id: it.id, category: 'medication', version: 1, state: '' }]);
  if (old.id && old.id !== decoded.id) await health.removeIds(ctx, [...old.all.filter((l) => l.plan === old.id).map((l) => l.x.item.id), ...old.docs.map((x) => x.item.id)]);
}

function intake(plan, line, slot) {
  const r = {
    resourceType: 'MedicationStatement',
    identifier: [{ system: SystemIntake, value: `${plan}-${line.n}` }],
    status: 'completed',
    medicationCodeableConcept: { ...line.r.medicationCodeableConcept },
    subject: line.r.subject,
    effectiveDateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  if (r.medicationCodeableConcept.coding) r.medicationCodeableConcept.coding = r.medicationCodeableConcept.coding.map(({ system, code }) => ({ system, code }));
  const s = slots.find(([n]) => n === slot);
  if (s) r.dosage = [{ text: s[0], timing: { repeat: { when: [s[3]] } } }];
  return JSON.stringify(r);
}

function Lines({ lines, caption, id, onTake, busy }) {
  return html`<table class="status" data-testid=${id}>
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${tr('Nr.', 'No.')}</th><th scope="col">${tr('Medikament', 'Medication')}</th><th scope="col">PZN</th><th scope="col">${tr('Dosierung', 'Dose')}</th><th scope="col">${tr('Grund', 'Reason')}</th>${onTake && html`<th scope="col">${tr('Einnahme', 'Intake')}</th>`}</tr></thead>
    <tbody>${lines.map((l) => html`<tr data-line=${l.n}><td>${l.n}</td><th scope="row">${l.name}</th><td>${l.pzn}</td><td>${l.dose}${l.unit ? ' ' + l.unit : ''}</td><td>${l.reason || ''}</td>
      ${onTake && html`<td><button type="button" disabled=${busy} onClick=${() => onTake(l)} aria-label=${tr(`Eingenommen: ${l.name}`, `Taken: ${l.name}`)}>${tr('Eingenommen', 'Taken')}</button></td>`}</tr>`)}</tbody>
  </table>`;
}

// MedPlan is the page. ctx: {umk, record, accountId}; items: the opened
// items of the record (documents and entries); reload: reads them again.
export function MedPlan({ ctx, items, reload }) {
  const [err, setErr] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [scanned, setScanned] = useState(null); // {decoded, bytes}
  const [rem, setRem] = useState(null);
  const [times, setTimes] = useState({ morning: '', noon: '', evening: '', night: '' });
  const [slot, setSlot] = useState('morning');
  useEffect(() => {
    document.title = `${tr('Medikationsplan', 'Medication plan')} – Akte`;
    document.querySelector('main h1')?.focus();
    reload().catch(() => {});
    get('/account/reminders').then((r) => {
      setRem(r.reminders);
      if (r.reminders) setTimes({ morning: r.reminders.morning || '', noon: r.reminders.noon || '', evening: r.reminders.evening || '', night: r.reminders.night || '' });
    }, () => {});
  }, []);
  const { profile } = health.split(items);
  const on = !!profile.services?.medication?.on;
  const plan = planOf(items);
  const act = async (f, done) => {
    setErr('');
    setNote('');
    setBusy(true);
    try {
      await f();
      await reload();
      setNote(done);
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const scan = (e) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setScanned(null);
    act(async () => {
      let bytes;
      if (/xml/.test(file.type) || /\.xml$/i.test(file.name)) bytes = new Uint8Array(await file.arrayBuffer());
      else {
        const zx = await import(assets().zxing);
        bytes = await zx.read(file, assets().zxingWasm);
        if (!bytes) throw Object.assign(new Error(say('bmp_code_not_found')), { localized: true });
      }
      setScanned({ decoded: await health.decodePlan(bytes), bytes });
    }, tr('Plan gelesen. Bitte prüfen und speichern.', 'Plan read. Please check it and save it.')).catch(() => {});
  };
  const save = () =>
    act(async () => {
      await store(ctx, scanned.decoded, scanned.bytes, plan);
      setScanned(null);
    }, tr('Medikationsplan gespeichert.', 'Medication plan saved.'));
  const take = (l) => act(() => health.addEntry(ctx, intake(plan.id, plan.lines.find((x) => x.n === l.n), slot), ''), tr(`Einnahme von ${l.name} eingetragen.`, `Intake of ${l.name} recorded.`));
  const remove = () => act(() => health.removeIds(ctx, [...plan.all.filter((l) => l.plan === plan.id).map((l) => l.x.item.id), ...plan.docs.map((x) => x.item.id)]), tr('Medikationsplan und Einnahmeprotokoll gelöscht.', 'Medication plan and intake log deleted.'));
  const saveTimes = (e) => {
    e.preventDefault();
    act(async () => {
      const any = Object.values(times).some(Boolean);
      if (!any) {
        await del('/account/reminders');
        setRem(null);
        return;
      }
      const r = await request('PUT', '/account/reminders', { tz: Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Berlin', ...times, via: rem?.via });
      setRem(r.reminders);
    }, tr('Erinnerungen gespeichert.', 'Reminders saved.'));
  };
  const stored = plan.lines.map((l) => ({ n: l.n, name: l.r.medicationCodeableConcept?.text || '', pzn: pznOf(l.r), dose: doseOf(l.r), reason: l.r.reasonCode?.[0]?.text }));
  return html`<h1 tabindex="-1">${tr('Medikationsplan', 'Medication plan')}</h1>
    <p>${tr('Der Plan wird nur auf diesem Gerät gelesen; der Server sieht nur verschlüsselte Daten und die Uhrzeiten Ihrer Erinnerungen.', 'The plan is read on this device only; the server sees encrypted data and the times of your reminders only.')}</p>
    <div role="alert" class=${err ? 'alert' : 'sr-only'}>${err}</div>
    <p role="status" aria-live="polite" class=${note ? 'status' : 'sr-only'}>${note}</p>
    ${!on && html`<p data-testid="medplan-off">${tr('Der Dienst „Medikationsplan“ ist aus. Schalten Sie ihn unter ', 'The “Medication plan” service is off. Switch it on under ')}<a href="/gesundheit">${tr('Impfungen und Vorsorge', 'Vaccinations and check-ups')}</a>${tr(' mit Ihrer Einwilligung ein.', ' with your consent.')}</p>`}
    ${on && html`<section class="card" aria-labelledby="scan-h">
      <h2 id="scan-h">${tr('Plan einlesen', 'Read a plan')}</h2>
      <p>${tr('Fotografieren Sie den Code (DataMatrix) oben rechts auf Ihrem Medikationsplan, oder wählen Sie ein Bild oder die XML-Datei des Plans.', 'Take a photo of the code (DataMatrix) at the top right of your medication plan, or choose an image or the plan’s XML file.')}</p>
      <label for="medplan-file">${tr('Bild oder XML des Plans', 'Image or XML of the plan')}</label>
      <input id="medplan-file" type="file" accept="image/*,.xml,application/xml" capture="environment" disabled=${busy} onChange=${scan} data-testid="medplan-file" />
      ${scanned && html`<${Lines} id="medplan-scanned" caption=${tr(`Gelesen: Plan ${scanned.decoded.version} von ${scanned.decoded.author}`, `Read: plan ${scanned.decoded.version} by ${scanned.decoded.author}`)} lines=${scanned.decoded.lines} />
        <p><button type="button" class="primary" disabled=${busy} onClick=${save}>${tr('Plan speichern', 'Save the plan')}</button>
          <button type="button" disabled=${busy} onClick=${() => setScanned(null)}>${tr('Verwerfen', 'Discard')}</button></p>`}
    </section>`}
    <section class="card" aria-labelledby="plan-h">
      <h2 id="plan-h">${tr('Ihr Plan', 'Your plan')}</h2>
      ${stored.length === 0 ? html`<p>${tr('Noch kein Medikationsplan gespeichert.', 'No medication plan stored yet.')}</p>` : html`
        <label for="medplan-slot">${tr('Tageszeit der Einnahme', 'Time of day of the intake')}</label>
        <select id="medplan-slot" value=${slot} onChange=${(e) => setSlot(e.target.value)}>${slots.map(([n, de, en]) => html`<option value=${n}>${tr(de, en)}</option>`)}</select>
        <${Lines} id="medplan-lines" caption=${tr('Zeilen des Plans', 'Lines of the plan')} lines=${stored} onTake=${on ? take : null} busy=${busy} />
        <p><button type="button" disabled=${busy} onClick=${remove}>${tr('Plan mit Protokoll löschen', 'Delete the plan with its log')}</button></p>`}
    </section>
    ${stored.length > 0 && html`<section class="card" aria-labelledby="log-h">
      <h2 id="log-h">${tr('Einnahmeprotokoll', 'Intake log')}</h2>
      ${plan.log.length === 0 ? html`<p>${tr('Noch keine Einnahme eingetragen.', 'No intake recorded yet.')}</p>` : html`<ul data-testid="medplan-log">
        ${plan.log.map((l) => html`<li data-line=${l.n}>${fmtDateTime(l.r.effectiveDateTime)} · ${l.r.medicationCodeableConcept?.text || ''}${l.r.dosage?.[0]?.text ? ' · ' + slotWord(l.r.dosage[0].text) : ''}</li>`)}
      </ul>`}
    </section>`}
    ${on && html`<section class="card" aria-labelledby="rem-h">
      <h2 id="rem-h">${tr('Erinnerungen', 'Reminders')}</h2>
      <p>${tr('Der Server erfährt nur die Uhrzeiten, nie ein Medikament. Leere Felder: keine Erinnerung.', 'The server learns the times only, never a medication. Empty fields: no reminder.')}</p>
      <form onSubmit=${saveTimes} data-testid="medplan-reminders">
        ${slots.map(([n, de, en]) => html`<p><label for=${'rem-' + n}>${tr(de, en)}</label><br />
          <input id=${'rem-' + n} type="time" value=${times[n]} onInput=${(e) => setTimes({ ...times, [n]: e.target.value })} /></p>`)}
        <p><button type="submit" class="primary" disabled=${busy}>${tr('Erinnerungen speichern', 'Save the reminders')}</button></p>
      </form>
      <p data-testid="medplan-reminders-state">${rem ? tr(`Eingestellt (${rem.tz}).`, `Set (${rem.tz}).`) : tr('Keine Erinnerungen eingestellt.', 'No reminders set.')}</p>
    </section>
    <${PushReminders} rem=${rem} setRem=${setRem} />`}`;
}

