// Export and import of the whole record in the web app (issue 16, items 3
// and 4; decisions 0039, 0049): the page /export. The archive is made and
// read by the Go code of `akte export` and `akte import`, compiled to its
// own WebAssembly module (cmd/akte-export-wasm) that the core's worker
// starts on the first use and hands the record's key (core.call('export.*')),
// so the archive is the CLI's to the byte format: a ZIP (bundle.json,
// files/, protocol/, report.pdf), age-encrypted with a passphrase.
//
// The export streams to the file the person chooses where the browser
// offers a file picker (showSaveFilePicker: Chromium): memory stays flat
// for any size. Elsewhere the archive is collected in a Blob and offered as
// a download, which the browser holds in memory (or its own temporary
// storage): the page says so and advises the CLI for records over 1 GiB.
import { h } from 'preact';
import { useState, useRef } from 'preact/hooks';
import htm from 'htm';
import * as core from './core.js';
import { get, currentRecord } from './api.js';
import { tr, lang, errorText, fmtBytes } from './i18n.js';
import { pin, keepPin } from './audit.js';
import { session, useTitle, Field, Alert, Status, Busy, reloadRecord } from './app.js';

const html = htm.bind(h);

// The shortest passphrase (archive.MinPassphrase; the Go module checks it
// again with the reason passphrase_too_short).
const MIN = 12;
// Above this, the download without a file picker is advised against.
const BLOB_LIMIT = 1 << 30;

const seenKey = (rid) => 'akte.manifest.' + rid;
const seenOf = (rid) => Number(localStorage.getItem(seenKey(rid)) || 0);
function see(rid, counter) {
  if (counter > seenOf(rid)) localStorage.setItem(seenKey(rid), String(counter));
}


// keyArgs is what the worker needs to open the record: the user master
// key's handle and the record (a represented record's key opens with the
// account's private key).
async function keyArgs() {
  const s = session.value;
  const rec = await get('/records/' + encodeURIComponent(currentRecord()));
  if (rec.rmk_slot) rec.private_key_by_umk = s.keys.private_key_by_umk;
  return { umk: s.umk, record: rec };
}

const today = () => new Date().toISOString().slice(0, 10);

// pickFile asks where to save (Chromium), or null where the browser has
// no picker; a cancelled picker is an AbortError.
async function pickFile(encrypted) {
  if (typeof window.showSaveFilePicker !== 'function') return null;
  const name = `akte-export-${today()}${encrypted ? '.zip.age' : '.zip'}`;
  return window.showSaveFilePicker({
    suggestedName: name,
    types: [encrypted ? { description: tr('Verschlüsseltes Archiv (age)', 'Encrypted archive (age)'), accept: { 'application/octet-stream': ['.age'] } }
      : { description: tr('ZIP-Archiv', 'ZIP archive'), accept: { 'application/zip': ['.zip'] } }],
  });
}

function Progress({ done, total, label }) {
  if (total == null) return html`<p data-testid="progress-text">${label}</p><progress aria-label=${label}></progress>`;
  const pct = total ? Math.min(100, Math.floor((100 * done) / total)) : 100;
  return html`<p data-testid="progress-text">${label}</p>
    <progress aria-label=${label} max="100" value=${pct}>${pct} %</progress>`;
}

function Export() {
  const [p1, setP1] = useState('');
  const [p2, setP2] = useState('');
  const [plain, setPlain] = useState(false);
  const [sure, setSure] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const [fieldErr, setFieldErr] = useState({});
  const [status, setStatus] = useState('');
  const [prog, setProg] = useState(null);
  const picker = typeof window.showSaveFilePicker === 'function';
  const submit = async (e) => {
    e.preventDefault();
    setErr('');
    setStatus('');
    const fe = {};
    if (!plain) {
      if ([...p1].length < MIN) fe.p1 = tr(`Mindestens ${MIN} Zeichen.`, `At least ${MIN} characters.`);
      else if (p1 !== p2) fe.p2 = tr('Die beiden Eingaben stimmen nicht überein.', 'The two entries differ.');
    } else if (!sure) fe.sure = tr('Bitte bestätigen Sie, dass das Archiv unverschlüsselt gespeichert werden soll.', 'Please confirm that the archive is to be saved unencrypted.');
    setFieldErr(fe);
    if (Object.keys(fe).length) {
      document.getElementById(fe.p1 ? 'exp-p1' : fe.p2 ? 'exp-p2' : 'exp-sure')?.focus();
      return;
    }
    let handle = null;
    try {
      handle = await pickFile(!plain);
    } catch (e2) {
      if (e2.name === 'AbortError') return; // the person closed the picker
      handle = null;
    }
    setBusy(true);
    setProg({ done: 0, total: null });
    try {
      const rid = currentRecord();
      const s = session.value;
      const kept = await pin(s.account.account_id);
      const arg = { ...(await keyArgs()), lang: lang.value, seen: seenOf(rid), audit_key: kept?.key || '', audit_last: kept?.signed || '',
        passphrase: plain ? '' : p1, unencrypted: plain, handle };
      const r = await core.call('export.run', arg, (done, total) => setProg({ done, total }));
      see(rid, r.seen);
      if (r.audit_key) await keepPin(s.account.account_id, { key: r.audit_key, signed: r.audit_signed });
      if (r.blob) {
        const a = document.createElement('a');
        a.href = URL.createObjectURL(r.blob);
        a.download = `akte-export-${today()}${plain ? '.zip' : '.zip.age'}`;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
      }
      setP1('');
      setP2('');
      setStatus(tr(`Exportiert: ${r.documents} Dokumente, ${r.entries} Einträge, ${fmtBytes(r.bytes)}${plain ? ' (unverschlüsselt)' : ', mit Ihrer Passphrase verschlüsselt'}.`,
        `Exported: ${r.documents} documents, ${r.entries} entries, ${fmtBytes(r.bytes)}${plain ? ' (unencrypted)' : ', encrypted with your passphrase'}.`));
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
      setProg(null);
    }
  };
  return html`<section class="card" aria-labelledby="exp-h" data-testid="export">
    <h2 id="exp-h">${tr('Akte exportieren', 'Export the record')}</h2>
    <p>${tr('Ein Archiv mit allen Dokumenten als Originaldateien, ihrer Beschreibung als FHIR-R4-Bundle, dem geprüften Protokoll und einem druckbaren PDF-Bericht. Es lässt sich ohne Akte lesen (entschlüsseln: age -d DATEI > akte.zip) und in ein Konto auf diesem oder einem anderen Akte-Server importieren.',
      'An archive with every document as its original file, their description as a FHIR R4 bundle, the verified protocol and a printable PDF report. It can be read without Akte (decrypt: age -d FILE > record.zip) and imported into an account on this or another Akte server.')}</p>
    ${!picker && html`<p class="hint" data-testid="no-picker">${tr('Dieser Browser speichert das Archiv erst vollständig, dann als Download. Für Akten über 1 GB nutzen Sie einen Chromium-Browser (Chrome, Edge), der direkt in die Datei schreibt, oder die Kommandozeile (akte export).',
      'This browser keeps the whole archive first, then offers it as a download. For records over 1 GB use a Chromium browser (Chrome, Edge), which writes straight to the file, or the command line (akte export).')}</p>`}
    <${Alert} text=${err} />
    <form onSubmit=${submit} noValidate>
      ${!plain && html`
        <${Field} label=${tr('Passphrase für das Archiv', 'Passphrase for the archive')} name="exp-p1" type="password" value=${p1} onInput=${setP1} autocomplete="new-password"
          hint=${tr(`Mindestens ${MIN} Zeichen. Ohne sie lässt sich das Archiv nicht öffnen; Akte kann sie nicht wiederherstellen.`, `At least ${MIN} characters. Without it the archive cannot be opened; Akte cannot recover it.`)} error=${fieldErr.p1} disabled=${busy} />
        <${Field} label=${tr('Passphrase wiederholen', 'Repeat the passphrase')} name="exp-p2" type="password" value=${p2} onInput=${setP2} autocomplete="new-password" error=${fieldErr.p2} disabled=${busy} />`}
      <div class="field check">
        <input id="exp-plain" type="checkbox" checked=${plain} disabled=${busy} onChange=${(e) => (setPlain(e.currentTarget.checked), setSure(false), setFieldErr({}))} />
        <label for="exp-plain">${tr('Ohne Verschlüsselung exportieren (nicht empfohlen)', 'Export without encryption (not recommended)')}</label>
      </div>
      ${plain && html`<div class="alert" role="alert" data-testid="plain-warning">
          <p>${tr('Achtung: Das Archiv wird unverschlüsselt gespeichert. Wer die Datei hat – auf diesem Gerät, in einer Cloud-Ablage, auf einem verlorenen USB-Stick –, liest Ihre Gesundheitsdaten.',
            'Careful: the archive is saved unencrypted. Whoever has the file – on this device, in cloud storage, on a lost USB stick – reads your health data.')}</p>
          <div class="field check">
            <input id="exp-sure" type="checkbox" checked=${sure} disabled=${busy} onChange=${(e) => setSure(e.currentTarget.checked)}
              aria-invalid=${fieldErr.sure ? 'true' : undefined} aria-describedby=${fieldErr.sure ? 'exp-sure-err' : undefined} />
            <label for="exp-sure">${tr('Ich verstehe das und möchte das Archiv trotzdem unverschlüsselt speichern.', 'I understand and want to save the archive unencrypted all the same.')}</label>
          </div>
          ${fieldErr.sure && html`<p class="error" id="exp-sure-err">${fieldErr.sure}</p>`}
        </div>`}
      <${Busy} busy=${busy}>${tr('Archiv speichern …', 'Save the archive …')}<//>
    </form>
    ${prog && html`<${Progress} done=${prog.done} total=${prog.total}
      label=${prog.total == null ? tr('Export wird vorbereitet: Liste, Prüfung und Protokoll …', 'Preparing the export: list, checks and protocol …')
        : tr(`Exportiert: ${fmtBytes(prog.done)} von ${fmtBytes(prog.total)}`, `Exported: ${fmtBytes(prog.done)} of ${fmtBytes(prog.total)}`)} />`}
    <${Status} text=${status} />
  </section>`;
}

function Import() {
  const [file, setFile] = useState(null);
  const [pass, setPass] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [prog, setProg] = useState(null);
  const input = useRef(null);
  const submit = async (e) => {
    e.preventDefault();
    setErr('');
    setStatus('');
    if (!file) {
      setErr(tr('Bitte wählen Sie ein Archiv.', 'Please choose an archive.'));
      input.current?.focus();
      return;
    }
    setBusy(true);
    setProg({ phase: 'check' });
    try {
      const rid = currentRecord();
      const r = await core.call('export.import', { ...(await keyArgs()), seen: seenOf(rid), passphrase: pass, file }, (p) => setProg(p));
      see(rid, r.seen);
      setPass('');
      setStatus(tr(`Importiert: ${r.added.length} neu übernommen, ${r.skipped} schon vorhanden (das Archiv enthält ${r.documents} Dokumente und ${r.entries} Einträge).`,
        `Imported: ${r.added.length} added, ${r.skipped} already there (the archive holds ${r.documents} documents and ${r.entries} entries).`));
      await reloadRecord();
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
      setProg(null);
    }
  };
  const label = (p) =>
    p.phase === 'check'
      ? tr('Das ganze Archiv wird geprüft, bevor etwas übernommen wird …', 'The whole archive is checked before anything is imported …')
      : tr(`Übernehme ${p.index} von ${p.count}: ${p.title}`, `Importing ${p.index} of ${p.count}: ${p.title}`);
  return html`<section class="card" aria-labelledby="imp-h" data-testid="import">
    <h2 id="imp-h">${tr('Archiv importieren', 'Import an archive')}</h2>
    <p>${tr('Übernimmt ein Archiv von „Akte exportieren“ (oder akte export) in Ihre Akte, auch von einem anderen Server, etwa beim Wechsel der Krankenkasse. Das ganze Archiv wird zuerst geprüft; ein beschädigtes oder fremdes Archiv wird abgelehnt, und nichts ändert sich. Was Ihre Akte schon enthält, wird übersprungen: Ein zweiter Import fügt nichts hinzu.',
      'Brings an archive of “Export the record” (or akte export) into your record, also from another server, for instance when you change insurer. The whole archive is checked first; a damaged or foreign archive is refused, and nothing changes. What your record holds already is skipped: a second import adds nothing.')}</p>
    <${Alert} text=${err} />
    <form onSubmit=${submit} noValidate>
      <div class="field">
        <label for="imp-file">${tr('Archiv', 'Archive')}</label>
        <input id="imp-file" name="imp-file" type="file" ref=${input} accept=".age,.zip,application/zip,application/octet-stream" disabled=${busy}
          onChange=${(e) => setFile(e.currentTarget.files[0] || null)} />
      </div>
      <${Field} label=${tr('Passphrase des Archivs', 'Passphrase of the archive')} name="imp-pass" type="password" value=${pass} onInput=${setPass} autocomplete="off" required=${false}
        hint=${tr('Leer lassen bei einem unverschlüsselten Archiv.', 'Leave empty for an unencrypted archive.')} disabled=${busy} />
      <${Busy} busy=${busy}>${tr('Importieren', 'Import')}<//>
    </form>
    ${prog && html`<${Progress} done=${prog.done} total=${prog.phase === 'check' ? null : prog.size} label=${label(prog)} />`}
    <${Status} text=${status} />
  </section>`;
}

// ExportPage is /export: both, and the way back to the settings.
export function ExportPage() {
  useTitle(tr('Export und Import', 'Export and import'));
  return html`<h1 tabindex="-1">${tr('Export und Import', 'Export and import')}</h1>
    <p>${tr('Ihr Recht auf Datenübertragbarkeit (Art. 20 DSGVO): Ihre ganze Akte als Archiv, das Sie behalten, mitnehmen und woanders importieren können. Das Archiv entsteht in diesem Browser; der Server sieht nur verschlüsselte Daten.',
      'Your right to data portability (GDPR Art. 20): your whole record as an archive to keep, take along and import elsewhere. The archive is made in this browser; the server sees encrypted data only.')}</p>
    <${Export} />
    <${Import} />
    <p><a href="/einstellungen">${tr('Zurück zu den Einstellungen', 'Back to the settings')}</a></p>`;
}
