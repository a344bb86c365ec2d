// Shares by link or access code (issue 15, decision 0042): the patient's
// page of shares (/geteilt: create, list with the view log, revoke, the
// access-code sheet) and the recipient's page (/freigabe: no account; the
// link's fragment or a typed code, and the password). The secret never
// leaves the browser: the share worker (cmd/akte-share-wasm, Go's
// client/core) derives the share's id, key and proof; only id and proof go
// to the server. Keys and content are opened with WebCrypto (seal.js).
import { h } from 'preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import htm from 'htm';
import { CoreError, assets } from './core.js';
import { goModule } from './goworker.js';
import { b64, unb64 } from './bytes.js';
import { get, post, del, inRecord, ApiError } from './api.js';
import { openSmall, slotAAD, wrapSlot, Decryptor, RangedReader } from './seal.js';
import { studyMediaType } from './cd.js';
import { Digester } from './digest.js';
import { lang, tr, fmtBytes, fmtDate, fmtDateTime, errorText, say } from './i18n.js';
import { here } from './router.js';

const html = htm.bind(h);

const VIA_SHARE = 3;
const ITEM_KEY = 7;
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const PROOF_HEADER = 'Akte-Share-Proof';

let shareCall;
// worker calls the share module, started on the first call.
async function worker(fn, arg) {
  shareCall ??= goModule(
    () => assets().shareWorker,
    () => assets().shareWasm,
    CoreError,
  );
  return (await shareCall(fn, arg)).ok;
}

function useTitle(title) {
  useEffect(() => {
    document.title = `${title} – Akte`;
    const h1 = document.querySelector('main h1');
    if (h1 && document.activeElement?.tagName !== 'INPUT') h1.focus({ preventScroll: false });
  }, [title, lang.value]);
}

const Alert = ({ text }) => html`<div role="alert" class=${text ? 'alert' : 'sr-only'}>${text}</div>`;
const Status = ({ text }) => html`<p role="status" aria-live="polite" class=${text ? 'status' : 'sr-only'}>${text}</p>`;

// newSecret draws a share's secret as the text that carries it: a link's
// fragment (32 random bytes, base64url) or an access code XXXX-XXXX-XXXX.
function newSecret(code) {
  if (code) {
    const r = crypto.getRandomValues(new Uint8Array(12));
    const c = Array.from(r, (b) => ALPHABET[b & 31]).join('');
    return `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8)}`;
  }
  return b64(crypto.getRandomValues(new Uint8Array(32))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const shareLink = (text) => `${location.origin}/freigabe#${text}`;

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// shareError says why a share did not open in the reason's words.
function shareError(e) {
  if (e instanceof ApiError && e.reason) return say(e.reason, e.params);
  return errorText(e);
}

// ---- the recipient ----

async function openShare(text, password) {
  const d = await worker('derive', { text, password });
  const resp = await fetch('/api/v1/shares/open', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ id: d.id, proof: d.proof }),
    credentials: 'omit',
  });
  if (!resp.ok) {
    let e = {};
    try {
      e = (await resp.json()).error;
    } catch {
      /* not our error shape */
    }
    throw new ApiError(resp.status, e.code || 'unavailable', e.message || `HTTP ${resp.status}`, e.reason, e.params);
  }
  const sh = await resp.json();
  if (sh.id !== d.id) throw new CoreError('crypto', 'the server answered for another share', 'server_answer_unexpected', { status: 200 });
  const key = unb64(d.key);
  const items = [];
  for (const it of sh.items) {
    const slot = unb64(it.slot);
    const ik = await openSmall(key, slotAAD(VIA_SHARE, ITEM_KEY, it.id), slot.subarray(4));
    const meta = JSON.parse(new TextDecoder().decode(await openSmall(ik, new TextEncoder().encode('akte v1 item meta ' + it.id), unb64(it.meta_sealed))));
    items.push({ id: it.id, size: it.size, key: ik, meta });
  }
  return { id: d.id, proof: d.proof, items };
}

// sharedBlob fetches and decrypts a shared item; nothing is returned
// unless the whole stream authenticated and its size and digest are the
// metadata's.
async function sharedBlob(share, it) {
  const resp = await fetch(`/api/v1/shares/${share.id}/items/${encodeURIComponent(it.id)}/content`, {
    headers: { Accept: 'application/octet-stream', [PROOF_HEADER]: share.proof },
    credentials: 'omit',
  });
  if (!resp.ok) throw new ApiError(resp.status, 'unavailable', `HTTP ${resp.status}`, resp.status === 429 ? 'rate_limited' : 'share_unavailable');
  const dec = new Decryptor(it.key);
  const dig = new Digester();
  const parts = [];
  let size = 0;
  const take = async (pts) => {
    for (const p of pts) {
      parts.push(new Blob([p]));
      size += p.length;
      await dig.push(p);
    }
  };
  const reader = resp.body.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    await take(await dec.push(r.value));
  }
  await take(await dec.finish());
  if (size !== it.meta.size || (it.meta.digest && (await dig.sum()) !== it.meta.digest)) {
    throw new CoreError('crypto', 'content does not match its digest', 'content_digest_mismatch', { item: it.id });
  }
  return new Blob(parts, { type: it.meta.media_type || 'application/octet-stream' });
}

// sharedRanges opens a shared item's content for reading at any offset
// (a DICOM study, issue 18 item 4): each range is one Range request with
// the share's proof, which must answer exactly the range asked.
function sharedRanges(share, it) {
  const fetchRange = async (from, to) => {
    const resp = await fetch(`/api/v1/shares/${share.id}/items/${encodeURIComponent(it.id)}/content`, {
      headers: { Accept: 'application/octet-stream', [PROOF_HEADER]: share.proof, Range: `bytes=${from}-${to - 1}` },
      credentials: 'omit',
    });
    const whole = resp.status === 200 && from === 0 && to === it.size;
    if (!whole && (resp.status !== 206 || !(resp.headers.get('Content-Range') || '').startsWith(`bytes ${from}-${to - 1}/`))) {
      throw new ApiError(resp.status, 'unavailable', `HTTP ${resp.status}`, 'server_answer_unexpected', { status: resp.status });
    }
    const body = new Uint8Array(await resp.arrayBuffer());
    if (body.length !== to - from) throw new ApiError(resp.status, 'unavailable', 'cut short', 'connection_lost');
    return body;
  };
  return RangedReader.open(it.key, fetchRange, it.meta.size, it.size);
}

// SharedStudy shows a shared DICOM study in the app's viewer (web/src/
// dicomview.js), loaded only now, reading the study by ranges.
function SharedStudy({ share, it }) {
  const ref = useRef(null);
  const [status, setStatus] = useState(tr('Der Viewer wird geladen …', 'Loading the viewer …'));
  const [err, setErr] = useState('');
  useEffect(() => {
    let stop;
    let gone = false;
    (async () => {
      const [view, reader] = await Promise.all([import(assets().dicomView), sharedRanges(share, it)]);
      if (gone) return;
      const s = await view.mount(ref.current, { reader, tr, assets: assets(), title: it.meta.title });
      if (gone) s();
      else stop = s;
      setStatus('');
    })().catch((e) => {
      setStatus('');
      setErr(e?.reason ? shareError(e) : tr('Diese Bilder lassen sich hier nicht darstellen. Laden Sie sie herunter.', 'These images cannot be shown here. Download them.'));
    });
    return () => {
      gone = true;
      stop?.();
    };
  }, [it.id, lang.value]);
  return html`<${Status} text=${status} /><${Alert} text=${err} /><div ref=${ref} data-testid="study-viewer"></div>`;
}

// SharePage is the recipient's page: the link's fragment (or a typed
// access code) and the password open the share; its documents are shown
// and downloaded, decrypted in this browser.
export function SharePage() {
  const fromLink = here.value.hash;
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const [share, setShare] = useState(null);
  const [status, setStatus] = useState('');
  const [viewing, setViewing] = useState(null); // the id of the study shown
  useTitle(share ? tr('Freigegebene Dokumente', 'Shared documents') : tr('Freigabe öffnen', 'Open a share'));
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    setStatus(tr('Die Freigabe wird geöffnet …', 'Opening the share …'));
    try {
      setShare(await openShare(fromLink || code, password));
      setStatus('');
    } catch (x) {
      setStatus('');
      setErr(shareError(x));
    } finally {
      setBusy(false);
    }
  };
  const save = async (it) => {
    setErr('');
    setStatus(tr(`„${it.meta.title}“ wird entschlüsselt …`, `Decrypting “${it.meta.title}” …`));
    try {
      download(await sharedBlob(share, it), it.meta.file_name || it.id);
      setStatus(tr(`„${it.meta.title}“ heruntergeladen.`, `“${it.meta.title}” downloaded.`));
    } catch (x) {
      setStatus('');
      setErr(shareError(x));
    }
  };
  if (share) {
    return html`<h1 tabindex="-1">${tr('Freigegebene Dokumente', 'Shared documents')}</h1>
      <p>${tr('Die Dokumente wurden in diesem Browser entschlüsselt. Der Server kennt ihren Inhalt nicht.', 'The documents were decrypted in this browser. The server does not know their content.')}</p>
      <${Alert} text=${err} /><${Status} text=${status} />
      <ul class="docs" data-testid="shared-items">
        ${share.items.map(
          (it) => html`<li class="doc" key=${it.id}>
            <div><strong>${it.meta.title}</strong>
              <p class="meta">${[it.meta.type, it.meta.date && fmtDate(it.meta.date), it.meta.source, fmtBytes(it.meta.size)].filter(Boolean).join(' · ')}</p></div>
            <div class="actions">
              ${it.meta.media_type === studyMediaType &&
              html`<button type="button" aria-expanded=${viewing === it.id ? 'true' : 'false'} onClick=${() => setViewing(viewing === it.id ? null : it.id)}>${tr(`Ansehen: ${it.meta.title}`, `View: ${it.meta.title}`)}</button>`}
              <button type="button" onClick=${() => save(it)} aria-label=${tr(`„${it.meta.title}“ herunterladen`, `Download “${it.meta.title}”`)}>${tr('Herunterladen', 'Download')}</button>
            </div>
            ${viewing === it.id && html`<${SharedStudy} share=${share} it=${it} />`}
          </li>`,
        )}
      </ul>
      ${share.items.length === 0 && html`<p>${tr('Diese Freigabe enthält keine Dokumente mehr.', 'This share holds no documents any more.')}</p>`}`;
  }
  return html`<h1 tabindex="-1">${tr('Freigabe öffnen', 'Open a share')}</h1>
    <p>${fromLink
      ? tr('Ihnen wurden Dokumente freigegeben. Wenn Sie dazu ein Passwort erhalten haben, geben Sie es ein.', 'Documents were shared with you. If you received a password for them, enter it.')
      : tr('Geben Sie den Zugangscode ein, den Sie erhalten haben (zum Beispiel auf einem Blatt oder einer CD), und das Passwort, falls Sie eines erhalten haben.', 'Enter the access code you received (for example on a sheet or a CD), and the password if you received one.')}</p>
    <form onSubmit=${submit}>
      ${!fromLink &&
      html`<div class="field"><label for="share-code">${tr('Zugangscode', 'Access code')}</label>
        <p class="hint" id="share-code-hint">${tr('12 Zeichen, z. B. ABCD-EFGH-JKMN', '12 characters, e.g. ABCD-EFGH-JKMN')}</p>
        <input id="share-code" name="code" value=${code} onInput=${(e) => setCode(e.currentTarget.value)} required autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="share-code-hint" /></div>`}
      <div class="field"><label for="share-password">${tr('Passwort der Freigabe', 'Share password')}</label>
        <p class="hint" id="share-password-hint">${tr('Leer lassen, wenn Sie keines erhalten haben.', 'Leave empty if you received none.')}</p>
        <input id="share-password" name="share-password" type="password" value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} autocomplete="off" aria-describedby="share-password-hint" /></div>
      <${Alert} text=${err} /><${Status} text=${status} />
      <button type="submit" class="primary" disabled=${busy} aria-busy=${busy ? 'true' : undefined}>${tr('Öffnen', 'Open')}</button>
    </form>`;
}

// ---- the patient ----

const stateName = (s) => ({ open: tr('gültig', 'open'), expired: tr('abgelaufen', 'expired'), revoked: tr('widerrufen', 'revoked'), locked: tr('gesperrt (falsche Passwörter)', 'locked (wrong passwords)') })[s] || s;

const plusDays = (n) => {
  const d = new Date();
  d.setDate(d.getDate() + n);
  return d.toISOString().slice(0, 10);
};

// sheetPDF prints the access-code sheet of a code share.
async function sheetPDF(made, count) {
  const pdf = await worker('sheet', {
    code: made.code,
    link: made.link,
    server: `${location.origin}/freigabe`,
    expires: made.share.expires_at,
    items: count,
    password: made.share.password,
    lang: lang.value,
    offset: -new Date().getTimezoneOffset(),
  });
  return new Blob([unb64(pdf)], { type: 'application/pdf' });
}

// SharesPage is the patient's page of shares. items are the record's
// documents as the record page opened them ([{item, key, meta}]); chosen,
// if set, is preselected (?dokument=ID).
export function SharesPage({ items = [], onLoad }) {
  const [shares, setShares] = useState(null);
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const pre = here.value.query.get('dokument');
  const [chosen, setChosen] = useState(pre ? [pre] : []);
  const [code, setCode] = useState(false);
  const [noPassword, setNoPassword] = useState(false);
  const [password, setPassword] = useState('');
  const [expires, setExpires] = useState(plusDays(14));
  const [made, setMade] = useState(null);
  useTitle(tr('Geteilt', 'Shared'));
  const load = () => get(inRecord('/shares')).then(setShares, (e) => setErr(errorText(e)));
  useEffect(() => {
    load();
    onLoad?.();
  }, []);
  const title = (id) => items.find((x) => x.item.id === id)?.meta?.title || id;
  const toggle = (id) => setChosen(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
  const create = async (e) => {
    e.preventDefault();
    setErr('');
    setMade(null);
    if (!chosen.length) return setErr(tr('Bitte wählen Sie mindestens ein Dokument.', 'Please choose at least one document.'));
    if (!noPassword && password.length < 8) return setErr(tr('Das Passwort braucht mindestens 8 Zeichen (oder wählen Sie „ohne Passwort“).', 'The password needs at least 8 characters (or choose “without a password”).'));
    setBusy(true);
    setStatus(tr('Die Freigabe wird verschlüsselt …', 'Encrypting the share …'));
    try {
      const text = newSecret(code);
      const d = await worker('derive', { text, password: noPassword ? '' : password });
      const key = unb64(d.key);
      const slots = [];
      for (const id of chosen) {
        const x = items.find((y) => y.item.id === id);
        if (!x?.key) throw new CoreError('crypto', 'item key unopenable', 'item_key_unopenable', { item: id });
        slots.push({ id, slot: b64(await wrapSlot(VIA_SHARE, key, ITEM_KEY, id, unb64(x.key))) });
      }
      const end = new Date(expires + 'T00:00:00');
      end.setDate(end.getDate() + 1); // through the whole day named
      const share = await post(inRecord('/shares'), { id: d.id, code, password: !noPassword, expires_at: end.toISOString(), proof: d.proof, items: slots });
      setMade({ share, link: shareLink(text), code: code ? text : '' });
      setPassword('');
      setStatus(tr('Freigabe erstellt.', 'Share made.'));
      load();
    } catch (x) {
      setStatus('');
      setErr(shareError(x));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (s) => {
    setErr('');
    try {
      await del(inRecord('/shares/' + encodeURIComponent(s.id)));
      setStatus(tr('Freigabe widerrufen.', 'Share revoked.'));
      load();
    } catch (x) {
      setErr(shareError(x));
    }
  };
  const sheet = async () => {
    try {
      download(await sheetPDF(made, made.share.items.length), 'zugangscode.pdf');
    } catch (x) {
      setErr(shareError(x));
    }
  };
  return html`<h1 tabindex="-1">${tr('Geteilt', 'Shared')}</h1>
    <p>${tr('Geben Sie einzelne Dokumente per Link oder Zugangscode weiter, zum Beispiel für eine Zweitmeinung. Wer den Link oder Code und das Passwort hat, kann sie ohne Konto öffnen, bis die Freigabe abläuft oder Sie sie widerrufen. Nach 10 falschen Passwörtern wird sie gesperrt.', 'Pass on single documents by link or access code, for example for a second opinion. Whoever has the link or code and the password can open them without an account, until the share expires or you revoke it. After 10 wrong passwords it locks.')}</p>
    <${Alert} text=${err} /><${Status} text=${status} />
    ${made &&
    html`<section class="card" aria-labelledby="made-h">
      <h2 id="made-h">${made.code ? tr('Zugangscode', 'Access code') : tr('Link der Freigabe', 'Share link')}</h2>
      ${made.code
        ? html`<p class="code" data-testid="share-code">${made.code}</p>
            <p>${tr('Adresse zum Öffnen:', 'Address to open it:')} ${location.origin}/freigabe</p>
            <button type="button" onClick=${sheet}>${tr('Zugangscode-Blatt herunterladen (PDF)', 'Download the access-code sheet (PDF)')}</button>`
        : html`<p class="break" data-testid="share-link">${made.link}</p>
            <button type="button" onClick=${() => navigator.clipboard?.writeText(made.link)}>${tr('Link kopieren', 'Copy link')}</button>`}
      ${made.share.password && html`<p>${tr('Geben Sie das Passwort auf einem anderen Weg weiter (zum Beispiel am Telefon).', 'Pass the password on another way (by phone, for example).')}</p>`}
    </section>`}
    <section aria-labelledby="new-h">
      <h2 id="new-h">${tr('Neue Freigabe', 'New share')}</h2>
      <form onSubmit=${create}>
        <fieldset><legend>${tr('Dokumente', 'Documents')}</legend>
          ${items.length === 0 && html`<p>${tr('Ihre Akte enthält noch keine Dokumente.', 'Your record holds no documents yet.')}</p>`}
          ${items.filter((x) => x.key).map(
            (x) => html`<div class="field check" key=${x.item.id}><input type="checkbox" id=${'sh-' + x.item.id} checked=${chosen.includes(x.item.id)} onChange=${() => toggle(x.item.id)} />
              <label for=${'sh-' + x.item.id}>${x.meta?.title || x.item.id}</label></div>`,
          )}
        </fieldset>
        <fieldset><legend>${tr('Art', 'Kind')}</legend>
          <div class="field check"><input type="radio" name="sh-kind" id="sh-link" checked=${!code} onChange=${() => setCode(false)} /><label for="sh-link">${tr('Link', 'Link')}</label></div>
          <div class="field check"><input type="radio" name="sh-kind" id="sh-code" checked=${code} onChange=${() => setCode(true)} /><label for="sh-code">${tr('Zugangscode zum Ausdrucken', 'Access code to print')}</label></div>
        </fieldset>
        <div class="field check"><input type="checkbox" id="sh-nopw" checked=${noPassword} onChange=${() => setNoPassword(!noPassword)} /><label for="sh-nopw">${tr('ohne Passwort', 'without a password')}</label></div>
        ${!noPassword &&
        html`<div class="field"><label for="sh-pw">${tr('Passwort der Freigabe', 'Share password')}</label>
          <p class="hint" id="sh-pw-hint">${tr('Mindestens 8 Zeichen; nicht Ihr Konto-Passwort.', 'At least 8 characters; not your account password.')}</p>
          <input id="sh-pw" type="password" value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} autocomplete="new-password" aria-describedby="sh-pw-hint" /></div>`}
        <div class="field"><label for="sh-exp">${tr('Gültig bis einschließlich', 'Valid through')}</label>
          <input id="sh-exp" type="date" value=${expires} min=${plusDays(0)} max=${plusDays(365)} onInput=${(e) => setExpires(e.currentTarget.value)} required /></div>
        <button type="submit" class="primary" disabled=${busy} aria-busy=${busy ? 'true' : undefined}>${tr('Freigeben', 'Share')}</button>
      </form>
    </section>
    <section aria-labelledby="list-h">
      <h2 id="list-h">${tr('Ihre geteilten Links und Codes', 'Your links and codes')}</h2>
      ${shares === null
        ? html`<${Status} text=${tr('Wird geladen …', 'Loading …')} />`
        : shares.length === 0
          ? html`<p>${tr('Sie haben noch nichts freigegeben.', 'You have not shared anything yet.')}</p>`
          : html`<ul class="docs" data-testid="shares">
              ${shares.map(
                (s) => html`<li class="doc" key=${s.id} data-share=${s.id}>
                  <div><strong>${s.items.map(title).join(', ')}</strong>
                    <p class="meta">${[s.code ? tr('Zugangscode', 'Access code') : tr('Link', 'Link'), stateName(s.state), tr('bis ', 'until ') + fmtDateTime(s.expires_at)].join(' · ')}</p>
                    <p class="meta">${s.views.length
                      ? tr(`Geöffnet: ${s.views.map(fmtDateTime).join(', ')}`, `Opened: ${s.views.map(fmtDateTime).join(', ')}`)
                      : tr('Noch nicht geöffnet', 'Not opened yet')}${s.failures ? tr(` · falsche Passwörter: ${s.failures}`, ` · wrong passwords: ${s.failures}`) : ''}</p></div>
                  ${s.state === 'open' && html`<button type="button" onClick=${() => revoke(s)} aria-label=${tr(`Freigabe von ${s.items.map(title).join(', ')} widerrufen`, `Revoke the share of ${s.items.map(title).join(', ')}`)}>${tr('Widerrufen', 'Revoke')}</button>`}
                </li>`,
              )}
            </ul>`}
    </section>`;
}
