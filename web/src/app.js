// The Akte web app: a thin preact UI over the Go client core (core.js, in
// a worker) and WebCrypto streams (seal.js). German first, English by the
// switch in the header. Pages have paths kept with the History API
// (router.js; docs/decisions/0025-web-router.md), and the server answers
// every such path with this one page. See docs/decisions/0006-web-app.md.
import { h, render, Fragment } from 'preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import { signal, computed } from '@preact/signals';
import htm from 'htm';
import * as core from './core.js';
import { b64, unb64 } from './bytes.js';
import { get, post, del, request, setUnauthenticatedHandler, setRecord, inRecord, recordPath, currentRecord, ApiError } from './api.js';
import { upload, download, expect, rangedContent } from './transfer.js';
import { checkManifest, updateManifest } from './manifest.js';
import { lang, setLang, tr, fmtBytes, fmtDate, fmtDateTime, errorText, fail, say } from './i18n.js';
import { totpCode } from './totp.js';
import { passkeysSupported, createPasskey, getPasskey } from './passkey.js';
import { here, navigate, back, match } from './router.js';
import * as audit from './audit.js';
import { scan as cdScan, studyFile, studyMediaType } from './cd.js';
import { has } from './catalog.js';
import * as health from './health.js';
import { AppsPage, fileInbox } from './apps.js';
import { DonationPage } from './donation.js';
import { MedPlan } from './medplan.js';
import { EmergencyPage } from './emergency.js';
import { dropAll as dropPush } from './pushnote.js';
import { Grants, GrantedRecords } from './grants.js';
import { RegistrationConsents, PrivacyLink, PrivacyPage, ConsentsPage, serviceGiven, serviceWithdrawn } from './consent.js';
import { SharePage, SharesPage } from './share.js';
import { ExportPage } from './export.js';

const html = htm.bind(h);

// ---- state ----

// session: { account, umk, keys, kdf } while logged in and unlocked. umk
// is a handle: the UMK itself lives only in the core's worker, for the
// tab's life (docs/decisions/0020-browser-keys-in-worker.md). A reload
// loses it; then locked holds { account } of the live session and the
// unlock page asks for the password again. sessionStorage keeps only the
// e-mail of this tab's session (akte.session), no key material.
const session = signal(null);
const locked = signal(null);
const booting = signal(true);
const flash = signal(''); // a message for the next page (e.g. "session expired")
const devMailbox = signal(false);

function deviceId() {
  let id = localStorage.getItem('akte.device');
  if (!id) {
    const b = crypto.getRandomValues(new Uint8Array(16));
    id = 'web-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    localStorage.setItem('akte.device', id);
  }
  return id;
}
function deviceName() {
  const ua = navigator.userAgent;
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : 'Web';
  const br = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom/.test(ua) ? 'Chromium' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return `${br} (${os})`;
}

// What this browser remembers of the server's answers, so that a server
// that goes back is noticed (docs/crypto.md, "Malicious server"): the
// Argon2id parameters last used per account, by e-mail (prelogin is asked
// by e-mail), and the highest category key versions per record. Neither is
// secret; both outlive the session. The Go core compares (split,
// keyVersions); the page only keeps them.
const emailKey = (email) => email.trim().toLowerCase();
const kdfKey = (email) => 'akte.kdf.' + emailKey(email);
const remembered = (key) => {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
};
const useKDF = (email, kdf) => localStorage.setItem(kdfKey(email), JSON.stringify(kdf));

function enterSession(account, keys, kdf, umk) {
  session.value = { account, keys, kdf, umk };
  setRecord(account.record_id);
  representing.value = '';
  recordList.value = null;
  accepted.value = '';
  locked.value = null;
  sessionStorage.setItem('akte.session', emailKey(account.email));
  takeLang(account);
}

// The app speaks the account's language (decision 0031): after a login on
// any device it is the one last chosen. A language switched in this tab
// before the login is the newer choice and goes to the account instead.
let langSwitched = false;
function takeLang(account) {
  if (langSwitched && account.lang !== lang.value) saveLang(lang.value).catch(() => {});
  else setLang(account.lang);
  langSwitched = false;
}

// chooseLang is the patient's choice of language (the header's switch,
// the settings): the app follows at once, the account when there is one.
async function chooseLang(l) {
  setLang(l);
  if (session.value) await saveLang(l);
  else langSwitched = true;
}

// saveLang keeps the language with the account; a failure leaves the app
// in it and the account as it was (the settings page shows the account's).
async function saveLang(l) {
  const account = await request('PATCH', '/account', { lang: l });
  if (session.value) session.value = { ...session.value, account };
}

// leaveSession ends the tab's session and shows the login page; with stay
// the page keeps its address, so that a session that ended asks for the
// login and then returns to it (App).
function leaveSession(message = '', { stay = false } = {}) {
  if (session.value) core.call('forget', { handle: session.value.umk }).catch(() => {});
  session.value = null;
  setRecord('');
  representing.value = '';
  recordList.value = null;
  accepted.value = '';
  locked.value = null;
  sessionStorage.removeItem('akte.session');
  // The next login (maybe of another account) shows nothing of this one.
  record.value = null;
  items.value = [];
  recordFilter.value = noFilter;
  protocol.value = null;
  flash.value = message;
  if (!stay) navigate('/anmelden');
}

setUnauthenticatedHandler((msg) => {
  if (session.value || locked.value) leaveSession(tr('Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.', 'Your session has ended. Please log in again.'), { stay: true });
});

async function boot() {
  // The WebAssembly core (1.3 MB) compiles in its worker; start it once the
  // first page is painted and the browser is idle, so that it does not
  // compete with the first paint. A form submitted earlier waits for it.
  const startCore = () => core.start().catch(() => {});
  if (globalThis.requestIdleCallback) requestIdleCallback(startCore, { timeout: 1500 });
  else setTimeout(startCore, 200);
  get('/dev/mailbox', { quiet401: true }).then(() => (devMailbox.value = true), () => {});
  // A reload of a tab with a live session: the UMK went with the old
  // worker, so the unlock page asks for the password (not the TOTP code).
  // The account must be the one this tab logged in to: its e-mail selects
  // the Argon2id parameters remembered (a server that answers with another
  // account's would escape that memory).
  const email = sessionStorage.getItem('akte.session');
  if (email) {
    try {
      const account = await get('/account', { quiet401: true });
      expect('account', email, emailKey(account.email));
      locked.value = { account };
      setLang(account.lang);
    } catch {
      sessionStorage.removeItem('akte.session');
    }
  }
  booting.value = false;
}

// ---- small components ----

function useTitle(title) {
  useEffect(() => {
    document.title = `${title} – Akte`;
    // Move focus to the new page's heading, so screen readers announce it.
    const h1 = document.querySelector('main h1');
    if (h1 && document.activeElement?.tagName !== 'INPUT') h1.focus({ preventScroll: false });
  }, [title, lang.value]);
}

let fieldSeq = 0;
function Field({ label, hint, error, type = 'text', value, onInput, autocomplete, required = true, inputmode, pattern, name, ...rest }) {
  const id = useRef(name || `f${++fieldSeq}`).current;
  const describe = [hint && `${id}-hint`, error && `${id}-err`].filter(Boolean).join(' ') || undefined;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${hint && html`<p class="hint" id=${id + '-hint'}>${hint}</p>`}
    <input id=${id} name=${name || id} type=${type} value=${value} onInput=${(e) => onInput(e.currentTarget.value)}
      autocomplete=${autocomplete} required=${required} inputmode=${inputmode} pattern=${pattern}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${describe} ...${rest} />
    ${error && html`<p class="error" id=${id + '-err'}>${error}</p>`}
  </div>`;
}

function Alert({ text }) {
  return html`<div role="alert" class=${text ? 'alert' : 'sr-only'}>${text}</div>`;
}

function Status({ text }) {
  return html`<p role="status" aria-live="polite" class=${text ? 'status' : 'sr-only'}>${text}</p>`;
}

function Busy({ busy, children, ...rest }) {
  return html`<button type="submit" class="primary" disabled=${busy} aria-busy=${busy ? 'true' : undefined} ...${rest}>${children}</button>`;
}

// useAction runs a form's work: busy meanwhile, the error said in its
// reason's words; after runs once it ended either way.
function useAction(after) {
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const run = (f) => async (e) => {
    e?.preventDefault();
    setErr('');
    setBusy(true);
    try {
      await f();
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
      after?.();
    }
  };
  return { err, setErr, busy, run };
}

function QR({ text, label }) {
  const [rows, setRows] = useState(null);
  useEffect(() => {
    core.call('qr', { text }).then(setRows, () => setRows(null));
  }, [text]);
  if (!rows) return html`<div class="qr" aria-hidden="true"></div>`;
  const n = rows.length;
  const d = [];
  rows.forEach((r, y) => {
    for (let x = 0; x < r.length; x++) if (r[x] === '1') d.push(`M${x + 4} ${y + 4}h1v1h-1z`);
  });
  return html`<svg class="qr" viewBox=${`0 0 ${n + 8} ${n + 8}`} role="img" aria-label=${label} shape-rendering="crispEdges">
    <rect width=${n + 8} height=${n + 8} fill="#fff" /><path d=${d.join('')} fill="#000" /></svg>`;
}

// ---- recovery key ----

// RecoveryKey shows the recovery key of the account with the e-mail
// address email (also in the file it saves).
function RecoveryKey({ text, email }) {
  const groups = text.split('-');
  const save = () => {
    const body = `${tr('Persönlicher Sicherheitsschlüssel für Akte', 'Personal recovery key for Akte')}\n${email}\n\n${text}\n\n${tr(
      'Bewahren Sie diesen Schlüssel getrennt von Ihrem Gerät auf. Ohne ihn kann niemand Ihre Daten wiederherstellen, wenn Sie Ihr Passwort vergessen.',
      'Keep this key apart from your device. Without it nobody can restore your data if you forget your password.',
    )}\n`;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([body], { type: 'text/plain;charset=utf-8' }));
    a.download = 'akte-sicherheitsschluessel.txt';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  };
  return html`<section class="recovery print-area" aria-labelledby="rk-h">
    <h2 id="rk-h">${tr('Ihr persönlicher Sicherheitsschlüssel', 'Your personal recovery key')}</h2>
    <p class="warning"><strong>${tr('Wichtig:', 'Important:')}</strong> ${tr(
      'Nur mit diesem Schlüssel kommen Sie an Ihre Daten, wenn Sie Ihr Passwort vergessen. Niemand sonst kann ihn wiederherstellen – auch nicht der Betreiber. Drucken Sie ihn aus oder speichern Sie ihn außerhalb dieses Geräts.',
      'Only this key gets you to your data if you forget your password. Nobody else can restore it — not even the operator. Print it or save it somewhere other than this device.',
    )}</p>
    <div class="rk-box">
      <p class="rk-text" aria-label=${tr('Sicherheitsschlüssel, Gruppen zu je 4 Zeichen', 'Recovery key, groups of 4 characters')} data-testid="recovery-key">
        ${groups.map((g, i) => html`<span class="rk-group"><span class="rk-n" aria-hidden="true">${i + 1}</span>${g}</span> `)}
      </p>
      <${QR} text=${text} label=${tr('QR-Code des Sicherheitsschlüssels', 'QR code of the recovery key')} />
    </div>
    <div class="actions no-print">
      <button type="button" onClick=${() => print()}>${tr('Drucken', 'Print')}</button>
      <button type="button" onClick=${save}>${tr('Als Datei speichern', 'Download as file')}</button>
    </div>
  </section>`;
}

// RecoveryConfirm asks for two groups of the key back before going on.
function RecoveryConfirm({ text, onDone, submitLabel }) {
  const groups = text.split('-');
  const [pick] = useState(() => {
    const a = Math.floor(Math.random() * 7);
    const b = 7 + Math.floor(Math.random() * 7);
    return [a, b];
  });
  const [v, setV] = useState(['', '']);
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const norm = (s) => s.trim().toUpperCase().replace(/0/g, 'O').replace(/1/g, 'I').replace(/8/g, 'B');
  const submit = async (e) => {
    e.preventDefault();
    if (norm(v[0]) !== groups[pick[0]] || norm(v[1]) !== groups[pick[1]]) {
      setErr(tr('Die Gruppen stimmen nicht. Bitte vergleichen Sie mit dem Schlüssel oben.', 'The groups do not match. Please compare with the key above.'));
      return;
    }
    setErr('');
    setBusy(true);
    try {
      await onDone();
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return html`<form onSubmit=${submit} class="card no-print" aria-labelledby="rc-h">
    <h2 id="rc-h">${tr('Haben Sie ihn gesichert?', 'Did you keep it safe?')}</h2>
    <p>${tr('Tippen Sie zur Bestätigung zwei Gruppen des Schlüssels ab.', 'To confirm, type two groups of the key.')}</p>
    <div class="row">
      ${pick.map(
        (g, i) => html`<${Field} label=${tr(`Gruppe ${g + 1}`, `Group ${g + 1}`)} value=${v[i]} name=${'rk-group-' + (i + 1)} autocomplete="off"
          onInput=${(x) => setV(i ? [v[0], x] : [x, v[1]])} maxlength="4" size="6" spellcheck=${false} autocapitalize="characters" />`,
      )}
    </div>
    <${Alert} text=${err} />
    <${Busy} busy=${busy}>${submitLabel}<//>
  </form>`;
}

// ---- login ----

// Intro is the start page's top: what Akte is, and that only the patient
// holds the keys, before anyone logs in (issue 12, item 7).
function Intro() {
  return html`<h1 tabindex="-1">${tr('Ihre Gesundheitsakte – nur Sie halten die Schlüssel', 'Your health record – only you hold the keys')}</h1>
    <section class="intro" aria-label=${tr('Was ist Akte?', 'What is Akte?')}>
      <p>${tr('Akte bewahrt Ihre Befunde, Arztbriefe, Laborwerte und Bilder an einem Ort auf, erreichbar auf jedem Ihrer Geräte.',
        'Akte keeps your findings, doctor’s letters, lab results and images in one place, within reach on each of your devices.')}</p>
      <ul>
        <li><strong>${tr('Ende-zu-Ende-verschlüsselt:', 'End-to-end encrypted:')}</strong> ${tr(
          'Jedes Dokument wird auf Ihrem Gerät verschlüsselt, bevor es den Server erreicht, und erst dort wieder entschlüsselt.',
          'Every document is encrypted on your device before it reaches the server, and decrypted only there again.')}</li>
        <li><strong>${tr('Nur Sie halten die Schlüssel:', 'Only you hold the keys:')}</strong> ${tr(
          'Sie entstehen aus Ihrem Passwort und bleiben bei Ihnen. Der Betreiber kann Ihre Dokumente nicht lesen – und ohne Ihren Sicherheitsschlüssel auch nicht wiederherstellen.',
          'They are made from your password and stay with you. The operator cannot read your documents – nor restore them without your recovery key.')}</li>
        <li><strong>${tr('Quelloffen:', 'Open source:')}</strong> ${tr('Jeder kann nachprüfen, wie Akte arbeitet.', 'Anyone can check how Akte works.')}</li>
      </ul>
      <p><a class="button primary" href="/registrieren">${tr('Konto anlegen', 'Create an account')}</a></p>
    </section>
    <h2>${tr('Anmelden', 'Log in')}</h2>`;
}

// Login is the login page; with start it is the start page (Intro above
// the form).
function Login({ start }) {
  useTitle(start ? tr('Willkommen', 'Welcome') : tr('Anmelden', 'Log in'));
  const [email, setEmail] = useState(localStorage.getItem('akte.email') || '');
  const [pw, setPw] = useState('');
  const [code, setCode] = useState('');
  const [err, setErr] = useState(flash.value);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  // saltChanged: the server offers a salt this browser did not choose;
  // only the person knows whether they changed the password on another
  // device, and says so with the checkbox (elsewhere) that then appears.
  const [saltChanged, setSaltChanged] = useState(false);
  const [elsewhere, setElsewhere] = useState(false);
  const [unconfirmed, setUnconfirmed] = useState(false);
  useEffect(() => void (flash.value = ''), []);
  // second proves the second factor: the TOTP code typed, or a passkey
  // (asked first, while the click still counts as the person's gesture;
  // its challenge is valid for 5 minutes).
  const login = async (second) => {
    setErr('');
    setBusy(true);
    let sp;
    try {
      const factor = await second();
      setStatus(tr('Schlüssel werden abgeleitet …', 'Deriving keys …'));
      const pre = await post('/prelogin', { email });
      // The core refuses parameters below the floor or below what this
      // browser used last time before it derives anything: then no login
      // secret leaves the page.
      sp = await core.call('split', { password: pw, kdf: pre.kdf, last: remembered(kdfKey(email)), changed_elsewhere: elsewhere });
      setStatus(tr('Anmeldung …', 'Logging in …'));
      const res = await post('/sessions', { email, login_secret: sp.login_secret, ...factor, device_id: deviceId(), device_name: deviceName() });
      expect('account', emailKey(email), emailKey(res.account.email));
      // The core opens the UMK and checks the account's public key against
      // the private key sealed under it (a swapped key is refused).
      const umk = await core.call('unlock', { password_key: sp.password_key, keys: res.keys });
      localStorage.setItem('akte.email', email);
      useKDF(email, pre.kdf);
      // App leads on to the page asked for, or to the record.
      enterSession(res.account, res.keys, pre.kdf, umk);
      if (res.consents_due?.length) navigate('/einwilligungen', { replace: true }); // a new version asks (decision 0044)
      setStatus('');
    } catch (e) {
      setStatus('');
      // A login the server refused leaves the password key unused: drop it.
      if (sp) core.call('forget', { handle: sp.password_key }).catch(() => {});
      if (e.reason === 'kdf_salt_changed') setSaltChanged(true);
      if (e instanceof ApiError && e.code === 'device_unconfirmed') {
        setErr(
          tr(
            'Neues Gerät: Wir haben Ihnen einen Bestätigungslink per E-Mail geschickt. Öffnen Sie ihn und melden Sie sich dann hier erneut an (mit einem neuen Code aus der App).',
            'New device: we sent you a confirmation link by e-mail. Open it, then log in here again (with a new code from the app).',
          ),
        );
      } else if (e instanceof ApiError && e.reason === 'email_unconfirmed') {
        // Said only to whoever proved password and code: offer the
        // confirmation the registration left open.
        setUnconfirmed(true);
      } else setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e) => {
    e.preventDefault();
    login(async () => ({ totp: code.replace(/\s/g, '') }));
  };
  // The passkey replaces only the code: the password is checked as always.
  const withPasskey = (e) => {
    const form = e.currentTarget.form;
    if (!form.elements.email.reportValidity() || !form.elements.password.reportValidity()) return;
    login(async () => {
      setStatus(tr('Bitte bestätigen Sie mit Ihrem Passkey …', 'Please confirm with your passkey …'));
      const { options } = await post('/sessions/passkey');
      return { passkey: await getPasskey(options) };
    });
  };
  if (unconfirmed) {
    const done = () => {
      setUnconfirmed(false);
      setErr(tr('E-Mail-Adresse bestätigt. Bitte melden Sie sich jetzt an.', 'E-mail address confirmed. Please log in now.'));
    };
    return html`<${EmailStep} email=${email} title=${tr('E-Mail-Adresse bestätigen', 'Confirm your e-mail address')} onDone=${done} />`;
  }
  return html`${start ? html`<${Intro} />` : html`<h1 tabindex="-1">${tr('Anmelden', 'Log in')}</h1>`}
    <form onSubmit=${submit} class="card narrow">
      <${Field} label=${tr('E-Mail-Adresse', 'E-mail address')} type="email" name="email" value=${email} onInput=${setEmail} autocomplete="username" />
      <${Field} label=${tr('Passwort', 'Password')} type="password" name="password" value=${pw} onInput=${setPw} autocomplete="current-password" />
      <${Field} label=${tr('Code aus der Authenticator-App', 'Code from the authenticator app')} name="totp" value=${code} onInput=${setCode}
        autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]{6,7}" hint=${tr('6 Ziffern', '6 digits')} />
      ${passkeysSupported() &&
      html`<p class="or">${tr('oder statt des Codes:', 'or instead of the code:')}</p>
        <p><button type="button" data-testid="login-passkey" disabled=${busy} onClick=${withPasskey}>${tr('Mit Passkey bestätigen', 'Use a passkey')}</button></p>`}
      ${saltChanged &&
      html`<div class="field check"><input id="elsewhere" type="checkbox" checked=${elsewhere} onChange=${(e) => setElsewhere(e.currentTarget.checked)} />
        <label for="elsewhere">${tr('Ich habe mein Passwort auf einem anderen Gerät geändert oder zurückgesetzt.', 'I changed or reset my password on another device.')}</label></div>`}
      <${Alert} text=${err} />
      <${Status} text=${status} />
      <${Busy} busy=${busy}>${tr('Anmelden', 'Log in')}<//>
    </form>
    <p><a href="/registrieren">${tr('Neu hier? Konto anlegen', 'New here? Create an account')}</a></p>
    <p><a href="/registrieren/praxis">${tr('Praxis, Apotheke oder Klinik? Als Leistungserbringer registrieren', 'A practice, pharmacy or hospital? Register as a provider')}</a></p>
    <p><a href="/registrieren/fortsetzen">${tr('Registrierung nicht beendet? Fortsetzen', 'Registration not finished? Continue it')}</a></p>
    <p><a href="/passwort-vergessen">${tr('Passwort vergessen?', 'Forgot your password?')}</a></p>`;
}

// ---- unlock ----

// Unlock is the page of a live session whose UMK this tab no longer holds
// (after a reload): the password opens it again in the worker, with the
// checks of the login. The TOTP code is not asked: the session is live. A
// wrong password is refused by the core before anything is sent.
function Unlock() {
  const { account } = locked.value;
  useTitle(tr('Entsperren', 'Unlock'));
  const [pw, setPw] = useState('');
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setErr('');
    setBusy(true);
    try {
      setStatus(tr('Schlüssel werden abgeleitet …', 'Deriving keys …'));
      const { keys, umk } = await unlockWith(account.email, pw);
      useKDF(account.email, keys.kdf);
      setStatus('');
      enterSession(account, keys.keys, keys.kdf, umk);
    } catch (e2) {
      setStatus('');
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  const note = tr(
    'Ihre Schlüssel bleiben nur so lange in diesem Tab, bis er neu geladen wird. Geben Sie Ihr Passwort ein, um Ihre Akte wieder zu öffnen.',
    'Your keys stay in this tab only until it is reloaded. Enter your password to open your record again.',
  );
  return html`<h1 tabindex="-1">${tr('Entsperren', 'Unlock')}</h1>
    <p>${tr('Sie sind angemeldet als ', 'You are logged in as ')}<strong data-testid="unlock-email">${account.email}</strong>. ${note}</p>
    <form onSubmit=${submit} class="card narrow">
      <input type="email" name="email" value=${account.email} autocomplete="username" hidden readonly />
      <${Field} label=${tr('Passwort', 'Password')} type="password" name="password" value=${pw} onInput=${setPw} autocomplete="current-password" />
      <${Alert} text=${err} />
      <${Status} text=${status} />
      <${Busy} busy=${busy}>${tr('Entsperren', 'Unlock')}<//>
    </form>
    <p><button type="button" onClick=${logout}>${tr('Abmelden', 'Log out')}</button></p>`;
}

// ---- registration ----

// PasswordFields checks the password against the policy of the Go core
// while it is typed; policy is the core's refusal (a CoreError) or null.
function PasswordFields({ pw, setPw, pw2, setPw2, email, kvnr, label }) {
  const [policy, setPolicy] = useState(null);
  useEffect(() => {
    if (!pw) return setPolicy(null);
    const t = setTimeout(() => checkPolicy(pw, email, kvnr).then(setPolicy, () => {}), 250);
    return () => clearTimeout(t);
  }, [pw, email, kvnr]);
  const ok = pw && !policy;
  return html`
    <${Field} label=${label || tr('Passwort', 'Password')} type="password" name="new-password" value=${pw} onInput=${setPw} autocomplete="new-password"
      hint=${tr('Mindestens 12 Zeichen. Gut merkbar sind mehrere zufällige Wörter.', 'At least 12 characters. Several random words are easy to remember.')}
      error=${policy ? errorText(policy) : ''} />
    ${ok && html`<p class="ok" aria-live="polite">${tr('Das Passwort erfüllt die Regeln.', 'The password meets the rules.')}</p>`}
    <${Field} label=${tr('Passwort wiederholen', 'Repeat password')} type="password" name="new-password-2" value=${pw2} onInput=${setPw2} autocomplete="new-password"
      error=${pw2 && pw2 !== pw ? tr('Die Passwörter stimmen nicht überein.', 'The passwords do not match.') : ''} />`;
}

async function checkPolicy(password, email, kvnr) {
  const p = await core.call('checkPassword', { password, email, kvnr });
  return p && new core.CoreError(p.code, p.message, p.reason, p.params);
}

async function checkNewPassword(pw, pw2, email, kvnr) {
  const policy = await checkPolicy(pw, email, kvnr);
  if (policy) throw policy;
  if (pw !== pw2) throw fail('Die Passwörter stimmen nicht überein.', 'The passwords do not match.');
}

// A registration in progress is remembered for the tab by e-mail and step
// (nothing secret): a reload, or a phone that discarded the tab while the
// patient was in the authenticator app, continues at that step once the
// password has brought back what the step shows (issue 12, item 1).
const registering = {
  get: () => {
    try {
      return JSON.parse(sessionStorage.getItem('akte.register'));
    } catch {
      return null;
    }
  },
  set: (email, step) => sessionStorage.setItem('akte.register', JSON.stringify({ email: emailKey(email), step })),
  clear: () => sessionStorage.removeItem('akte.register'),
};

function Register({ resume }) {
  const saved = registering.get();
  const [step, setStep] = useState(saved || resume ? 'resume' : 'form');
  const [f, setF] = useState({ email: saved?.email || '', kvnr: '', birth: '', pw: '', pw2: '' });
  const goStep = (next, email = f.email) => {
    registering.set(email, next);
    setStep(next);
  };
  const [reg, setReg] = useState(null); // { material, totp_secret, totp_uri }
  const [status, setStatus] = useState('');
  const { err, busy, run } = useAction(() => setStatus(''));
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const titles = {
    form: tr('Konto anlegen', 'Create an account'),
    totp: tr('Zwei-Faktor-Anmeldung einrichten', 'Set up two-factor login'),
    email: tr('E-Mail-Adresse bestätigen', 'Confirm your e-mail address'),
    recovery: tr('Sicherheitsschlüssel sichern', 'Keep your recovery key safe'),
    resume: tr('Registrierung fortsetzen', 'Continue registration'),
  };
  useTitle(titles[step]);
  const [kvnrErr, setKvnrErr] = useState('');
  const [consents, setConsents] = useState(null);
  const submitForm = run(async () => {
    // Checks of the Go core before the slow work of making keys; the
    // KVNR's is said at its field.
    const kv = await core.call('checkKVNR', { kvnr: f.kvnr.trim().toUpperCase() });
    setKvnrErr(kv ? errorText(kv) : '');
    if (kv) return;
    await checkNewPassword(f.pw, f.pw2, f.email, f.kvnr);
    setStatus(tr('Schlüssel werden auf diesem Gerät erzeugt. Das dauert auf manchen Telefonen bis zu 10 Sekunden …',
      'Creating keys on this device. On some phones this takes up to 10 seconds …'));
    const m = await core.call('newAccount', { password: f.pw });
    const res = await post('/accounts', {
      email: f.email, kvnr: f.kvnr.trim().toUpperCase(), birth_date: f.birth, kdf: m.kdf, login_secret: m.login_secret,
      recovery_verifier: m.recovery_verifier, keys: m.keys, device_id: deviceId(), device_name: deviceName(), record: m.record, lang: lang.value,
      consents, via: 'web',
    });
    setReg({ m, ...res });
    localStorage.setItem('akte.email', f.email);
    useKDF(f.email, m.kdf);
    goStep('email');
  });
  // The server shows an unfinished registration again to its password
  // (counted like a login); the recovery key is opened here from the key
  // bundle, as the settings page does.
  const submitResume = run(async () => {
    const email = f.email.trim();
    setStatus(tr('Schlüssel werden abgeleitet …', 'Deriving keys …'));
    const pre = await post('/prelogin', { email });
    const sp = await core.call('split', { password: f.pw, kdf: pre.kdf, last: remembered(kdfKey(email)) });
    const res = await post('/accounts/resume', { email, login_secret: sp.login_secret });
    const umk = await core.call('unlock', { password_key: sp.password_key, keys: res.keys });
    const recovery_key = await core.call('recoveryKey', { umk, keys: res.keys });
    localStorage.setItem('akte.email', email);
    useKDF(email, pre.kdf);
    setReg({ m: { umk, kdf: pre.kdf, login_secret: sp.login_secret, recovery_key }, account_id: res.account_id, totp_secret: res.totp_secret, totp_uri: res.totp_uri });
    setF({ ...f, email, pw: '' });
    let next = saved?.email === emailKey(email) ? saved.step : 'email';
    if (next === 'email' && res.email_confirmed) next = 'recovery';
    goStep(next, email);
  });
  // The authenticator comes last: its code is asked once, as the first
  // login, which also ends the registration (decision 0024).
  const steps = ['form', 'email', 'recovery', 'totp'];
  const progress = html`<p class="steps">${tr(`Schritt ${steps.indexOf(step) + 1} von 4`, `Step ${steps.indexOf(step) + 1} of 4`)}</p>`;
  if (step === 'resume') {
    const restart = () => (registering.clear(), setStep('form'));
    return html`<h1 tabindex="-1">${titles.resume}</h1>
      <form onSubmit=${submitResume} class="card narrow">
        <p>${tr(
          'Ihre Registrierung ist noch nicht beendet. Mit Ihrem Passwort zeigt Akte den Schlüssel für die Authenticator-App und Ihren Sicherheitsschlüssel noch einmal, bis Sie sich zum ersten Mal angemeldet haben.',
          'Your registration is not finished yet. With your password, Akte shows the key for the authenticator app and your recovery key again, until you have logged in for the first time.',
        )}</p>
        <${Field} label=${tr('E-Mail-Adresse', 'E-mail address')} type="email" name="email" value=${f.email} onInput=${set('email')} autocomplete="username" />
        <${Field} label=${tr('Passwort', 'Password')} type="password" name="password" value=${f.pw} onInput=${set('pw')} autocomplete="current-password" />
        <${Alert} text=${err} />
        <${Status} text=${status} />
        <${Busy} busy=${busy}>${tr('Fortsetzen', 'Continue')}<//>
      </form>
      <p><button type="button" class="link" onClick=${restart}>${tr('Stattdessen neu registrieren', 'Register anew instead')}</button></p>`;
  }
  if (step === 'form') {
    return html`<h1 tabindex="-1">${titles.form}</h1>${progress}
      <form onSubmit=${submitForm} class="card narrow">
        <${Field} label=${tr('E-Mail-Adresse', 'E-mail address')} type="email" name="email" value=${f.email} onInput=${set('email')} autocomplete="email" />
        <${Field} label=${tr('Krankenversichertennummer (KVNR)', 'Health insurance number (KVNR)')} name="kvnr" value=${f.kvnr} onInput=${(v) => (setKvnrErr(''), set('kvnr')(v))} error=${kvnrErr}
          hint=${tr('10 Zeichen, steht auf Ihrer Gesundheitskarte, z. B. A123456780', '10 characters, printed on your health card, e.g. A123456780')} autocomplete="off" maxlength="10" />
        <${Field} label=${tr('Geburtsdatum', 'Date of birth')} type="date" name="birth" value=${f.birth} onInput=${set('birth')} autocomplete="bday" />
        <${PasswordFields} pw=${f.pw} setPw=${set('pw')} pw2=${f.pw2} setPw2=${set('pw2')} email=${f.email} kvnr=${f.kvnr} />
        <p class="hint">${tr(
          'Ihr Passwort verlässt dieses Gerät nie. Daraus werden hier die Schlüssel abgeleitet, mit denen Ihre Daten verschlüsselt werden.',
          'Your password never leaves this device. The keys that encrypt your data are derived from it here.',
        )}</p>
        <${RegistrationConsents} onAnswers=${setConsents} />
        <${Alert} text=${err} />
        <${Status} text=${status} />
        ${busy && status && html`<progress aria-hidden="true"></progress>`}
        <${Busy} busy=${busy}>${tr('Konto anlegen', 'Create account')}<//>
      </form>
      <p><a href="/anmelden">${tr('Schon registriert? Anmelden', 'Already registered? Log in')}</a></p>
      <p><button type="button" class="link" onClick=${() => setStep('resume')}>${tr('Registrierung begonnen, aber nicht beendet? Fortsetzen', 'Began a registration but did not finish? Continue it')}</button></p>`;
  }
  if (step === 'email') return html`<${EmailStep} email=${f.email} title=${titles.email} progress=${progress} onDone=${() => goStep('recovery')} />`;
  if (step === 'totp') return html`<${TotpStep} reg=${reg} email=${f.email} title=${titles.totp} progress=${progress} />`;
  // The recovery key, confirmed by typing two groups.
  return html`<h1 tabindex="-1">${titles.recovery}</h1>${progress}
    <${RecoveryKey} text=${reg.m.recovery_key} email=${f.email} />
    <${RecoveryConfirm} text=${reg.m.recovery_key} onDone=${() => goStep('totp')} submitLabel=${tr('Weiter', 'Continue')} />`;
}

// CopyButton copies a text to the clipboard and says so.
function CopyButton({ text, label }) {
  const [said, setSaid] = useState('');
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => setSaid(tr('Kopiert.', 'Copied.')),
      () => setSaid(tr('Kopieren ist hier nicht möglich; bitte markieren Sie den Schlüssel.', 'Copying is not possible here; please select the key.')),
    );
  return html`<button type="button" onClick=${copy}>${label}</button><${Status} text=${said} />`;
}

// AuthenticatorSetup shows a TOTP secret for an authenticator app: a QR
// code, a link that opens the app on this device, a copy button and the
// key to type.
function AuthenticatorSetup({ secret, uri }) {
  return html`
      <p>${tr(
        'Scannen Sie den QR-Code mit einer Authenticator-App (z. B. FreeOTP, Aegis, Google Authenticator). Bei jeder Anmeldung fragt Akte nach dem aktuellen Code der App.',
        'Scan the QR code with an authenticator app (e.g. FreeOTP, Aegis, Google Authenticator). Akte asks for the app’s current code at every login.',
      )}</p>
      <${QR} text=${uri} label=${tr('QR-Code für die Authenticator-App', 'QR code for the authenticator app')} />
      <p>${tr(
        'Ist die App auf diesem Gerät? Dann öffnen Sie sie hier direkt oder kopieren den Schlüssel:',
        'Is the app on this device? Then open it from here or copy the key:',
      )}</p>
      <div class="row"><a class="button" href=${uri}>${tr('In der Authenticator-App öffnen', 'Open in the authenticator app')}</a>
        <${CopyButton} text=${secret} label=${tr('Schlüssel kopieren', 'Copy key')} /></div>
      <p>${tr('Oder geben Sie diesen Schlüssel in der App ein:', 'Or enter this key in the app:')}</p>
      <p class="mono" data-testid="totp-secret">${secret.match(/.{1,4}/g).join(' ')}</p>`;
}

// TotpStep sets up the authenticator and logs in with its first code:
// the code is asked once during registration.
function TotpStep({ reg, email, title, progress, open = tr('Akte öffnen', 'Open my record') }) {
  const [code, setCode] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const secret = reg.totp_secret;
  const submit = async (e) => {
    e.preventDefault();
    setErr('');
    // The page checks first that the app makes the right codes, so a
    // mis-scan is said as such and costs no login attempt.
    const c = code.replace(/\s/g, '');
    const step = Math.floor(Date.now() / 30000);
    let ok = false;
    for (const s of [step - 1, step, step + 1]) ok ||= (await totpCode(secret, s)) === c;
    if (!ok) {
      setErr(tr('Der Code stimmt nicht. Prüfen Sie, ob die Uhrzeit Ihres Telefons stimmt, und versuchen Sie den nächsten Code.', 'The code does not match. Check the time on your phone and try the next code.'));
      return;
    }
    setBusy(true);
    try {
      const res = await post('/sessions', { email, login_secret: reg.m.login_secret, totp: c, device_id: deviceId(), device_name: deviceName() });
      registering.clear();
      enterSession(res.account, res.keys, reg.m.kdf, reg.m.umk); // App opens the record
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  return html`<h1 tabindex="-1">${title}</h1>${progress}
    <div class="card"><${AuthenticatorSetup} secret=${secret} uri=${reg.totp_uri} /></div>
    <form onSubmit=${submit} class="card narrow">
      <${Field} label=${tr('Code aus der App', 'Code from the app')} name="totp" value=${code} onInput=${setCode} autocomplete="one-time-code" inputmode="numeric" hint=${tr('6 Ziffern; damit melden Sie sich zum ersten Mal an', '6 digits; with it you log in for the first time')} />
      <${Alert} text=${err} />
      <${Busy} busy=${busy}>${open}<//>
    </form>`;
}

function EmailStep({ email, title, progress, onDone }) {
  const [code, setCode] = useState('');
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    try {
      await post('/accounts/confirm', { email, code: code.trim() });
      onDone();
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  const resend = async () => {
    try {
      await post('/accounts/confirm/resend', { email });
      setStatus(tr('Ein neuer Code ist unterwegs.', 'A new code is on its way.'));
    } catch (e2) {
      setErr(errorText(e2));
    }
  };
  return html`<h1 tabindex="-1">${title}</h1>${progress}
    <form onSubmit=${submit} class="card narrow">
      <p>${tr(`Wir haben einen 8-stelligen Code an ${email} geschickt. Er gilt 30 Minuten.`, `We sent an 8-digit code to ${email}. It is valid for 30 minutes.`)}</p>
      ${devMailbox.value &&
      html`<p class="hint">${tr('Entwicklungsserver ohne Mailserver: Die Mail liegt im ', 'Development server without a mail server: the mail is in the ')}<a href="/postfach" target="_blank" rel="noopener">${tr('Postfach (neuer Tab)', 'mailbox (new tab)')}</a>.</p>`}
      <${Field} label=${tr('Code aus der E-Mail', 'Code from the e-mail')} name="email-code" value=${code} onInput=${setCode} autocomplete="one-time-code" inputmode="numeric" />
      <${Alert} text=${err} />
      <${Status} text=${status} />
      <div class="actions">
        <${Busy} busy=${busy}>${tr('Bestätigen', 'Confirm')}<//>
        <button type="button" onClick=${resend}>${tr('Neuen Code senden', 'Send a new code')}</button>
      </div>
    </form>`;
}

// ---- providers (decision 0034) ----

// providerTypes are the institution types with their names.
const providerTypes = () => [
  ['practice', tr('Arztpraxis', 'Doctor’s practice')],
  ['dentist', tr('Zahnarztpraxis', 'Dentist')],
  ['psychotherapist', tr('Psychotherapeutische Praxis', 'Psychotherapist')],
  ['pharmacy', tr('Apotheke', 'Pharmacy')],
  ['hospital', tr('Krankenhaus', 'Hospital')],
  ['other', tr('Andere Einrichtung', 'Other institution')],
];
const providerTypeName = (t) => (providerTypes().find(([k]) => k === t) || [t, t])[1];

// home is where a session starts: a patient's record, a provider's
// practice page (a provider has no record).
const home = (s) => (s?.account?.record_id ? '/akte' : '/praxis');

// RegisterProvider registers a practice, pharmacy or hospital: the
// account as a patient's (keys made here, the password never leaves the
// device), the institution instead of KVNR and date of birth; then the
// same steps as a patient's registration.
function RegisterProvider() {
  const [step, setStep] = useState('form');
  const [f, setF] = useState({ email: '', type: 'practice', name: '', telematik: '', lanr: '', bsnr: '', place: '', pw: '', pw2: '' });
  const [reg, setReg] = useState(null);
  const [status, setStatus] = useState('');
  const { err, busy, run } = useAction(() => setStatus(''));
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const titles = {
    form: tr('Als Leistungserbringer registrieren', 'Register as a provider'),
    email: tr('E-Mail-Adresse bestätigen', 'Confirm your e-mail address'),
    recovery: tr('Sicherheitsschlüssel sichern', 'Keep your recovery key safe'),
    totp: tr('Zwei-Faktor-Anmeldung einrichten', 'Set up two-factor login'),
  };
  useTitle(titles[step]);
  const submit = run(async () => {
    await checkNewPassword(f.pw, f.pw2, f.email, '');
    setStatus(tr('Schlüssel werden auf diesem Gerät erzeugt. Das dauert auf manchen Telefonen bis zu 10 Sekunden …',
      'Creating keys on this device. On some phones this takes up to 10 seconds …'));
    const m = await core.call('newAccount', { password: f.pw });
    const res = await post('/providers', {
      email: f.email, kdf: m.kdf, login_secret: m.login_secret, recovery_verifier: m.recovery_verifier, keys: m.keys,
      device_id: deviceId(), device_name: deviceName(), lang: lang.value,
      provider: { type: f.type, name: f.name, telematik_id: f.telematik.trim(), lanr: f.lanr.trim(), bsnr: f.bsnr.trim(), place: f.place },
    });
    setReg({ m, ...res });
    localStorage.setItem('akte.email', f.email);
    useKDF(f.email, m.kdf);
    setStep('email');
  });
  const steps = ['form', 'email', 'recovery', 'totp'];
  const progress = html`<p class="steps">${tr(`Schritt ${steps.indexOf(step) + 1} von 4`, `Step ${steps.indexOf(step) + 1} of 4`)}</p>`;
  if (step === 'email') return html`<${EmailStep} email=${f.email} title=${titles.email} progress=${progress} onDone=${() => setStep('recovery')} />`;
  if (step === 'recovery')
    return html`<h1 tabindex="-1">${titles.recovery}</h1>${progress}
      <${RecoveryKey} text=${reg.m.recovery_key} email=${f.email} />
      <${RecoveryConfirm} text=${reg.m.recovery_key} onDone=${() => setStep('totp')} submitLabel=${tr('Weiter', 'Continue')} />`;
  if (step === 'totp') return html`<${TotpStep} reg=${reg} email=${f.email} title=${titles.totp} progress=${progress} open=${tr('Praxisseite öffnen', 'Open the practice page')} />`;
  const doctor = f.type === 'practice';
  return html`<h1 tabindex="-1">${titles.form}</h1>${progress}
    <form onSubmit=${submit} class="card narrow">
      <p>${tr(
        'Für Arztpraxen, Zahnarztpraxen, Psychotherapie, Apotheken und Krankenhäuser. Der Betreiber prüft Ihre Angaben; erst danach finden Patientinnen und Patienten Sie und können Ihnen Zugriff geben.',
        'For doctors’ and dentists’ practices, psychotherapists, pharmacies and hospitals. The operator checks your data; only then do patients find you and can grant you access.',
      )}</p>
      <${Field} label=${tr('E-Mail-Adresse', 'E-mail address')} type="email" name="email" value=${f.email} onInput=${set('email')} autocomplete="email" />
      <div class="field">
        <label for="provider-type">${tr('Art der Einrichtung', 'Type of institution')}</label>
        <select id="provider-type" name="type" value=${f.type} onChange=${(e) => set('type')(e.currentTarget.value)}>
          ${providerTypes().map(([k, name]) => html`<option value=${k}>${name}</option>`)}
        </select>
      </div>
      <${Field} label=${tr('Name der Einrichtung', 'Name of the institution')} name="name" value=${f.name} onInput=${set('name')} autocomplete="organization" />
      <${Field} label="Telematik-ID" name="telematik" value=${f.telematik} onInput=${set('telematik')} autocomplete="off"
        hint=${tr('steht auf Ihrer Praxisausweis-Karte (SMC-B), z. B. 1-20014977', 'printed on your institution card (SMC-B), e.g. 1-20014977')} />
      <${Field} label=${tr('LANR (lebenslange Arztnummer)', 'LANR (lifelong doctor number)')} name="lanr" value=${f.lanr} onInput=${set('lanr')} autocomplete="off"
        inputmode="numeric" maxlength="9" required=${doctor} hint=${doctor ? tr('9 Ziffern; für eine Arztpraxis nötig', '9 digits; required for a doctor’s practice') : tr('9 Ziffern; falls vorhanden', '9 digits; if you have one')} />
      <${Field} label=${tr('BSNR (Betriebsstättennummer)', 'BSNR (practice site number)')} name="bsnr" value=${f.bsnr} onInput=${set('bsnr')} autocomplete="off"
        inputmode="numeric" maxlength="9" required=${doctor} hint=${tr('9 Ziffern; zusammen mit der LANR', '9 digits; together with the LANR')} />
      <${Field} label=${tr('Ort', 'Place')} name="place" value=${f.place} onInput=${set('place')} autocomplete="address-level2" required=${false} />
      <${PasswordFields} pw=${f.pw} setPw=${set('pw')} pw2=${f.pw2} setPw2=${set('pw2')} email=${f.email} kvnr="" />
      <${Alert} text=${err} />
      <${Status} text=${status} />
      ${busy && status && html`<progress aria-hidden="true"></progress>`}
      <${Busy} busy=${busy}>${tr('Registrieren', 'Register')}<//>
    </form>
    <p><a href="/anmelden">${tr('Schon registriert? Anmelden', 'Already registered? Log in')}</a></p>
    <p><a href="/registrieren">${tr('Als Patientin oder Patient registrieren', 'Register as a patient')}</a></p>`;
}

// Fingerprint shows a key's fingerprint as text and as a QR code holding
// exactly that text; it was computed in this browser from the key bytes.
function Fingerprint({ text }) {
  return html`<div class="fingerprint">
    <p class="mono" data-testid="fingerprint">${text}</p>
    <${QR} text=${text} label=${tr('Fingerabdruck als QR-Code', 'Fingerprint as a QR code')} />
  </div>`;
}

// InstitutionData lists a provider's data.
function InstitutionData({ p }) {
  const row = (de, en, v) => v && html`<dt>${tr(de, en)}</dt><dd>${v}</dd>`;
  return html`<dl class="facts">
    ${row('Art', 'Type', providerTypeName(p.type))}
    ${row('Ort', 'Place', p.place)}
    ${row('Telematik-ID', 'Telematik-ID', p.telematik_id)}
    ${row('LANR', 'LANR', p.lanr)}
    ${row('BSNR', 'BSNR', p.bsnr)}
  </dl>`;
}

// ProviderHome is a provider's page: its status and the fingerprint its
// own private key proves, to show patients.
function ProviderHome() {
  useTitle(tr('Praxis', 'Practice'));
  const [p, setP] = useState(null);
  const [fp, setFp] = useState('');
  const [err, setErr] = useState('');
  useEffect(() => {
    (async () => {
      const me = await get('/account/provider');
      const s = session.value;
      setFp(await core.call('ownFingerprint', { umk: s.umk, keys: s.keys, public_key: me.public_key }));
      setP(me);
    })().catch((e) => setErr(errorText(e)));
  }, []);
  const status = {
    pending: tr('Noch nicht freigeschaltet: Der Betreiber prüft Ihre Angaben. Bis dahin findet Sie niemand.', 'Not verified yet: the operator checks your data. Until then nobody finds you.'),
    verified: tr('Freigeschaltet: Patientinnen und Patienten finden Sie und können Ihnen Zugriff geben.', 'Verified: patients find you and can grant you access.'),
    rejected: tr('Abgelehnt: Der Betreiber hat Ihre Angaben nicht bestätigt.', 'Rejected: the operator did not confirm your data.'),
  };
  return html`<h1 tabindex="-1">${p ? p.name : tr('Praxis', 'Practice')}</h1>
    <${Alert} text=${err} />
    ${!p && !err && html`<${Status} text=${tr('Wird geladen …', 'Loading …')} />`}
    ${p &&
    html`<section class="card" aria-labelledby="provider-status">
        <h2 id="provider-status">${tr('Status', 'Status')}</h2>
        <p data-testid="provider-status">${status[p.status] || p.status}</p>
        <${InstitutionData} p=${p} />
      </section>
      <section class="card" aria-labelledby="provider-fp">
        <h2 id="provider-fp">${tr('Fingerabdruck Ihres Schlüssels', 'Your key’s fingerprint')}</h2>
        <p>${tr(
          'Zeigen Sie ihn Patientinnen und Patienten (vorlesen oder den QR-Code scannen lassen): Stimmt er mit dem überein, den ihre App anzeigt, gibt der Server ihnen Ihren echten Schlüssel. Er ist hier aus Ihrem eigenen Schlüssel berechnet.',
          'Show it to patients (read it out, or let them scan the QR code): if it matches the one their app shows, the server gives them your real key. It is computed here from your own key.',
        )}</p>
        <${Fingerprint} text=${fp} />
      </section>`}`;
}

// Providers lets a patient find verified providers and check a
// provider's key fingerprint against the one the practice shows.
function Providers() {
  useTitle(tr('Ärzte und Einrichtungen', 'Doctors and institutions'));
  // ?q= comes from the doctor list (a LANR or a name).
  const [q, setQ] = useState(() => new URLSearchParams(location.search).get('q') || '');
  const [list, setList] = useState(null);
  const [sel, setSel] = useState(null); // { p, fp }
  const { err, busy, run } = useAction();
  const search = run(async () => {
    setSel(null);
    setList(await get('/providers?q=' + encodeURIComponent(q.trim())));
  });
  const check = (id) =>
    run(async () => {
      const p = await get('/providers/' + encodeURIComponent(id));
      setSel({ p, fp: (await core.call('fingerprint', { public_key: p.public_key })).fingerprint });
    });
  return html`<h1 tabindex="-1">${tr('Ärzte und Einrichtungen', 'Doctors and institutions')}</h1>
    <form onSubmit=${search} class="card narrow" role="search">
      <${Field} label=${tr('Name, Ort, Telematik-ID, LANR oder BSNR', 'Name, place, Telematik-ID, LANR or BSNR')} name="provider-query" value=${q} onInput=${setQ}
        autocomplete="off" minlength="2" hint=${tr('Nur vom Betreiber geprüfte Einrichtungen werden gefunden.', 'Only institutions the operator checked are found.')} />
      <${Alert} text=${err} />
      <${Busy} busy=${busy}>${tr('Suchen', 'Search')}<//>
    </form>
    ${list &&
    html`<section aria-labelledby="provider-results">
      <h2 id="provider-results">${tr(`${list.length} gefunden`, `${list.length} found`)}</h2>
      <ul class="providers">
        ${list.map(
          (p) => html`<li class="card" key=${p.id}>
            <h3>${p.name}</h3>
            <${InstitutionData} p=${p} />
            <button type="button" onClick=${check(p.id)}>${tr(`Fingerabdruck prüfen: ${p.name}`, `Check fingerprint: ${p.name}`)}</button>
          </li>`,
        )}
      </ul>
    </section>`}
    ${sel &&
    html`<section class="card" aria-labelledby="provider-fp">
      <h2 id="provider-fp">${tr(`Fingerabdruck von ${sel.p.name}`, `Fingerprint of ${sel.p.name}`)}</h2>
      <p>${tr(
        'Hier in Ihrem Browser aus dem Schlüssel berechnet, den der Server für diese Einrichtung liefert. Vergleichen Sie ihn mit dem, den die Praxis Ihnen zeigt: Weicht er ab, geben Sie keinen Zugriff.',
        'Computed here in your browser from the key the server delivers for this institution. Compare it with the one the practice shows you: if they differ, grant no access.',
      )}</p>
      <${Fingerprint} text=${sel.fp} />
    </section>`}`;
}

// ---- the record ----

const record = signal(null); // wire.Record
const items = signal([]); // [{item, key, meta}]: the documents
const healthItems = signal([]); // [{item, key, meta}]: entries and the profile (web/src/health.js)
const uploads = signal([]); // [{name, done, total, state, error}]
const listProblems = signal([]); // [{id, error}] of the listing against the manifest

// loads counts the loadRecord calls: a load that finishes after a newer one
// began (an upload's refresh overtaking the page's first load, whose core
// calls wait behind the upload's in the worker) drops its older listing.
let loads = 0;

async function loadRecord() {
  const gen = ++loads;
  const [rec, list] = await Promise.all([get(inRecord()), get(inRecord('/items'))]);
  // A represented record's key opens with the account's private key
  // (decision 0036): the core finds it beside the record.
  if (rec.rmk_slot) rec.private_key_by_umk = session.value.keys.private_key_by_umk;
  // A listing without the newest category key version this browser has
  // seen is refused: new items would be sealed under an old key.
  const vkey = 'akte.keyversions.' + rec.keys.record_id;
  const latest = await core.call('keyVersions', { umk: session.value.umk, record: rec, seen: remembered(vkey) });
  localStorage.setItem(vkey, JSON.stringify(latest));
  const opened = list.length ? await core.call('openItems', { umk: session.value.umk, record: rec, items: list }) : [];
  const byId = new Map(opened.map((o) => [o.id, o]));
  // The inbox is filed once after a login (decision 0043).
  if (await fileInbox(session.value, rec, list, byId)) return loadRecord();
  if (gen !== loads) return;
  record.value = rec;
  // The version chain is the one the core verified (issue 10, item 4):
  // where the server's replaces differs, it reports a problem and the
  // sealed one counts.
  const all = list.map((it) => {
    const o = byId.get(it.id);
    return { item: { ...it, replaces: o ? o.replaces : it.replaces }, key: o?.key, meta: o?.meta, error: o?.error, problem: o?.problem };
  });
  // Structured entries and the profile (decision 0037) are not documents:
  // their sealed fields say so, and the health page shows them.
  const isHealth = (x) => x.meta && (x.meta.entry || x.meta.profile);
  items.value = all.filter((x) => !isHealth(x));
  healthItems.value = all.filter(isHealth);
  // Withheld, resurrected or rolled back (issue 10, item 4): the manifest.
  const problems = await checkManifest(session.value.umk, rec, list);
  if (gen === loads) listProblems.value = problems;
}

// recordError says why the record could not be (re)loaded; reloadRecord
// refreshes it after a change and shows a failure on the record page
// instead of losing it.
const recordError = signal('');
const reloadRecord = () => loadRecord().then(() => (recordError.value = ''), (e) => (recordError.value = errorText(e)));

const catName = (id) => {
  const c = record.value?.categories.find((c) => c.id === id);
  return c ? (lang.value === 'en' ? c.name_en : c.name_de) : id;
};

function guessCategory() {
  return record.value?.categories.find((c) => c.id === 'findings')?.id || record.value?.categories[0]?.id;
}

// droppedPath holds the path of a file dropped within a folder (a chosen
// folder's files carry it as webkitRelativePath): the upload's resume plan
// is kept by path.
const droppedPath = new WeakMap();

const pad2 = (n) => String(n).padStart(2, '0');
// localDate is a time's calendar day where the patient is (YYYY-MM-DD).
const localDate = (t) => {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
};
// The defaults a file suggests (decision 0026): its name without the
// extension as title, its last change as the date of the finding (a scan's
// day, mostly), else today.
const fileTitle = (name) => name.replace(/^.*\//, '').replace(/\.[^.]+$/, '') || name;
const fileDate = (f) => localDate(f.lastModified || Date.now());
const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s);

// thumbnail makes a small JPEG of an image file or of a PDF's first page
// (at most 160 px on its long side, on white: JPEG has no transparency),
// base64 for the sealed metadata; '' for other files or when the browser
// cannot decode or draw it: the list then shows the document icon.
async function thumbnail(f) {
  if (f.size > 50 << 20) return '';
  try {
    if (f.type === 'application/pdf') return b64(new Uint8Array(await (await pdfThumbnail(f)).arrayBuffer()));
    if (!rasterTypes.has(f.type) || typeof createImageBitmap !== 'function') return '';
    const bmp = await createImageBitmap(f);
    const s = Math.min(1, 160 / Math.max(bmp.width, bmp.height));
    const c = new OffscreenCanvas(Math.max(1, Math.round(bmp.width * s)), Math.max(1, Math.round(bmp.height * s)));
    const g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(bmp, 0, 0, c.width, c.height);
    bmp.close();
    return b64(new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.7 })).arrayBuffer()));
  } catch {
    return '';
  }
}

// pdfModule loads pdf.js (web/src/pdfview.js) the first time a PDF is
// shown or described; pdfOptions are the URLs of its workers.
const pdfModule = () => import(core.assets().pdf);
const pdfOptions = () => ({ workerURL: core.assets().pdfWorker, rendererURL: core.assets().pdfRenderer });

// pdfThumbnail draws a PDF's first page with pdf.js: parsed in its worker,
// drawn in its renderer worker. A PDF that takes longer than 10 s gets no
// thumbnail (its upload waits for this).
async function pdfThumbnail(f) {
  const pdf = await pdfModule();
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('thumbnail timeout')), 10000)));
  try {
    return await Promise.race([pdf.thumbnail(new Uint8Array(await f.arrayBuffer()), pdfOptions()), late]);
  } finally {
    clearTimeout(timer);
  }
}

// thumbURL is the data: URL of a sealed thumbnail: whoever added the
// document chose its bytes, so only base64 goes into a URL that is always
// a JPEG, shown by an <img> (which runs nothing).
const thumbURL = (m) => (m?.thumb && m.thumb.length < 65536 && /^[A-Za-z0-9+/]+={0,2}$/.test(m.thumb) ? 'data:image/jpeg;base64,' + m.thumb : '');

// docIcon stands where a document has no thumbnail (a file that is no
// image or PDF, or one the page could not draw): a sheet with a folded
// corner, drawn here (no icon font, nothing fetched).
const docIcon = html`<svg class="thumb icon" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true" focusable="false">
  <path d="M14 8h14l8 8v24H14z" fill="#fff" stroke="#5b6470" stroke-width="2" stroke-linejoin="round" /><path d="M28 8v8h8M19 24h12M19 29h12M19 34h8" fill="none" stroke="#5b6470" stroke-width="2" stroke-linecap="round" /></svg>`;

// uploadNote says on the record page how the last uploads ended; finished
// uploads leave the list, failed ones stay until the next.
const uploadNote = signal('');

// runUploads sends files, each {file, meta: {title, date, source, comment}},
// into a category (or as the new version of replaces).
async function runUploads(files, category, replaces) {
  const ctx = { umk: session.value.umk, record: record.value, accountId: session.value.account.account_id };
  const entries = files.map(({ file: f }) => ({ name: f.webkitRelativePath || f.name, done: 0, total: f.size, state: 'queued' }));
  uploads.value = [...uploads.value.filter((u) => u.state !== 'done' && u.state !== 'failed'), ...entries];
  uploadNote.value = '';
  const update = (e, patch) => {
    Object.assign(e, patch);
    uploads.value = [...uploads.value];
  };
  let ok = 0;
  for (let i = 0; i < files.length; i++) {
    const { file: f, meta: described } = files[i];
    const e = entries[i];
    try {
      const meta = { ...described, file_name: f.name, media_type: f.type || 'application/octet-stream', size: f.size };
      meta.thumb = await thumbnail(f);
      for (const k of ['date', 'source', 'comment', 'type', 'thumb']) if (!meta[k]) delete meta[k];
      const progress = (done, total, state) =>
        state === 'restarted'
          ? update(e, { note: tr('Die Datei ist nicht mehr die, deren Hochladen unterbrochen wurde; sie wird unter einem neuen Schlüssel von vorn hochgeladen.',
              'The file is no longer the one whose upload was interrupted; it is uploaded again from the start under a new key.') })
          : update(e, { done, total, state });
      const prev = replaces && items.value.find((x) => x.item.id === replaces)?.meta;
      // The manifest names the upload before the server hears of it, and
      // as live once it completed.
      const announce = (id) => updateManifest(ctx.umk, ctx.record, [{ id, category, state: 'p' }]);
      const it = await upload(ctx, f, { category, meta, replaces, prevVersion: prev?.version || 0, path: droppedPath.get(f), progress, announce });
      await updateManifest(ctx.umk, ctx.record, [{ id: it.id, category, version: replaces ? Math.max(prev?.version || 0, 1) + 1 : 1, state: '' }]);
      update(e, { state: 'done' });
      ok++;
    } catch (err) {
      update(e, { state: 'failed', error: errorText(err) });
    }
  }
  await reloadRecord();
  // Finished uploads leave the screen; the sentence says they arrived.
  uploads.value = uploads.value.filter((u) => u.state !== 'done');
  if (ok) uploadNote.value = tr(ok === 1 ? '1 Dokument hochgeladen.' : `${ok} Dokumente hochgeladen.`, ok === 1 ? '1 document uploaded.' : `${ok} documents uploaded.`);
}

function Quota() {
  const r = record.value;
  if (!r) return null;
  const used = r.used + r.reserved;
  return html`<div class="quota">
    <label for="quota">${tr('Speicher', 'Storage')}: ${fmtBytes(used)} ${tr('von', 'of')} ${fmtBytes(r.quota)} ${tr('belegt', 'used')}</label>
    <progress id="quota" max=${r.quota} value=${used}>${Math.round((100 * used) / r.quota)} %</progress>
  </div>`;
}

// filesOf reads what was dropped: files, and the files of dropped folders
// with their paths.
async function filesOf(dataTransfer) {
  const entries = Array.from(dataTransfer.items || []).map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  const out = [];
  const walk = async (en, path) => {
    if (en.isFile) {
      const f = await new Promise((res, rej) => en.file(res, rej));
      droppedPath.set(f, path + en.name);
      out.push(f);
    } else if (en.isDirectory) {
      const r = en.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => r.readEntries(res, rej));
        if (!batch.length) break;
        for (const b of batch) await walk(b, path + en.name + '/');
      }
    }
  };
  if (entries.length) for (const en of entries) await walk(en, '');
  else out.push(...dataTransfer.files);
  return out;
}

// Modal is a native modal dialog (focus kept inside, Escape closes, the
// page behind inert), open while it is rendered.
function Modal({ labelledby, onClose, children, ...rest }) {
  const ref = useRef();
  useEffect(() => {
    const d = ref.current;
    if (!d.open) d.showModal();
    d.querySelector('h2')?.focus();
    return () => d.open && d.close();
  }, []);
  return html`<dialog ref=${ref} class="modal" aria-labelledby=${labelledby} onCancel=${(e) => (e.preventDefault(), onClose())} ...${rest}>${children}</dialog>`;
}

function CategorySelect({ id, value, onChange }) {
  return html`<div class="field">
    <label for=${id}>${tr('Kategorie', 'Category')}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${record.value?.categories.map((c) => html`<option value=${c.id}>${lang.value === 'en' ? c.name_en : c.name_de}</option>`)}
    </select>
  </div>`;
}

function NoteField({ id, value, onInput }) {
  return html`<div class="field">
    <label for=${id}>${tr('Notiz', 'Note')}</label>
    <textarea id=${id} rows="2" value=${value} onInput=${(e) => onInput(e.currentTarget.value)}></textarea>
  </div>`;
}

// UploadDialog is the one way in: choose files (or a folder, or drop
// them), then describe them (title and date each, category, author or
// practice and note for all; sensible defaults from the files), then
// upload. A new version is described from the document it replaces.
function UploadDialog({ files, replaces, onPick, onClose }) {
  const base = replaces?.meta;
  const [cat, setCat] = useState(replaces?.item.category || guessCategory());
  const [source, setSource] = useState(base?.source || '');
  const [comment, setComment] = useState(base?.comment || '');
  // docs holds what the patient typed, by file; the defaults fill the rest.
  const [edits, setEdits] = useState([]);
  const docs = files.map((f, i) => ({ title: base?.title || fileTitle(f.name), date: fileDate(f), ...edits[i] }));
  const [over, setOver] = useState(false);
  useEffect(() => {
    setEdits([]);
    // The chosen files replace the buttons that chose them: the dialog's
    // heading takes the focus again.
    if (files.length) document.getElementById('up-h')?.focus();
  }, [files]);
  const set = (i, patch) => setEdits(files.map((_, j) => (j === i ? { ...edits[j], ...patch } : edits[j])));
  const submit = (e) => {
    e.preventDefault();
    const described = files.map((f, i) => ({
      file: f,
      meta: { title: docs[i].title.trim() || fileTitle(f.name), date: isDate(docs[i].date) ? docs[i].date : '', source: source.trim(), comment: comment.trim(), type: base?.type },
    }));
    onClose();
    runUploads(described, cat || guessCategory(), replaces?.item.id);
  };
  const drop = async (e) => {
    e.preventDefault();
    setOver(false);
    onPick(await filesOf(e.dataTransfer));
  };
  const heading = replaces
    ? tr(`Neuere Fassung von „${base?.title}“`, `Newer copy of “${base?.title}”`)
    : tr('Dokumente hinzufügen', 'Add documents');
  return html`<${Modal} labelledby="up-h" onClose=${onClose} data-testid="upload-dialog">
    <h2 id="up-h" tabindex="-1">${heading}</h2>
    ${files.length === 0
      ? html`<div class=${'drop' + (over ? ' over' : '')} onDragOver=${(e) => (e.preventDefault(), setOver(true))} onDragLeave=${() => setOver(false)} onDrop=${drop}>
            <p>${tr('Wählen Sie Dateien oder einen Ordner, oder ziehen Sie sie hierher.', 'Choose files or a folder, or drag them here.')}</p>
            <div class="actions">
              <button type="button" class="primary" onClick=${() => onPick('files')}>${tr('Dateien auswählen', 'Choose files')}</button>
              ${!replaces && html`<button type="button" onClick=${() => onPick('folder')}>${tr('Ordner auswählen', 'Choose a folder')}</button>`}
            </div>
            <p class="hint">${tr('Jede Datei wird auf diesem Gerät verschlüsselt, bevor sie gesendet wird.', 'Every file is encrypted on this device before it is sent.')}</p>
          </div>
          <div class="actions"><button type="button" onClick=${onClose}>${tr('Abbrechen', 'Cancel')}</button></div>`
      : html`<form onSubmit=${submit} novalidate>
          <p class="hint">${tr('Titel, Datum, Verfasser und Notiz werden auf diesem Gerät verschlüsselt; Sie können sie später ändern.',
            'Title, date, author and note are encrypted on this device; you can change them later.')}</p>
          ${!replaces && html`<${CategorySelect} id="up-cat" value=${cat || guessCategory()} onChange=${setCat} />`}
          <div class="field">
            <label for="up-source">${tr('Verfasser oder Praxis', 'Author or practice')}</label>
            <input id="up-source" type="text" value=${source} onInput=${(e) => setSource(e.currentTarget.value)} autocomplete="off" />
          </div>
          <${NoteField} id="up-comment" value=${comment} onInput=${setComment} />
          <ul class="plain described" aria-label=${tr('Dateien', 'Files')}>
            ${files.map(
              (f, i) => html`<li><fieldset class="file">
                <legend>${f.webkitRelativePath || f.name} · ${fmtBytes(f.size)}</legend>
                <div class="row">
                  <div class="field"><label for=${'up-title-' + i}>${tr('Titel', 'Title')}</label>
                    <input id=${'up-title-' + i} type="text" value=${docs[i].title} onInput=${(e) => set(i, { title: e.currentTarget.value })} /></div>
                  <div class="field"><label for=${'up-date-' + i}>${tr('Datum des Befunds', 'Date of the finding')}</label>
                    <input id=${'up-date-' + i} type="date" value=${docs[i].date} onInput=${(e) => set(i, { date: e.currentTarget.value })} /></div>
                </div>
              </fieldset></li>`,
            )}
          </ul>
          <div class="actions">
            <button type="submit" class="primary" disabled=${!record.value}>${tr('Hochladen', 'Upload')}</button>
            <button type="button" onClick=${onClose}>${tr('Abbrechen', 'Cancel')}</button>
          </div>
        </form>`}
  <//>`;
}

// EditDialog describes a document anew (title, date, author or practice,
// category, note): new sealed metadata, the content is not sent again.
// Another device's change in between is refused (item_meta_changed).
function EditDialog({ x, onClose, onSaved }) {
  const m = x.meta || {};
  const [f, setF] = useState({ title: m.title || '', date: m.date || '', source: m.source || '', comment: m.comment || '' });
  const [cat, setCat] = useState(x.item.category);
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const submit = async (e) => {
    e.preventDefault();
    if (!f.title.trim()) return setErr(say('title_missing'));
    setBusy(true);
    setErr('');
    try {
      const meta = { ...m, title: f.title.trim(), date: isDate(f.date) ? f.date : '', source: f.source.trim(), comment: f.comment.trim() };
      const umk = session.value.umk;
      const { meta: sealed, ...change } = await core.call('describeItem', { umk, record: record.value, item: x.item, meta, category: cat });
      const it = await request('PUT', inRecord('/items/' + x.item.id + '/meta'), change);
      expect('item', x.item.id, it.id);
      // A move is noted in the manifest (docs/decisions/0026).
      if (change.category) await updateManifest(umk, record.value, [{ id: x.item.id, category: change.category, version: sealed.version || 0, state: '' }]);
      onSaved(sealed);
    } catch (e2) {
      setErr(errorText(e2));
      setBusy(false);
    }
  };
  return html`<${Modal} labelledby="edit-h" onClose=${onClose} data-testid="edit-dialog">
    <h2 id="edit-h" tabindex="-1">${tr('Angaben bearbeiten', 'Edit details')}</h2>
    <form onSubmit=${submit} novalidate>
      <p class="hint">${m.file_name} · ${fmtBytes(m.size || 0)}</p>
      <${Alert} text=${err} />
      <div class="field"><label for="ed-title">${tr('Titel', 'Title')}</label>
        <input id="ed-title" type="text" value=${f.title} onInput=${(e) => set('title')(e.currentTarget.value)} /></div>
      <div class="field"><label for="ed-date">${tr('Datum des Befunds', 'Date of the finding')}</label>
        <input id="ed-date" type="date" value=${f.date} onInput=${(e) => set('date')(e.currentTarget.value)} /></div>
      <div class="field"><label for="ed-source">${tr('Verfasser oder Praxis', 'Author or practice')}</label>
        <input id="ed-source" type="text" value=${f.source} onInput=${(e) => set('source')(e.currentTarget.value)} autocomplete="off" /></div>
      <${CategorySelect} id="ed-cat" value=${cat} onChange=${setCat} />
      <${NoteField} id="ed-comment" value=${f.comment} onInput=${set('comment')} />
      <div class="actions">
        <${Busy} busy=${busy}>${tr('Speichern', 'Save')}<//>
        <button type="button" onClick=${onClose}>${tr('Abbrechen', 'Cancel')}</button>
      </div>
    </form>
  <//>`;
}

// DocMenu is a menu button (WAI-ARIA APG): the secondary actions of a
// document. Enter, Space or the arrow keys open it; the arrows, Home and
// End move; Escape closes it and returns to the button; Tab leaves it.
function DocMenu({ label, actions }) {
  const [open, setOpen] = useState(false);
  const btn = useRef();
  const menu = useRef();
  const id = useRef(`menu${++fieldSeq}`).current;
  useEffect(() => {
    if (!open) return;
    menu.current.querySelector('[role=menuitem]').focus();
    const away = (e) => !menu.current?.contains(e.target) && !btn.current?.contains(e.target) && setOpen(false);
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);
  const close = (focus) => (setOpen(false), focus && btn.current.focus());
  const move = (e) => {
    const its = [...menu.current.querySelectorAll('[role=menuitem]')];
    const i = its.indexOf(document.activeElement);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: its.length - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      its[(to + its.length) % its.length].focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close(true);
    } else if (e.key === 'Tab') close(false);
  };
  return html`<div class="menu-wrap">
    <button type="button" ref=${btn} aria-haspopup="menu" aria-expanded=${open ? 'true' : 'false'} aria-controls=${open ? id : undefined}
      aria-label=${tr('Aktionen: ', 'Actions: ') + label} onClick=${() => setOpen(!open)}
      onKeyDown=${(e) => (e.key === 'ArrowDown' || e.key === 'ArrowUp') && (e.preventDefault(), setOpen(true))}>
      ${tr('Aktionen', 'Actions')} <span aria-hidden="true">▾</span>
    </button>
    ${open &&
    html`<ul role="menu" id=${id} ref=${menu} class="menu" aria-label=${tr('Aktionen: ', 'Actions: ') + label} onKeyDown=${move}>
      ${actions.map(
        (a) => html`<li role="none"><button type="button" role="menuitem" tabindex="-1" class=${a.danger ? 'danger' : ''}
          onClick=${() => (close(!a.takesFocus), a.run())}>${a.label}</button></li>`,
      )}
    </ul>`}
  </div>`;
}

function uploadState(u) {
  return (u.note ? u.note + ' ' : '') + uploadStateWord(u);
}

function uploadStateWord(u) {
  switch (u.state) {
    case 'queued':
      return tr('wartet', 'queued');
    case 'sending':
      return `${Math.floor((100 * u.done) / (u.total || 1))} %`;
    case 'waiting':
      return tr('Verbindung unterbrochen – wird fortgesetzt …', 'Connection lost – will resume …');
    case 'done':
      return tr('fertig', 'done');
    case 'failed':
      return tr('fehlgeschlagen: ', 'failed: ') + u.error;
  }
  return '';
}

function Uploads() {
  const list = uploads.value.filter((u) => u.state !== 'done');
  return html`<${Status} text=${uploadNote.value} />
    ${list.length > 0 &&
    html`<ul class="uploads" aria-label=${tr('Uploads', 'Uploads')}>
      ${list.map(
        (u) => html`<li data-state=${u.state}>
          <span class="name">${u.name}</span>
          <progress max=${u.total || 1} value=${u.done} aria-label=${u.name}></progress>
          <span class="state" role="status">${uploadState(u)}</span>
        </li>`,
      )}
    </ul>`}`;
}

// The record page's orders (decision 0026). Category groups always follow
// the record's list of categories, never the order of uploads.
const byDateDesc = (a, b) => (b.meta?.date || b.item.created_at.slice(0, 10)).localeCompare(a.meta?.date || a.item.created_at.slice(0, 10)) || b.item.created_at.localeCompare(a.item.created_at);
const sorts = {
  category: byDateDesc,
  'date-desc': byDateDesc,
  'date-asc': (a, b) => -byDateDesc(a, b),
  title: (a, b) => (a.meta?.title || '').localeCompare(b.meta?.title || '', lang.value, { sensitivity: 'base', numeric: true }) || byDateDesc(a, b),
};
const docDate = (x) => x.meta?.date || localDate(x.item.created_at);
const newCount = 3;

// saveDoc decrypts the document x and hands it to the browser as a
// download, saying so with setStatus, or why not with setErr.
async function saveDoc(x, setStatus, setErr) {
  setStatus(tr('Wird entschlüsselt …', 'Decrypting …'));
  try {
    // As octet-stream: the blob: URL is the app's origin, so it must
    // never be something the browser would render as a document.
    const blob = await download(x.item.id, unb64(x.key), x.meta, 'application/octet-stream');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = x.meta.file_name || x.meta.title;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    setStatus(tr('Heruntergeladen.', 'Downloaded.'));
  } catch (e) {
    setStatus('');
    setErr(errorText(e));
  }
}

// The viewer has an address of its own, so that Back closes it and a
// document can be bookmarked (the ID names no content).
const docPath = (id) => '/dokument/' + encodeURIComponent(id);
const viewDoc = (x) => navigate(docPath(x.item.id));

// The record's search, category filter, order and period outlive a visit
// to the viewer.
// They are kept in memory only: never in the address, which reaches the
// server's logs, nor in history.state, which the browser writes to disk;
// a search is health data.
const noFilter = { q: '', cat: '', sort: 'category', from: '', to: '' };
const recordFilter = signal(noFilter);
const useFilter = (k) => [recordFilter.value[k], (v) => (recordFilter.value = { ...recordFilter.value, [k]: v })];

// CDImport reads a patient CD (its folder, or a ZIP of it) on this
// device, shows what it found and what it skips, and uploads each study as
// one encrypted item (docs/dicom.md, decision 0038); the record page shows
// the uploads' progress.
const skipText = {
  program: ['Programm (Bildbetrachter)', 'program (image viewer)'],
  autorun: ['Autostart-Datei', 'autorun file'],
  picture: ['Bild oder Logo, kein DICOM', 'picture or logo, not DICOM'],
  document: ['Dokument, kein DICOM', 'document, not DICOM'],
  archive: ['Archiv', 'archive'],
  duplicate: ['doppelt vorhanden', 'duplicate'],
  malformed: ['beschädigtes DICOM', 'damaged DICOM'],
  empty: ['leer', 'empty'],
};
const matchText = { match: ['stimmt überein', 'matches'], mismatch: ['weicht ab', 'differs'], unknown: ['nicht prüfbar', 'cannot be checked'] };

function CDImport() {
  useTitle(tr('Patienten-CD importieren', 'Import a patient CD'));
  const [found, setFound] = useState(null); // {files, studies, skipped, source}
  const [busy, setBusy] = useState('');
  const [err, setErr] = useState('');
  const [sure, setSure] = useState(false);
  const folder = useRef(null);
  const zip = useRef(null);
  const read = async (files, isZip) => {
    if (!files.length) return;
    setErr('');
    setFound(null);
    setSure(false);
    setBusy(tr('Die CD wird auf diesem Gerät gelesen …', 'Reading the CD on this device …'));
    try {
      const paths = files.map((f) => droppedPath.get(f) || f.webkitRelativePath || f.name);
      const r = await cdScan(files, { zip: isZip, paths, birthDate: session.value.account.birth_date });
      if (!r.studies.length) throw new core.CoreError('invalid', 'no studies', 'dicom_no_studies');
      setFound({ ...r, files });
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy('');
    }
  };
  const pickDrop = async (e) => {
    e.preventDefault();
    const files = await filesOf(e.dataTransfer);
    read(files, files.length === 1 && /\.zip$/i.test(files[0].name));
  };
  const mismatch = found?.studies.some((s) => s.mismatch);
  const start = async () => {
    setBusy(tr('Die Untersuchungen werden vorbereitet …', 'Preparing the studies …'));
    try {
      const list = [];
      for (const s of found.studies) {
        const file = await studyFile(s, found.files);
        droppedPath.set(file, 'cd:' + s.uid);
        list.push({ file, meta: { title: s.title, type: 'DICOM ' + s.modalities.join('/'), date: s.date, source: s.institution } });
      }
      navigate('/akte');
      runUploads(list, 'images');
    } catch (e) {
      setErr(errorText(e));
      setBusy('');
    }
  };
  return html`<div onDragOver=${(e) => e.preventDefault()} onDrop=${pickDrop} data-testid="cd-dropzone">
    <h1 tabindex="-1">${tr('Patienten-CD importieren', 'Import a patient CD')}</h1>
    <p>${tr('Wählen Sie den Ordner der CD (oder ziehen Sie ihn hierher) oder eine ZIP-Datei mit ihrem Inhalt. Die Bilder werden auf diesem Gerät gelesen und verschlüsselt; jede Untersuchung wird ein Dokument in der Kategorie „Medizinische Bilder“.',
      'Choose the CD’s folder (or drag it here) or a ZIP file of its contents. The images are read and encrypted on this device; each study becomes one document in the category “Medical images”.')}</p>
    <div class="row">
      <button type="button" class="primary" onClick=${() => folder.current.click()} disabled=${!!busy}>${tr('Ordner der CD wählen', 'Choose the CD’s folder')}</button>
      <button type="button" onClick=${() => zip.current.click()} disabled=${!!busy}>${tr('ZIP-Datei wählen', 'Choose a ZIP file')}</button>
    </div>
    <input ref=${folder} type="file" webkitdirectory multiple hidden data-testid="cd-folder" aria-label=${tr('Ordner der CD', 'The CD’s folder')}
      onChange=${(e) => (read(Array.from(e.currentTarget.files), false), (e.currentTarget.value = ''))} />
    <input ref=${zip} type="file" accept=".zip,application/zip" hidden data-testid="cd-zip" aria-label=${tr('ZIP-Datei', 'ZIP file')}
      onChange=${(e) => (read(Array.from(e.currentTarget.files), true), (e.currentTarget.value = ''))} />
    <${Status} text=${busy} />
    <${Alert} text=${err} />
    ${found &&
    html`<section aria-labelledby="cd-found-h">
      <h2 id="cd-found-h" tabindex="-1">${tr(`Gefunden: ${found.studies.length} Untersuchung(en)`, `Found: ${found.studies.length} stud${found.studies.length === 1 ? 'y' : 'ies'}`)}</h2>
      <ul class="plain studies">
        ${found.studies.map(
          (s) => html`<li data-testid="cd-study"><h3>${s.title}</h3>
            <p class="meta">${[s.date && fmtDate(s.date), s.modalities.join('/'), s.institution].filter(Boolean).join(' · ')}</p>
            <p>${tr(`${s.series} Serie(n), ${s.instances} Bilder, ${fmtBytes(s.size)}`, `${s.series} series, ${s.instances} images, ${fmtBytes(s.size)}`)}</p>
            <p>${tr('Patient', 'Patient')}: ${s.patient.name || '–'}${s.patient.birth_date && html`, ${tr('geboren', 'born')} ${fmtDate(s.patient.birth_date)}`}
              (${tr('Geburtsdatum', 'date of birth')}: ${tr(...matchText[s.check.birth_date])})</p>
            ${s.mismatch && html`<p class="alert" role="alert">${tr('Diese Untersuchung scheint zu einer anderen Person zu gehören.', 'This study seems to be another person’s.')}</p>`}
          </li>`,
        )}
      </ul>
      ${found.skipped.length > 0 &&
      html`<details><summary>${tr(`Nicht importiert: ${found.skipped.length} Datei(en)`, `Not imported: ${found.skipped.length} file(s)`)}</summary>
        <ul data-testid="cd-skipped">${found.skipped.map((k) => html`<li><span class="name">${k.path}</span>: ${tr(...(skipText[k.reason] || ['kein DICOM oder nicht lesbar', 'not DICOM or not readable']))}</li>`)}</ul>
      </details>`}
      ${mismatch &&
      html`<p><label><input type="checkbox" checked=${sure} onChange=${(e) => setSure(e.currentTarget.checked)} />
        ${' '}${tr('Ich habe geprüft: Diese Bilder gehören in meine Akte.', 'I checked: these images belong in my record.')}</label></p>`}
      <button type="button" class="primary" onClick=${start} disabled=${!!busy || (mismatch && !sure)}>${tr('Verschlüsselt hochladen', 'Encrypt and upload')}</button>
    </section>`}
    <p><a href="/akte">${tr('Zurück zur Akte', 'Back to the record')}</a></p>
  </div>`;
}

function Record() {
  useTitle(tr('Meine Akte', 'My record'));
  const [q, setQ] = useFilter('q');
  const [cat, setCat] = useFilter('cat');
  const [sort, setSort] = useFilter('sort');
  const [from, setFrom] = useFilter('from');
  const [to, setTo] = useFilter('to');
  const [err, setErr] = useState('');
  const [confirmDel, setConfirmDel] = useState(null);
  const [status, setStatus] = useState('');
  const [adding, setAdding] = useState(null); // {files, replaces} while the upload dialog is open
  const [editing, setEditing] = useState(null);
  const fileInput = useRef(null);
  const folderInput = useRef(null);
  useEffect(() => {
    reloadRecord();
  }, []);
  const all = items.value;
  const replaced = new Set(all.map((x) => x.item.replaces).filter(Boolean));
  const olderOf = (x) => {
    const out = [];
    let r = x.item.replaces;
    while (r) {
      const o = all.find((y) => y.item.id === r);
      if (!o) break;
      out.push(o);
      r = o.item.replaces;
    }
    return out;
  };
  const current = all.filter((x) => !replaced.has(x.item.id));
  const counts = new Map();
  for (const x of current) counts.set(x.item.category, (counts.get(x.item.category) || 0) + 1);
  const newest = [...current].sort((a, b) => b.item.created_at.localeCompare(a.item.created_at)).slice(0, newCount);
  // Search covers what a patient describes: title, author, note (and the
  // file name and type), all decrypted on this device.
  const needle = q.trim().toLocaleLowerCase();
  const shown = current
    .filter((x) => !cat || x.item.category === cat)
    .filter((x) => !needle || ['title', 'source', 'comment', 'file_name', 'type'].some((k) => (x.meta?.[k] || '').toLocaleLowerCase().includes(needle)))
    .filter((x) => (!from || docDate(x) >= from) && (!to || docDate(x) <= to))
    .sort(sorts[sort] || byDateDesc);
  const order = record.value?.categories.map((c) => c.id) || [];
  const groups =
    sort === 'category'
      ? order.map((c) => [c, shown.filter((x) => x.item.category === c)]).filter(([, xs]) => xs.length)
      : [['', shown]];
  // A newer copy is one file.
  const pick = (files) => files.length && setAdding({ files: adding?.replaces ? files.slice(0, 1) : files, replaces: adding?.replaces || null });
  const chooseFiles = (what) => (what === 'folder' ? folderInput : fileInput).current.click();
  const save = (x) => saveDoc(x, setStatus, setErr);
  const remove = async (x) => {
    try {
      // The manifest says each delete began before it does, and that it
      // happened after.
      const ids = [x.item.id, ...olderOf(x).map((o) => o.item.id)];
      const mark = (state) => updateManifest(session.value.umk, record.value, ids.map((id) => ({ id, state })));
      await mark('d');
      for (const id of ids) await del(inRecord('/items/' + id));
      await mark('x');
      setConfirmDel(null);
      setStatus(tr(`„${x.meta?.title}“ gelöscht.`, `“${x.meta?.title}” deleted.`));
      await loadRecord();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  const title = (x) => x.meta?.title ?? tr('(nicht lesbar)', '(unreadable)');
  const doc = (x) => {
    const older = olderOf(x);
    const label = x.meta?.title || '';
    const actions = [
      x.key && { label: tr('Herunterladen', 'Download'), run: () => save(x) },
      x.key && { label: tr('Angaben bearbeiten', 'Edit details'), run: () => setEditing(x), takesFocus: true },
      { label: tr('Neuere Fassung hochladen', 'Upload a newer copy'), run: () => setAdding({ files: [], replaces: x }), takesFocus: true },
      { label: tr('Löschen', 'Delete'), run: () => setConfirmDel(x), danger: true, takesFocus: true },
    ].filter(Boolean);
    const thumb = thumbURL(x.meta);
    return html`<li class="doc" data-testid="doc">
      ${thumb ? html`<img class="thumb" src=${thumb} alt="" width="48" height="48" />` : docIcon}
      <div class="doc-main">
        <span class="title">${title(x)}</span>
        <span class="meta">${[x.meta?.date && fmtDate(x.meta.date), x.meta?.source, sort !== 'category' && catName(x.item.category), fmtBytes(x.meta?.size ?? 0),
          older.length && tr(`Fassung ${older.length + 1}`, `copy ${older.length + 1}`)].filter(Boolean).join(' · ')}</span>
        ${x.meta?.comment && html`<span class="note">${x.meta.comment}</span>`}
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick=${() => viewDoc(x)} disabled=${!x.key} aria-label=${tr('Ansehen: ', 'View: ') + label}>${tr('Ansehen', 'View')}</button>
        <${DocMenu} label=${label} actions=${actions} />
      </div>
      ${confirmDel === x &&
      html`<div class="confirm" role="alertdialog" aria-labelledby=${'del-' + x.item.id}>
        <p id=${'del-' + x.item.id}>${tr(
          `„${x.meta?.title}“${older.length ? ` und ${older.length} ältere Fassung(en)` : ''} endgültig löschen? Das lässt sich nicht rückgängig machen.`,
          `Delete “${x.meta?.title}”${older.length ? ` and ${older.length} older copy(ies)` : ''} for good? This cannot be undone.`,
        )}</p>
        <div class="actions">
          <button type="button" class="danger" onClick=${() => remove(x)} ref=${(el) => el && el.focus()}>${tr('Endgültig löschen', 'Delete for good')}</button>
          <button type="button" onClick=${() => setConfirmDel(null)}>${tr('Abbrechen', 'Cancel')}</button>
        </div>
      </div>`}
      ${older.length > 0 &&
      html`<details><summary>${tr('Ältere Fassungen', 'Older copies')} (${older.length})</summary><ul>
        ${older.map((o) => html`<li>${o.meta?.title} · ${fmtDateTime(o.item.created_at)}
          <button type="button" onClick=${() => viewDoc(o)}>${tr('Ansehen', 'View')}</button></li>`)}
      </ul></details>`}
    </li>`;
  };
  const dropOnPage = async (e) => {
    e.preventDefault();
    pick(await filesOf(e.dataTransfer));
  };
  return html`<div data-testid="dropzone" onDragOver=${(e) => e.preventDefault()} onDrop=${dropOnPage}>
    <h1 tabindex="-1">${representing.value ? tr(`Akte von ${representing.value}`, `Record of ${representing.value}`) : tr('Meine Akte', 'My record')}</h1>
    <${RecordSwitch} />
    <${SecurityNotices} />
    <div class="record-top">
      <button type="button" class="primary add" onClick=${() => setAdding({ files: [], replaces: null })} disabled=${!record.value}>
        ${tr('Dokumente hinzufügen', 'Add documents')}</button>
      <a class="button" href="/patienten-cd">${tr('Patienten-CD importieren', 'Import a patient CD')}</a>
      <${Quota} />
    </div>
    <${Uploads} />
    <input ref=${fileInput} type="file" multiple hidden data-testid="file-input" aria-label=${tr('Dateien auswählen', 'Choose files')}
      onChange=${(e) => (pick(Array.from(e.currentTarget.files)), (e.currentTarget.value = ''))} />
    <input ref=${folderInput} type="file" webkitdirectory multiple hidden data-testid="folder-input" aria-label=${tr('Ordner auswählen', 'Choose a folder')}
      onChange=${(e) => (pick(Array.from(e.currentTarget.files)), (e.currentTarget.value = ''))} />
    ${adding &&
    html`<${UploadDialog} files=${adding.files} replaces=${adding.replaces}
      onPick=${(what) => (typeof what === 'string' ? chooseFiles(what) : pick(what))} onClose=${() => setAdding(null)} />`}
    ${editing &&
    html`<${EditDialog} x=${editing} onClose=${() => setEditing(null)}
      onSaved=${(m) => (setEditing(null), setStatus(tr(`Angaben zu „${m.title}“ gespeichert.`, `Details of “${m.title}” saved.`)), reloadRecord())} />`}
    <${Alert} text=${err || recordError.value} />
    <${Status} text=${status} />
    ${newest.length > 0 &&
    html`<section aria-labelledby="new-h" class="new">
      <h2 id="new-h">${tr('Neu in Ihrer Akte', 'New in your record')}</h2>
      <ul class="plain">
        ${newest.map(
          (x) => html`<li data-testid="new-doc"><button type="button" class="link" onClick=${() => viewDoc(x)} disabled=${!x.key}>${title(x)}</button>
            <span class="meta">${catName(x.item.category)} · ${tr('hinzugefügt', 'added')} ${fmtDate(x.item.created_at)}</span></li>`,
        )}
      </ul>
    </section>`}
    <section aria-labelledby="docs-h">
      <h2 id="docs-h">${tr('Dokumente', 'Documents')}</h2>
      ${current.length > 0 &&
      html`<div class="chips" role="group" aria-label=${tr('Kategorien', 'Categories')}>
        <button type="button" aria-pressed=${cat === '' ? 'true' : 'false'} onClick=${() => setCat('')}>${tr('Alle', 'All')} (${current.length})</button>
        ${order.filter((c) => counts.get(c)).map(
          (c) => html`<button type="button" aria-pressed=${cat === c ? 'true' : 'false'} onClick=${() => setCat(cat === c ? '' : c)}>${catName(c)} (${counts.get(c)})</button>`,
        )}
      </div>`}
      <div class="row filters" role="search">
        <div class="field"><label for="search">${tr('Suche (Titel, Verfasser, Notiz)', 'Search (title, author, note)')}</label>
          <input id="search" type="search" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} /></div>
      </div>
      <details class="filters" open=${!!(from || to || sort !== 'category')}>
        <summary>${tr('Sortieren und Zeitraum', 'Sort and period')}</summary>
        <div class="row">
          <div class="field"><label for="sort">${tr('Sortieren nach', 'Sort by')}</label>
            <select id="sort" value=${sort} onChange=${(e) => setSort(e.currentTarget.value)}>
              <option value="category">${tr('Kategorie', 'Category')}</option>
              <option value="date-desc">${tr('Datum (neueste zuerst)', 'Date (newest first)')}</option>
              <option value="date-asc">${tr('Datum (älteste zuerst)', 'Date (oldest first)')}</option>
              <option value="title">${tr('Titel (A–Z)', 'Title (A–Z)')}</option>
            </select></div>
          <div class="field"><label for="from">${tr('Datum von', 'Date from')}</label>
            <input id="from" type="date" value=${from} onInput=${(e) => setFrom(e.currentTarget.value)} /></div>
          <div class="field"><label for="to">${tr('Datum bis', 'Date to')}</label>
            <input id="to" type="date" value=${to} onInput=${(e) => setTo(e.currentTarget.value)} /></div>
        </div>
      </details>
      ${all.some((x) => x.problem) &&
      html`<div class="alert" role="alert" data-testid="chain-problems"><ul>
        ${all.filter((x) => x.problem).map((x) => html`<li>${errorText(x.problem)}</li>`)}
      </ul></div>`}
      ${listProblems.value.length > 0 &&
      html`<div class="alert" role="alert" data-testid="list-problems"><ul>
        ${listProblems.value.map((p) => html`<li>${errorText(p.error)}</li>`)}
      </ul></div>`}
      ${shown.length === 0 && html`<p>${all.length ? tr('Keine Treffer.', 'No matches.') : tr('Noch keine Dokumente.', 'No documents yet.')}</p>`}
      ${groups.map(([c, xs]) =>
        c
          ? html`<section class="cat" aria-labelledby=${'cat-' + c}>
              <h3 id=${'cat-' + c}>${catName(c)} <span class="count">(${xs.length})</span></h3>
              <${PortalLink} category=${c} />
              <ul class="docs">${xs.map(doc)}</ul>
            </section>`
          : html`<ul class="docs">${xs.map(doc)}</ul>`,
      )}
    </section>
    <${LastLogins} />
  </div>`;
}

// Previews never run what a document contains (docs/crypto.md, "Malicious
// server"): whoever adds a document chooses its bytes and its media type,
// and a blob: URL belongs to the app's origin. So there are no frames at
// all (the CSP says frame-src 'none'; a sandboxed frame would be the only
// safe kind, and Chromium shows no PDF in one): raster images go to an
// <img>; SVG too, but as a data: URL, which opened on its own gets an
// opaque origin, never the app's; every text/* type, HTML included, is
// shown as plain text; a PDF opens in the browser's own viewer in a new
// tab; anything else can only be downloaded (as application/octet-stream).
const rasterTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);
const textPreviewBytes = 1 << 20;
const svgPreviewBytes = 10 << 20;

function previewKind(mediaType) {
  const t = (mediaType || '').split(';')[0].trim().toLowerCase();
  if (rasterTypes.has(t)) return { kind: 'image', type: t };
  if (t === 'image/svg+xml') return { kind: 'svg', type: 'image/svg+xml' };
  if (t === 'application/pdf') return { kind: 'pdf', type: t };
  if (t.startsWith('text/')) return { kind: 'text', type: 'application/octet-stream' };
  return { kind: 'none', type: 'application/octet-stream' };
}

const dataURL = (blob) =>
  new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });

// DocumentPage is the viewer at /dokument/ID. The document is looked up in
// the record's listing, which a page opened by its address (a bookmark, a
// reload, a login that led here) loads first.
function DocumentPage({ id }) {
  const x = items.value.find((y) => y.item.id === id);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    if (x && record.value) setLoaded(true);
    else reloadRecord().finally(() => setLoaded(true));
  }, [id]);
  if (x?.key) return x.meta?.media_type === studyMediaType ? html`<${StudyViewer} x=${x} />` : html`<${Viewer} x=${x} />`;
  return html`<${NoDocument} loading=${!loaded} error=${x?.error} />`;
}

function NoDocument({ loading, error }) {
  const title = loading ? tr('Dokument', 'Document') : tr('Dokument nicht gefunden', 'Document not found');
  useTitle(title);
  return html`<h1 tabindex="-1">${title}</h1>
    ${loading
      ? html`<${Status} text=${tr('Wird geladen …', 'Loading …')} />`
      : html`<${Alert} text=${error ? errorText(error) : recordError.value} />
        <p>${tr('Dieses Dokument ist nicht (mehr) in Ihrer Akte.', 'This document is not (or no longer) in your record.')}</p>`}
    <p><a href="/akte">${tr('Zur Akte', 'Go to the record')}</a></p>`;
}

// PdfPages shows a PDF's pages with pdf.js (web/src/pdfview.js, loaded
// the first time a PDF is shown): browsers without a PDF viewer of their
// own, such as Android's Chrome, show it too.
function PdfPages({ blob, title }) {
  const ref = useRef(null);
  const [status, setStatus] = useState(tr('Die Seiten werden dargestellt …', 'Drawing the pages …'));
  const [err, setErr] = useState('');
  useEffect(() => {
    const box = ref.current;
    (async () => {
      const pdf = await pdfModule();
      const label = (n, total) => tr(`${title}, Seite ${n} von ${total}`, `${title}, page ${n} of ${total}`);
      const total = await pdf.render(box, new Uint8Array(await blob.arrayBuffer()), { ...pdfOptions(), label });
      setStatus(total > 50 ? tr(`Gezeigt sind die ersten 50 von ${total} Seiten; laden Sie das Dokument für alle herunter.`, `The first 50 of ${total} pages are shown; download the document for all of them.`) : '');
    })().catch(() => {
      setStatus('');
      setErr(tr('Dieses PDF lässt sich hier nicht darstellen. Laden Sie es herunter oder öffnen Sie es im Browser.', 'This PDF cannot be shown here. Download it or open it in the browser.'));
    });
    return () => box.replaceChildren();
  }, [blob]);
  return html`<${Status} text=${status} /><${Alert} text=${err} /><div class="pdf-pages" ref=${ref} data-testid="preview"></div>`;
}

// StudyViewer shows a DICOM study (docs/dicom.md §2.5, decision 0040):
// web/src/dicomview.js, loaded the first time a study is opened, reads the
// content by byte range and renders it with cornerstone3D.
function StudyViewer({ x }) {
  useTitle(x.meta?.title || tr('Bilder', 'Images'));
  const ref = useRef(null);
  const [status, setStatus] = useState(tr('Der Viewer wird geladen …', 'Loading the viewer …'));
  const [err, setErr] = useState('');
  useEffect(() => {
    let stop;
    let gone = false;
    (async () => {
      const [view, reader] = await Promise.all([import(core.assets().dicomView), rangedContent(x.item.id, unb64(x.key), x.meta.size, x.item.size)]);
      if (gone) return;
      const s = await view.mount(ref.current, { reader, tr, assets: core.assets(), title: x.meta.title });
      if (gone) s();
      else stop = s;
      setStatus('');
    })().catch((e) => {
      setStatus('');
      setErr(e?.reason ? errorText(e) : tr('Diese Bilder lassen sich hier nicht darstellen. Laden Sie sie herunter.', 'These images cannot be shown here. Download them.'));
    });
    return () => {
      gone = true;
      stop?.();
    };
  }, [x.item.id, lang.value]); // the viewer's labels are set when it is built
  return html`<h1 tabindex="-1">${x.meta?.title}</h1>
    <p class="meta">${catName(x.item.category)} · ${x.meta?.date ? fmtDate(x.meta.date) : ''} · ${fmtBytes(x.meta?.size || 0)}</p>
    <div class="actions">
      <button type="button" onClick=${() => back('/akte')}>${tr('Zurück zur Akte', 'Back to the record')}</button>
      <button type="button" onClick=${() => saveDoc(x, setStatus, setErr)}>${tr('Herunterladen', 'Download')}</button>
      ${home(session.value) === '/akte' && html`<a href=${'/geteilt?dokument=' + encodeURIComponent(x.item.id)}>${tr('Teilen (Link oder Zugangscode)', 'Share (link or access code)')}</a>`}
    </div>
    <${Status} text=${status} />
    <${Alert} text=${err} />
    <div ref=${ref} data-testid="study-viewer"></div>`;
}

function Viewer({ x }) {
  useTitle(x.meta?.title || tr('Dokument', 'Document'));
  const [shown, setShown] = useState(null); // { url } or { text, cut }
  const [err, setErr] = useState('');
  const [status, setStatus] = useState(tr('Wird entschlüsselt …', 'Decrypting …'));
  const pv = previewKind(x.meta?.media_type);
  useEffect(() => {
    let u;
    (async () => {
      if (pv.kind === 'none') return {};
      const blob = await download(x.item.id, unb64(x.key), x.meta, pv.type, (d, t) =>
        setStatus(tr(`Wird entschlüsselt … ${Math.floor((100 * d) / (t || 1))} %`, `Decrypting … ${Math.floor((100 * d) / (t || 1))} %`)),
      );
      if (pv.kind === 'text') return { text: await blob.slice(0, textPreviewBytes).text(), cut: blob.size > textPreviewBytes };
      if (pv.kind === 'svg') return blob.size <= svgPreviewBytes ? { url: await dataURL(blob) } : {};
      u = URL.createObjectURL(blob);
      return { url: u, blob };
    })().then(
      (v) => {
        setShown(v);
        setStatus('');
      },
      (e) => {
        setStatus('');
        setErr(errorText(e));
      },
    );
    return () => u && URL.revokeObjectURL(u);
  }, [x.item.id]);
  let body = null;
  if (shown?.url && (pv.kind === 'image' || pv.kind === 'svg')) body = html`<img class="preview" src=${shown.url} alt=${x.meta.title} data-testid="preview" />`;
  else if (shown?.url && pv.kind === 'pdf')
    body = html`<${PdfPages} blob=${shown.blob} title=${x.meta.title} />
      <p><a href=${shown.url} target="_blank" rel="noopener">${tr('PDF im Browser öffnen (neuer Tab)', 'Open the PDF in the browser (new tab)')}</a></p>`;
  else if (shown && 'text' in shown)
    body = html`${shown.cut && html`<p class="hint">${tr('Die Vorschau zeigt das erste Megabyte. Laden Sie das Dokument herunter, um alles zu sehen.', 'The preview shows the first megabyte. Download the document to see all of it.')}</p>`}
      <pre class="preview text" tabindex="0" aria-label=${x.meta.title} data-testid="preview">${shown.text}</pre>`;
  else if (shown) body = html`<p>${tr('Für diese Art von Datei gibt es keine Vorschau. Laden Sie sie herunter.', 'There is no preview for this kind of file. Download it.')}</p>`;
  return html`<h1 tabindex="-1">${x.meta?.title}</h1>
    <p class="meta">${catName(x.item.category)} · ${x.meta?.date ? fmtDate(x.meta.date) : ''} · ${x.meta?.file_name} · ${fmtBytes(x.meta?.size || 0)}</p>
    <div class="actions">
      <button type="button" onClick=${() => back('/akte')}>${tr('Zurück zur Akte', 'Back to the record')}</button>
      <button type="button" onClick=${() => saveDoc(x, setStatus, setErr)}>${tr('Herunterladen', 'Download')}</button>
      ${home(session.value) === '/akte' && html`<a href=${'/geteilt?dokument=' + encodeURIComponent(x.item.id)}>${tr('Teilen (Link oder Zugangscode)', 'Share (link or access code)')}</a>`}
    </div>
    <${Status} text=${status} />
    <${Alert} text=${err} />
    ${body}`;
}

// ---- settings ----

// Information (GDPR Art. 15; issue 16, item 5; docs/rights.md): what the
// server stores about the account in plaintext, as it answers, and a
// summary of the record decrypted in this browser; the whole as a JSON
// file too. The CLI's `akte account report` gives the same.
function Information() {
  useTitle(tr('Auskunft über Ihre Daten', 'Information about your data'));
  const [data, setData] = useState(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    (async () => {
      try {
        await reloadRecord();
        const [account, devices, sessions, passkeys, records, { usage }] = await Promise.all([get('/account'), get('/devices'), get('/sessions'), get('/account/passkeys'), get('/records'), get('/account/usage')]);
        const p = await verifyProtocol().catch(() => null);
        setData({ account, devices, sessions, passkeys, records, usage, protocol: p && { events: p.events.length, size: p.size } });
      } catch (e) {
        setErr(errorText(e));
      }
    })();
  }, []);
  const all = items.value;
  const byCat = new Map();
  for (const x of all) byCat.set(x.item.category, (byCat.get(x.item.category) || 0) + 1);
  const dates = all.map((x) => x.meta?.date || x.item.created_at.slice(0, 10)).sort();
  const sources = [...new Set(all.map((x) => x.meta?.source).filter(Boolean))].sort();
  const save = () => {
    const r = record.value;
    const report = {
      made: new Date().toISOString(),
      server: { ...data, quota: r?.quota, used: r?.used,
        items: all.map(({ item: i }) => ({ id: i.id, kind: i.kind, category: i.category, size: i.size, created_at: i.created_at, created_by: i.created_by, replaces: i.replaces })) },
      content: { documents: all.length, bytes: all.reduce((n, x) => n + (x.meta?.size || 0), 0), earliest: dates[0], latest: dates.at(-1), sources,
        categories: [...byCat].map(([id, documents]) => ({ id, documents })) },
    };
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }));
    a.download = 'akte-auskunft.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const a = data?.account;
  return html`<h1 tabindex="-1">${tr('Auskunft über Ihre Daten', 'Information about your data')}</h1>
    <p>${tr('Was der Server über Ihr Konto speichert, und eine Zusammenfassung Ihrer Akte (Art. 15 DSGVO). Gesundheitsdaten hat der Server nur verschlüsselt; die Zusammenfassung entsteht in diesem Browser.',
      'What the server stores about your account, and a summary of your record (GDPR Art. 15). The server holds health data only encrypted; the summary is made in this browser.')}</p>
    <${Alert} text=${err} />
    ${!data && !err && html`<${Status} text=${tr('Wird zusammengestellt …', 'Gathering …')} />`}
    ${data &&
    html`<section class="card" aria-labelledby="inf-server-h">
        <h2 id="inf-server-h">${tr('Beim Server gespeichert (unverschlüsselt)', 'Stored by the server (unencrypted)')}</h2>
        <dl class="facts" data-testid="info-server">
          <dt>${tr('E-Mail-Adresse', 'E-mail address')}</dt><dd>${a.email}</dd>
          <dt>KVNR</dt><dd>${a.kvnr}</dd>
          <dt>${tr('Geburtsdatum', 'Date of birth')}</dt><dd>${a.birth_date ? fmtDate(a.birth_date) : ''}</dd>
          <dt>${tr('Konto angelegt', 'Account created')}</dt><dd>${fmtDateTime(a.created_at)}</dd>
          <dt>${tr('Geräte', 'Devices')}</dt><dd>${data.devices.length}</dd>
          <dt>${tr('Sitzungen', 'Sessions')}</dt><dd>${data.sessions.length}</dd>
          <dt>${tr('Passkeys', 'Passkeys')}</dt><dd>${data.passkeys.length}</dd>
          <dt>${tr('Akten, auf die Sie zugreifen', 'Records you may act on')}</dt><dd>${data.records.length}</dd>
          <dt>${tr('Einträge der Akte (Kennung, Kategorie, Größe, Zeit)', 'Items of the record (id, category, size, time)')}</dt><dd>${all.length}</dd>
          <dt>${tr('Speicher', 'Storage')}</dt><dd>${fmtBytes(record.value?.used || 0)} / ${fmtBytes(record.value?.quota || 0)}</dd>
          <dt>${tr('Protokolleinträge', 'Protocol entries')}</dt><dd>${data.protocol ? data.protocol.events : tr('nicht prüfbar', 'cannot be verified')}</dd>
          ${(data.usage?.quarters || []).map((q) => html`<dt>${tr('Letzter Zugriff im Quartal', 'Last access in quarter')} ${q.quarter}</dt><dd>${fmtDateTime(q.last_access)}</dd>`)}
        </dl>
        ${data.usage && html`<p class="hint">${tr('Zur Abrechnung speichert der Betreiber getrennt von Ihrer Akte: Registrierung, letzten Zugriff je Quartal (fünf Quartale) und ein Kündigungsdatum, nach dem Ende höchstens 15 Monate.',
          'For billing, the operator keeps apart from your record: registration, last access per quarter (five quarters) and an end date, for at most 15 months after the end.')}</p>`}
        <p><a href="/einstellungen">${tr('Geräte und Sitzungen verwalten', 'Manage devices and sessions')}</a> · <a href="/protokoll">${tr('Protokoll ansehen', 'See the protocol')}</a></p>
      </section>
      <section class="card" aria-labelledby="inf-content-h">
        <h2 id="inf-content-h">${tr('Ihre Akte (in diesem Browser entschlüsselt)', 'Your record (decrypted in this browser)')}</h2>
        <dl class="facts" data-testid="info-content">
          <dt>${tr('Dokumente', 'Documents')}</dt><dd>${all.length}</dd>
          ${dates.length > 0 && html`<dt>${tr('Zeitraum', 'Period')}</dt><dd>${fmtDate(dates[0])} – ${fmtDate(dates.at(-1))}</dd>`}
          ${[...byCat].map(([c, n]) => html`<dt>${catName(c)}</dt><dd>${n}</dd>`)}
          ${sources.length > 0 && html`<dt>${tr('Quellen', 'Sources')}</dt><dd>${sources.join(', ')}</dd>`}
        </dl>
      </section>
      <button type="button" class="primary" onClick=${save}>${tr('Auskunft als Datei speichern (JSON)', 'Save the information as a file (JSON)')}</button>`}`;
}

// Termination (issue 16, item 7): notice on the account, with what will be
// lost and when, revocable with one click during the grace period.
function Termination() {
  const [notice, setNotice] = useState(undefined); // undefined: loading; null: none
  const [asking, setAsking] = useState(false);
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  useEffect(() => {
    get('/account/termination').then((r) => setNotice(r.termination), (e) => setErr(errorText(e)));
  }, []);
  const act = async (f, done) => {
    setErr('');
    setStatus('');
    try {
      await f();
      setStatus(done);
    } catch (e) {
      setErr(errorText(e));
    }
  };
  const give = () => act(async () => (setNotice(await post('/account/termination', {})), setAsking(false)), tr('Gekündigt.', 'Notice given.'));
  const keep = () => act(async () => (await del('/account/termination'), setNotice(null)), tr('Die Kündigung ist zurückgenommen; es wird nichts gelöscht.', 'The notice is taken back; nothing will be deleted.'));
  const n = items.value.length;
  return html`<section class="card" aria-labelledby="term-h" data-testid="termination">
    <h2 id="term-h">${tr('Konto kündigen', 'Close the account')}</h2>
    <${Alert} text=${err} />
    <${Status} text=${status} />
    ${notice
      ? html`<p class="alert" role="alert">${tr(`Ihr Konto ist gekündigt. Am ${fmtDate(notice.delete_at)} werden Ihre Akte, Ihre Schlüssel und Ihr Konto endgültig gelöscht.`,
          `Your account has notice given. On ${fmtDate(notice.delete_at)} your record, your keys and your account will be deleted for good.`)}</p>
          <button type="button" class="primary" onClick=${keep}>${tr('Kündigung zurücknehmen', 'Take the notice back')}</button>`
      : notice === null &&
        html`<p>${tr('Nach einer Frist von 28 Tagen werden alle Dokumente Ihrer Akte, Ihre Schlüssel, Geräte und Ihr Konto endgültig gelöscht. Bis dahin bleibt alles erhalten, und Sie können die Kündigung zurücknehmen. Sichern Sie Ihre Daten vorher:',
            'After a grace period of 28 days every document of your record, your keys, devices and your account are deleted for good. Until then everything stays, and you can take the notice back. Save your data first:')}
          <a href="/export">${tr('Akte exportieren', 'Export the record')}</a></p>
          ${asking
            ? html`<div class="confirm" role="alertdialog" aria-labelledby="term-q">
                <p id="term-q">${tr(`${n} Dokument(e) und Ihr Konto werden nach der Frist gelöscht. Das lässt sich danach nicht rückgängig machen. Wirklich kündigen?`,
                  `${n} document(s) and your account will be deleted after the grace period. That cannot be undone afterwards. Give notice?`)}</p>
                <div class="actions">
                  <button type="button" class="danger" onClick=${give} ref=${(el) => el && el.focus()}>${tr('Ja, Konto kündigen', 'Yes, give notice')}</button>
                  <button type="button" onClick=${() => setAsking(false)}>${tr('Abbrechen', 'Cancel')}</button>
                </div>
              </div>`
            : html`<button type="button" class="danger" onClick=${() => setAsking(true)}>${tr('Konto kündigen …', 'Close the account …')}</button>`}`}
  </section>`;
}

function Settings() {
  useTitle(tr('Einstellungen', 'Settings'));
  const a = session.value.account;
  return html`<h1 tabindex="-1">${tr('Einstellungen', 'Settings')}</h1>
    <section class="card" aria-labelledby="acc-h">
      <h2 id="acc-h">${tr('Ihr Konto', 'Your account')}</h2>
      <dl class="facts" data-testid="account-facts">
        <dt>${tr('E-Mail-Adresse', 'E-mail address')}</dt><dd>${a.email}</dd>
        <dt>${tr('Krankenversichertennummer (KVNR)', 'Health insurance number (KVNR)')}</dt><dd>${a.kvnr}</dd>
        <dt>${tr('Geburtsdatum', 'Date of birth')}</dt><dd>${a.birth_date ? fmtDate(a.birth_date) : ''}</dd>
      </dl>
    </section>
    <${Language} />
    <${ShowRecovery} />
    <${RenewKeys} />
    <${ChangeEmail} />
    <${ChangeAuthenticator} />
    <${Passkeys} />
    <${Representatives} />
    <${ChangePassword} />
    <${Sessions} />
    <section class="card" aria-labelledby="rights-h">
      <h2 id="rights-h">${tr('Ihre Daten', 'Your data')}</h2>
      <p><a href="/auskunft">${tr('Auskunft über Ihre Daten (Art. 15 DSGVO)', 'Information about your data (GDPR Art. 15)')}</a></p>
      <p><a href="/export">${tr('Akte exportieren oder ein Archiv importieren (Art. 20 DSGVO)', 'Export the record or import an archive (GDPR Art. 20)')}</a></p>
    </section>
    <${Termination} />`;
}

// Language chooses the account's language: the app's on every device
// after a login, and its mails' (decision 0031); the header's switch does
// the same.
function Language() {
  const s = session.value;
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  // The choice shows while it is saved (the app switches at once, the
  // account's answer comes after); then the account's, also on failure.
  const [want, setWant] = useState(null);
  const choose = async (l) => {
    setErr('');
    setStatus('');
    setWant(l);
    try {
      await chooseLang(l);
      setStatus(tr('Gespeichert.', 'Saved.'));
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setWant(null);
    }
  };
  return html`<section class="card" aria-labelledby="ml-h">
    <h2 id="ml-h">${tr('Sprache', 'Language')}</h2>
    <fieldset class="choice">
      <legend>${tr('Akte spricht und schreibt Ihnen auf', 'Akte speaks and writes to you in')}</legend>
      ${[['de', 'Deutsch'], ['en', 'English']].map(
        ([l, name]) => html`<div class="field check"><input type="radio" id=${'ml-' + l} name="lang" value=${l} checked=${(want ?? s.account.lang) === l}
          onChange=${() => choose(l)} /><label for=${'ml-' + l} lang=${l}>${name}</label></div>`,
      )}
    </fieldset>
    <p class="hint">${tr('Gilt nach der Anmeldung auf jedem Gerät und für die E-Mails an Sie.', 'Applies after logging in on any device and to the e-mails to you.')}</p>
    <${Alert} text=${err} />
    <${Status} text=${status} />
  </section>`;
}

// unlockWith derives the keys of the logged-in account from password,
// with the same checks as at login (the floor, the parameters this browser
// used last), and opens the UMK with them in the worker; wrong, if given,
// is the error for a password that does not open it. It returns the split,
// the account's keys and the UMK's handle.
async function unlockWith(email, password, wrong) {
  const keys = await get('/account/keys');
  const sp = await core.call('split', { password, kdf: keys.kdf, last: remembered(kdfKey(email)) });
  try {
    return { sp, keys, umk: await core.call('unlock', { password_key: sp.password_key, keys: keys.keys }) };
  } catch (e) {
    if (e.reason !== 'umk_unopenable' || !wrong) throw e;
    throw wrong;
  }
}

// provePassword is unlockWith for the open session: the password is proved,
// the second copy of the UMK is dropped.
async function provePassword(password, wrong) {
  const p = await unlockWith(session.value.account.email, password, wrong);
  await core.call('forget', { handle: p.umk });
  return p;
}

// ShowRecovery shows the recovery key again once the password is typed:
// an open session alone (a device left unlocked) does not give it away.
function ShowRecovery() {
  const s = session.value;
  const [pw, setPw] = useState('');
  const [text, setText] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const show = async (e) => {
    e.preventDefault();
    setErr('');
    setBusy(true);
    try {
      const { keys } = await provePassword(pw, fail('Das Passwort ist falsch.', 'The password is wrong.'));
      setText(await core.call('recoveryKey', { umk: s.umk, keys: keys.keys }));
      setPw('');
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="srk-h">
    <h2 id="srk-h">${tr('Sicherheitsschlüssel', 'Recovery key')}</h2>
    ${text
      ? html`<${RecoveryKey} text=${text} email=${s.account.email} />`
      : html`<form onSubmit=${show}>
          <p>${tr('Zeigt Ihren persönlichen Sicherheitsschlüssel noch einmal an, zum Ausdrucken oder Speichern.', 'Shows your personal recovery key again, to print or save it.')}</p>
          <${Field} label=${tr('Passwort', 'Password')} type="password" name="recovery-password" value=${pw} onInput=${setPw} autocomplete="current-password" />
          <${Alert} text=${err} />
          <${Busy} busy=${busy}>${tr('Sicherheitsschlüssel anzeigen', 'Show recovery key')}<//>
        </form>`}
  </section>`;
}

// RenewKeys rotates the user master key (docs/crypto.md, "Rotating the
// user master key") once the password and a code prove the owner, and
// shows the new recovery key: the documents stay readable, the old
// recovery key stops working, other devices are logged out.
function RenewKeys() {
  const s = session.value;
  const [pw, setPw] = useState('');
  const [code, setCode] = useState('');
  const [text, setText] = useState('');
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const renew = async (e) => {
    e.preventDefault();
    setErr('');
    setBusy(true);
    try {
      setStatus(tr('Schlüssel werden erneuert …', 'Renewing keys …'));
      // The worker checks that the password opens the UMK it holds, then
      // makes the new one and keeps it; the page gets its handle.
      const keys = await get('/account/keys');
      const sp = await core.call('split', { password: pw, kdf: keys.kdf, last: remembered(kdfKey(s.account.email)) });
      const rec = await get(recordPath(s.account.record_id));
      const rt = await core.call('rotate', { umk: s.umk, keys: keys.keys, record: rec, password_key: sp.password_key }).catch((e3) => {
        throw e3.reason === 'umk_unopenable' ? fail('Das Passwort ist falsch.', 'The password is wrong.') : e3;
      });
      try {
        await post('/account/keys/rotate', {
          login_secret: sp.login_secret, totp: code.replace(/\s/g, ''), recovery_verifier: rt.recovery_verifier, keys: rt.keys, rmk_by_umk: rt.rmk_by_umk,
        }, { quiet401: true }); // a wrong password or code must not log this tab out
      } catch (e3) {
        core.call('forget', { handle: rt.umk }).catch(() => {});
        throw e3;
      }
      enterSession(s.account, rt.keys, keys.kdf, rt.umk);
      core.call('forget', { handle: s.umk }).catch(() => {});
      await loadRecord();
      setPw('');
      setCode('');
      setText(rt.recovery_key);
      setStatus(tr('Schlüssel erneuert. Ihre Dokumente bleiben lesbar; andere Geräte wurden abgemeldet. Ihr bisheriger Sicherheitsschlüssel gilt nicht mehr – bewahren Sie den neuen auf.',
        'Keys renewed. Your documents stay readable; other devices were logged out. Your previous recovery key no longer works; keep the new one.'));
    } catch (e2) {
      setStatus('');
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="rnk-h">
    <h2 id="rnk-h">${tr('Schlüssel erneuern', 'Renew keys')}</h2>
    <${Status} text=${status} />
    ${text
      ? html`<${RecoveryKey} text=${text} email=${s.account.email} />`
      : html`<form onSubmit=${renew}>
          <p>${tr(
            'Erzeugt einen neuen Kontoschlüssel und einen neuen Sicherheitsschlüssel, etwa wenn Ihr alter Sicherheitsschlüssel in fremde Hände geraten sein könnte. Ihre Dokumente bleiben lesbar; der alte Sicherheitsschlüssel gilt danach nicht mehr.',
            'Makes a new account key and a new recovery key, for instance if your old recovery key may have fallen into other hands. Your documents stay readable; the old recovery key no longer works afterwards.',
          )}</p>
          <${Field} label=${tr('Passwort zur Bestätigung', 'Password to confirm')} type="password" name="renew-password" value=${pw} onInput=${setPw} autocomplete="current-password" />
          <${Field} label=${tr('Code aus der Authenticator-App', 'Code from the authenticator app')} name="renew-totp" value=${code} onInput=${setCode} autocomplete="one-time-code" inputmode="numeric" />
          <${Alert} text=${err} />
          <${Busy} busy=${busy}>${tr('Schlüssel erneuern', 'Renew keys')}<//>
        </form>`}
  </section>`;
}

// ChangeAuthenticator moves the two-factor login to another app or phone:
// the password (proved here), then the new secret, taken by the server
// only with a code of the current app and the first code of the new one,
// so a mis-scan cannot lock anyone out.
function ChangeAuthenticator() {
  const s = session.value;
  const [pw, setPw] = useState('');
  const [proof, setProof] = useState(null); // { login_secret, secret, uri }
  const [oldCode, setOldCode] = useState('');
  const [newCode, setNewCode] = useState('');
  const [status, setStatus] = useState('');
  const { err, setErr, busy, run } = useAction();
  const start = run(async () => {
    const { sp } = await provePassword(pw, fail('Das Passwort ist falsch.', 'The password is wrong.'));
    const na = await post('/account/authenticator/new');
    setPw('');
    setStatus('');
    setProof({ login_secret: sp.login_secret, secret: na.secret, uri: na.uri });
  });
  const finish = run(async () => {
    const digits = (c) => c.replace(/\s/g, '');
    // A wrong code must not log this tab out.
    await request('PUT', '/account/authenticator', { login_secret: proof.login_secret, totp: digits(oldCode), new_secret: proof.secret, new_totp: digits(newCode) }, { quiet401: true });
    setProof(null);
    setOldCode('');
    setNewCode('');
    setStatus(tr('Die neue Authenticator-App gilt ab jetzt; die Codes der bisherigen nicht mehr.', 'The new authenticator app counts from now on; the previous one’s codes no longer do.'));
  });
  return html`<section class="card" aria-labelledby="auth-h" data-testid="authenticator">
    <h2 id="auth-h">${tr('Authenticator-App wechseln', 'Change the authenticator app')}</h2>
    <${Status} text=${status} />
    ${!proof
      ? html`<form onSubmit=${start}>
          <p>${tr('Für ein neues Telefon oder eine andere App. Bis Sie den ersten Code der neuen App eingeben, gilt die bisherige.',
            'For a new phone or another app. Until you enter the new app’s first code, the current one counts.')}</p>
          <${Field} label=${tr('Passwort zur Bestätigung', 'Password to confirm')} type="password" name="auth-password" value=${pw} onInput=${setPw} autocomplete="current-password" />
          <${Alert} text=${err} />
          <${Busy} busy=${busy}>${tr('Neue App einrichten', 'Set up a new app')}<//>
        </form>`
      : html`<${AuthenticatorSetup} secret=${proof.secret} uri=${proof.uri} />
        <form onSubmit=${finish}>
          <${Field} label=${tr('Code der bisherigen App', 'Code from the current app')} name="auth-old" value=${oldCode} onInput=${setOldCode} autocomplete="one-time-code" inputmode="numeric" />
          <${Field} label=${tr('Code der neuen App', 'Code from the new app')} name="auth-new" value=${newCode} onInput=${setNewCode} autocomplete="one-time-code" inputmode="numeric" />
          <${Alert} text=${err} />
          <div class="actions">
            <${Busy} busy=${busy}>${tr('Wechseln', 'Change')}<//>
            <button type="button" onClick=${() => (setProof(null), setErr(''))}>${tr('Abbrechen', 'Cancel')}</button>
          </div>
        </form>`}
  </section>`;
}

// representing is the e-mail address of the patient whose record the
// record page shows, '' for one's own (decision 0036).
const representing = signal('');

// RecordSwitch lets a representative switch between the own record and
// the ones it represents (GET /api/v1/records); it shows nothing to one
// who has only the own. Records one is named for but cannot open yet
// (not accepted, an emergency representative still waiting) are said,
// not offered.
// The list is read once a session (each read is an account.read in the
// protocol), and again after a reload of the page.
const recordList = signal(null);

function RecordSwitch() {
  const list = recordList.value || [];
  useEffect(() => {
    if (!recordList.value) get('/records').then((l) => (recordList.value = l), () => (recordList.value = []));
  }, []);
  const open = list.filter((r) => r.role === 'owner' || r.role === 'representative' || r.role === 'emergency_open');
  const waiting = list.filter((r) => r.role === 'invited' || r.role === 'emergency_waiting');
  if (open.length < 2 && !waiting.length && !accepted.value) return null;
  const choose = (id) => {
    const r = list.find((x) => x.record_id === id);
    setRecord(id);
    representing.value = r && r.role !== 'owner' ? r.owner_email : '';
    items.value = [];
    record.value = null;
    reloadRecord();
  };
  const label = (r) => (r.role === 'owner' ? tr('Meine Akte', 'My record') : tr(`Akte von ${r.owner_email} (Vertretung)`, `Record of ${r.owner_email} (representative)`));
  const reload = () => get('/records').then((l) => (recordList.value = l));
  return html`<div class="record-switch" data-testid="record-switch">
    ${accepted.value &&
    html`<p role="status">${tr('Angenommen. Nennen Sie der Person, die Sie vertreten, den Fingerabdruck Ihres Schlüssels:',
      'Accepted. Tell the person you represent your key’s fingerprint:')} <code data-testid="own-fingerprint">${accepted.value}</code></p>`}
    ${open.length > 1 &&
    html`<label for="record-choice">${tr('Akte', 'Record')}</label>
      <select id="record-choice" value=${currentRecord()} onChange=${(e) => choose(e.currentTarget.value)}>
        ${open.map((r) => html`<option value=${r.record_id}>${label(r)}</option>`)}
      </select>`}
    ${waiting.map((r) => html`<${Representation} r=${r} reload=${reload} />`)}
  </div>`;
}

// Representation is what a representative does before it may open a
// record (decision 0036): accept being named, with its own KVNR (then
// read out its key's fingerprint to the patient), or, as an emergency
// representative, request access, which starts the waiting period.
// accepted is the fingerprint to read out after an acceptance (until the
// page is left).
const accepted = signal('');

function Representation({ r, reload }) {
  const [kvnr, setKvnr] = useState('');
  const { err, busy, run } = useAction();
  const path = (p) => recordPath(r.record_id, '/representatives' + p);
  const accept = run(async () => {
    await post(path('/accept'), { kvnr: kvnr.trim().toUpperCase() });
    accepted.value = (await core.call('fingerprint', { public_key: session.value.keys.public_key })).fingerprint;
    await reload();
  });
  const request = run(async () => {
    await post(path('/request'));
    await reload();
  });
  if (r.role === 'invited')
    return html`<form class="card" onSubmit=${accept} data-testid="representation">
      <p>${tr(`${r.owner_email} hat Sie als Vertretung benannt.`, `${r.owner_email} named you representative.`)}</p>
      <${Field} label=${tr('Ihre KVNR zur Bestätigung', 'Your KVNR to confirm')} name=${'accept-' + r.record_id} value=${kvnr} onInput=${setKvnr} autocomplete="off" />
      <${Alert} text=${err} />
      <${Busy} busy=${busy}>${tr('Annehmen', 'Accept')}<//>
    </form>`;
  return html`<div class="card" data-testid="representation">
    ${r.opens_at
      ? html`<p>${tr(`Notfallzugriff auf die Akte von ${r.owner_email} öffnet sich am ${fmtDateTime(r.opens_at)}, wenn die Person nicht ablehnt.`,
          `Emergency access to the record of ${r.owner_email} opens on ${fmtDateTime(r.opens_at)} unless the person refuses.`)}</p>`
      : html`<p>${tr(`Sie sind Notfall-Vertretung von ${r.owner_email}. Der Zugriff öffnet sich erst nach der Wartezeit; die Person wird benachrichtigt und kann ablehnen.`,
          `You are emergency representative of ${r.owner_email}. Access opens only after the waiting period; the person is told and can refuse.`)}</p>
        <${Alert} text=${err} />
        <button type="button" class="primary" disabled=${busy} onClick=${request}>${tr('Notfallzugriff beantragen', 'Request emergency access')}</button>`}
  </div>`;
}

// Representatives is the patient's list of representatives (decision
// 0036): name one by e-mail and KVNR (an emergency representative with a
// waiting period), hand an accepted one the record key after comparing
// the fingerprint the representative reads out, refuse an emergency
// request, remove one. Always of one's own record.
function Representatives() {
  const s = session.value;
  const own = (p = '') => recordPath(s.account.record_id, '/representatives' + p);
  const [list, setList] = useState([]);
  const [f, setF] = useState({ email: '', kvnr: '', wait: '' });
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const [typed, setTyped] = useState({});
  const [fps, setFps] = useState({});
  const [status, setStatus] = useState('');
  const { err, setErr, busy, run } = useAction();
  const load = async () => {
    try {
      const rs = await get(own());
      const out = {};
      for (const r of rs) if (r.account_key && !r.key_handed_over) out[r.id] = (await core.call('fingerprint', { public_key: r.account_key })).fingerprint;
      setFps(out);
      setList(rs);
    } catch (e) {
      setErr(errorText(e));
    }
  };
  useEffect(() => void load(), []);
  const add = run(async () => {
    setStatus('');
    const days = parseInt(f.wait || '0', 10) || 0;
    const r = await post(own(), { email: f.email.trim(), kvnr: f.kvnr.trim().toUpperCase(), emergency_wait_days: days });
    setF({ email: '', kvnr: '', wait: '' });
    setStatus(tr(`${r.email} ist als Vertretung benannt und bekommt eine E-Mail. Sobald sie annimmt, übergeben Sie hier den Schlüssel.`,
      `${r.email} is named representative and gets an e-mail. Once they accept, hand over the key here.`));
    await load();
  });
  const act = (f2) => async () => {
    setErr('');
    setStatus('');
    try {
      await f2();
    } catch (e) {
      setErr(errorText(e));
    }
    await load();
  };
  const handOver = (r) => act(async () => {
    const { fingerprint } = await core.call('fingerprint', { public_key: r.account_key });
    // As core.SameFingerprint compares: spaces, dashes, colons and case do not count.
    const norm = (x) => (/^[0-9a-f :-]*$/i.test(x) ? x.replace(/[ :-]/g, '').toLowerCase() : '\0');
    if (!typed[r.id] || norm(typed[r.id]) !== norm(fingerprint)) throw fail('Der Fingerabdruck stimmt nicht überein. Der Schlüssel wurde nicht übergeben.', 'The fingerprint does not match. The key was not handed over.');
    const rec = await get(recordPath(s.account.record_id));
    const { slot } = await core.call('wrapForRep', { umk: s.umk, record: rec, public_key: r.account_key });
    await request('PUT', own('/' + encodeURIComponent(r.id) + '/key'), { public_key: r.account_key, rmk_slot: slot });
    setStatus(tr(`Schlüssel an ${r.email} übergeben.`, `Key handed to ${r.email}.`));
  });
  const refuse = (r) => act(async () => {
    await post(own('/' + encodeURIComponent(r.id) + '/refuse'));
    setStatus(tr(`Notfallzugriff von ${r.email} abgelehnt.`, `Emergency access of ${r.email} refused.`));
  });
  const remove = (r) => act(async () => {
    await del(own('/' + encodeURIComponent(r.id)));
    setStatus(tr(`${r.email} ist keine Vertretung mehr.`, `${r.email} is no longer a representative.`));
  });
  const state = (r) => {
    if (!r.accepted_at) return tr('wartet auf Annahme', 'waiting for acceptance');
    if (r.opens_at) return tr(`Notfallzugriff beantragt, öffnet am ${fmtDateTime(r.opens_at)}`, `emergency access requested, opens on ${fmtDateTime(r.opens_at)}`);
    if (!r.key_handed_over) return tr('hat angenommen, Schlüssel noch nicht übergeben', 'accepted, key not handed over yet');
    return r.emergency_wait_days ? tr('bereit (Notfall)', 'ready (emergency)') : tr('aktiv', 'active');
  };
  return html`<section class="card" aria-labelledby="rep-h" data-testid="representatives">
    <h2 id="rep-h">${tr('Vertretungen', 'Representatives')}</h2>
    <p>${tr('Bis zu fünf Personen mit eigenem Konto können für Sie handeln: alles, was Sie in Ihrer Akte tun, außer Vertretungen zu benennen oder zu entfernen. Eine Notfall-Vertretung bekommt Zugriff erst nach einer Wartezeit, die mit ihrem Antrag beginnt; Sie werden benachrichtigt und können ablehnen.',
      'Up to five people with an account of their own can act for you: everything you do in your record, except naming or removing representatives. An emergency representative gets access only after a waiting period that starts with their request; you are told and can refuse.')}</p>
    <${Status} text=${status} />
    <${Alert} text=${err} />
    ${list.length
      ? html`<ul class="plain" data-testid="representative-list">
          ${list.map((r) => html`<li>
            <span>${r.email} · ${r.kvnr}${r.emergency_wait_days ? tr(` · Notfall, ${r.emergency_wait_days} Tage Wartezeit`, ` · emergency, ${r.emergency_wait_days} days' wait`) : ''} · ${state(r)}</span>
            ${fps[r.id] &&
            html`<div class="handover">
              <p>${tr('Fingerabdruck des Schlüssels, den der Server nennt:', 'Fingerprint of the key the server names:')} <code data-testid="fingerprint">${fps[r.id]}</code></p>
              <${Field} label=${tr(`Fingerabdruck, den ${r.email} Ihnen selbst nennt`, `Fingerprint ${r.email} tells you themselves`)} name=${'fp-' + r.id}
                value=${typed[r.id] || ''} onInput=${(v) => setTyped({ ...typed, [r.id]: v })} autocomplete="off" />
              <button type="button" class="primary" onClick=${handOver(r)}>${tr('Vergleichen und Schlüssel übergeben', 'Compare and hand over the key')}</button>
            </div>`}
            ${r.requested_at &&
            html`<button type="button" class="danger" aria-label=${tr(`Notfallzugriff von ${r.email} ablehnen`, `Refuse emergency access of ${r.email}`)} onClick=${refuse(r)}>${tr('Ablehnen', 'Refuse')}</button>`}
            <button type="button" class="danger" aria-label=${tr(`Vertretung ${r.email} entfernen`, `Remove representative ${r.email}`)} onClick=${remove(r)}>${tr('Entfernen', 'Remove')}</button>
          </li>`)}
        </ul>`
      : html`<p>${tr('Sie haben noch keine Vertretung benannt.', 'You have not named a representative yet.')}</p>`}
    ${list.length < 5 &&
    html`<form onSubmit=${add}>
      <h3>${tr('Vertretung benennen', 'Name a representative')}</h3>
      <${Field} label=${tr('E-Mail-Adresse der Vertretung', 'The representative’s e-mail address')} type="email" name="rep-email" value=${f.email} onInput=${set('email')} autocomplete="off" />
      <${Field} label=${tr('KVNR der Vertretung', 'The representative’s KVNR')} name="rep-kvnr" value=${f.kvnr} onInput=${set('kvnr')} autocomplete="off"
        hint=${tr('Die Vertretung bestätigt sie beim Annehmen.', 'The representative confirms it when accepting.')} />
      <${Field} label=${tr('Wartezeit in Tagen (nur Notfall-Vertretung)', 'Waiting period in days (emergency representative only)')} name="rep-wait" type="number" min="0" max="365"
        value=${f.wait} onInput=${set('wait')} required=${false} inputmode="numeric" hint=${tr('Leer: Zugriff ab der Annahme.', 'Empty: access from the acceptance on.')} />
      <${Busy} busy=${busy}>${tr('Vertretung benennen', 'Name a representative')}<//>
    </form>`}
  </section>`;
}

// Passkeys lists the account's passkeys, adds one (with the password and
// a code of the authenticator app, as changing the app asks; the browser
// then talks to the authenticator) and removes one. The app remains the
// fallback, so the last passkey can go too.
function Passkeys() {
  const [list, setList] = useState([]);
  const [name, setName] = useState('');
  const [pw, setPw] = useState('');
  const [code, setCode] = useState('');
  const [status, setStatus] = useState('');
  const { err, setErr, busy, run } = useAction();
  const load = () => get('/account/passkeys').then(setList, (e) => setErr(errorText(e)));
  useEffect(() => void load(), []);
  const add = run(async () => {
    setStatus('');
    const { sp } = await provePassword(pw, fail('Das Passwort ist falsch.', 'The password is wrong.'));
    // A wrong code must not log this tab out.
    const { options } = await request('POST', '/account/passkeys/new', { login_secret: sp.login_secret, totp: code.replace(/\s/g, '') }, { quiet401: true });
    setStatus(tr('Bitte bestätigen Sie an Ihrem Gerät …', 'Please confirm on your device …'));
    const credential = await createPasskey(options).finally(() => setStatus(''));
    const pk = await post('/account/passkeys', { name: name.trim(), credential });
    setName('');
    setPw('');
    setCode('');
    setStatus(tr(`Passkey „${pk.name}“ hinzugefügt. Sie können sich jetzt damit statt mit dem Code anmelden.`, `Passkey "${pk.name}" added. You can now log in with it instead of the code.`));
    load();
  });
  const remove = async (pk) => {
    setErr('');
    await del('/account/passkeys/' + encodeURIComponent(pk.id)).then(
      () => setStatus(tr(`Passkey „${pk.name}“ entfernt.`, `Passkey "${pk.name}" removed.`)),
      (e) => setErr(errorText(e)),
    );
    load();
  };
  return html`<section class="card" aria-labelledby="pk-h" data-testid="passkeys">
    <h2 id="pk-h">${tr('Passkeys', 'Passkeys')}</h2>
    <p>${tr('Ein Passkey ersetzt bei der Anmeldung den Code der Authenticator-App; Ihr Passwort bleibt. Die App bleibt als Rückfall.',
      'A passkey replaces the authenticator app’s code at login; your password stays. The app remains as the fallback.')}</p>
    <${Status} text=${status} />
    ${list.length
      ? html`<ul class="plain" data-testid="passkey-list">
          ${list.map((pk) => html`<li>
            <span>${pk.name} · ${tr('hinzugefügt', 'added')} ${fmtDateTime(pk.created_at)} · ${pk.last_used_at ? tr('zuletzt benutzt', 'last used') + ' ' + fmtDateTime(pk.last_used_at) : tr('noch nicht benutzt', 'not used yet')}</span>
            <button type="button" class="danger" aria-label=${tr(`Passkey „${pk.name}“ entfernen`, `Remove passkey "${pk.name}"`)} onClick=${() => remove(pk)}>${tr('Entfernen', 'Remove')}</button>
          </li>`)}
        </ul>`
      : html`<p>${tr('Sie haben noch keinen Passkey.', 'You have no passkey yet.')}</p>`}
    ${passkeysSupported()
      ? html`<form onSubmit=${add}>
          <h3>${tr('Passkey hinzufügen', 'Add a passkey')}</h3>
          <${Field} label=${tr('Name des Passkeys', 'Name of the passkey')} name="passkey-name" value=${name} onInput=${setName} maxlength="64"
            hint=${tr('z. B. „Laptop“ oder „Telefon“', 'e.g. "Laptop" or "Phone"')} />
          <${Field} label=${tr('Passwort zur Bestätigung', 'Password to confirm')} type="password" name="passkey-password" value=${pw} onInput=${setPw} autocomplete="current-password" />
          <${Field} label=${tr('Code aus der Authenticator-App', 'Code from the authenticator app')} name="passkey-totp" value=${code} onInput=${setCode} autocomplete="one-time-code" inputmode="numeric" />
          <${Alert} text=${err} />
          <${Busy} busy=${busy}>${tr('Passkey hinzufügen', 'Add a passkey')}<//>
        </form>`
      : html`<${Alert} text=${err} /><p>${tr('Dieser Browser unterstützt keine Passkeys.', 'This browser does not support passkeys.')}</p>`}
  </section>`;
}

// ChangeEmail moves the account to another address: the password and an
// authenticator code start it, the code mailed to the new address ends it.
// The old address is told by mail; the next login is with the new one.
function ChangeEmail() {
  const s = session.value;
  const empty = { email: '', pw: '', totp: '', code: '' };
  const [f, setF] = useState(empty);
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const [sent, setSent] = useState(''); // the new address a code went to
  const [status, setStatus] = useState('');
  const { err, setErr, busy, run } = useAction();
  const start = run(async () => {
    setStatus('');
    const { sp } = await provePassword(f.pw, fail('Das Passwort ist falsch.', 'The password is wrong.'));
    const to = f.email.trim();
    // A wrong code must not log this tab out.
    await request('POST', '/account/email', { email: to, login_secret: sp.login_secret, totp: f.totp.replace(/\s/g, '') }, { quiet401: true });
    setF({ ...empty, email: to });
    setSent(to);
  });
  const confirm = run(async () => {
    const old = s.account.email;
    const acct = await post('/account/email/confirm', { email: sent, code: f.code.trim() });
    // What this browser remembers by address moves with the account.
    const kdf = remembered(kdfKey(old));
    if (kdf) {
      useKDF(acct.email, kdf);
      localStorage.removeItem(kdfKey(old));
    }
    if (localStorage.getItem('akte.email')) localStorage.setItem('akte.email', acct.email);
    sessionStorage.setItem('akte.session', emailKey(acct.email));
    session.value = { ...session.value, account: acct };
    setSent('');
    setF(empty);
    setStatus(tr(`Ihr Konto verwendet jetzt ${acct.email}. Melden Sie sich künftig mit dieser Adresse an.`, `Your account now uses ${acct.email}. Log in with this address from now on.`));
  });
  return html`<section class="card" aria-labelledby="email-h" data-testid="email-change">
    <h2 id="email-h">${tr('E-Mail-Adresse ändern', 'Change the e-mail address')}</h2>
    <${Status} text=${status} />
    ${!sent
      ? html`<form onSubmit=${start}>
          <p>${tr('Akte schickt einen Code an die neue Adresse. Erst wenn Sie ihn hier eingeben, gilt sie; bis dahin bleibt die bisherige.',
            'Akte sends a code to the new address. It counts only once you enter that code here; until then the current one stays.')}</p>
          <${Field} label=${tr('Neue E-Mail-Adresse', 'New e-mail address')} type="email" name="new-email" value=${f.email} onInput=${set('email')} autocomplete="email" />
          <${Field} label=${tr('Passwort zur Bestätigung', 'Password to confirm')} type="password" name="email-password" value=${f.pw} onInput=${set('pw')} autocomplete="current-password" />
          <${Field} label=${tr('Code aus der Authenticator-App', 'Code from the authenticator app')} name="email-totp" value=${f.totp} onInput=${set('totp')} autocomplete="one-time-code" inputmode="numeric" />
          <${Alert} text=${err} />
          <${Busy} busy=${busy}>${tr('Code senden', 'Send code')}<//>
        </form>`
      : html`<form onSubmit=${confirm}>
          <p>${tr(`Wir haben einen 8-stelligen Code an ${sent} geschickt. Er gilt 30 Minuten.`, `We sent an 8-digit code to ${sent}. It is valid for 30 minutes.`)}</p>
          <${Field} label=${tr('Code aus der E-Mail an die neue Adresse', 'Code from the e-mail to the new address')} name="email-code" value=${f.code} onInput=${set('code')} autocomplete="one-time-code" inputmode="numeric" />
          <${Alert} text=${err} />
          <div class="actions">
            <${Busy} busy=${busy}>${tr('Adresse ändern', 'Change address')}<//>
            <button type="button" onClick=${() => (setSent(''), setErr(''))}>${tr('Abbrechen', 'Cancel')}</button>
          </div>
        </form>`}
  </section>`;
}

function ChangePassword() {
  const [old, setOld] = useState('');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [code, setCode] = useState('');
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const s = session.value;
  const submit = async (e) => {
    e.preventDefault();
    setErr('');
    setBusy(true);
    try {
      await checkNewPassword(pw, pw2, s.account.email, s.account.kvnr);
      setStatus(tr('Schlüssel werden abgeleitet …', 'Deriving keys …'));
      // The old login secret goes to the server: the same checks as at
      // login (a session never sees another device's password change,
      // which ends it).
      const { sp } = await provePassword(old, fail('Das bisherige Passwort ist falsch.', 'The current password is wrong.'));
      const nw = await core.call('rewrap', { umk: s.umk, password: pw });
      await post('/password/change', { old_login_secret: sp.login_secret, totp: code.replace(/\s/g, ''), new: nw });
      useKDF(s.account.email, nw.kdf);
      session.value = { ...s, kdf: nw.kdf, keys: { ...s.keys, umk_by_password: nw.umk_by_password } };
      setOld('');
      setPw('');
      setPw2('');
      setCode('');
      setStatus(tr('Passwort geändert. Ihre Daten bleiben lesbar; andere Geräte wurden abgemeldet.', 'Password changed. Your data stays readable; other devices were logged out.'));
    } catch (e2) {
      setStatus('');
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card" onSubmit=${submit} aria-labelledby="cp-h">
    <h2 id="cp-h">${tr('Passwort ändern', 'Change password')}</h2>
    <${Field} label=${tr('Bisheriges Passwort', 'Current password')} type="password" name="old-password" value=${old} onInput=${setOld} autocomplete="current-password" />
    <${PasswordFields} pw=${pw} setPw=${setPw} pw2=${pw2} setPw2=${setPw2} email=${s.account.email} kvnr=${s.account.kvnr} label=${tr('Neues Passwort', 'New password')} />
    <${Field} label=${tr('Code aus der Authenticator-App', 'Code from the authenticator app')} name="totp" value=${code} onInput=${setCode} autocomplete="one-time-code" inputmode="numeric" />
    <${Alert} text=${err} />
    <${Status} text=${status} />
    <${Busy} busy=${busy}>${tr('Passwort ändern', 'Change password')}<//>
  </form>`;
}

function Sessions() {
  const [ss, setSs] = useState([]);
  const [ds, setDs] = useState([]);
  const [err, setErr] = useState('');
  const load = () => Promise.all([get('/sessions'), get('/devices')]).then(([a, b]) => (setSs(a), setDs(b)), (e) => setErr(errorText(e)));
  useEffect(() => void load(), []);
  const end = async (id) => {
    await del('/sessions/' + id).catch((e) => setErr(errorText(e)));
    load();
  };
  const block = async (id) => {
    await post(`/devices/${id}/block`).catch((e) => setErr(errorText(e)));
    load();
  };
  const everywhere = async () => {
    await del('/sessions').catch(() => {});
    leaveSession(tr('Auf allen Geräten abgemeldet.', 'Logged out on all devices.'));
  };
  const devName = (id) => ds.find((d) => d.id === id)?.name || id;
  return html`<section class="card" aria-labelledby="ss-h">
    <h2 id="ss-h">${tr('Sitzungen und Geräte', 'Sessions and devices')}</h2>
    <${Alert} text=${err} />
    <h3>${tr('Aktive Sitzungen', 'Active sessions')}</h3>
    <ul class="plain">
      ${ss.map((s) => html`<li>
        <span>${devName(s.device_id)} · ${s.client_addr} · ${tr('seit', 'since')} ${fmtDateTime(s.created_at)}${s.current ? tr(' (diese Sitzung)', ' (this session)') : ''}</span>
        ${!s.current && html`<button type="button" onClick=${() => end(s.id)}>${tr('Beenden', 'End')}</button>`}
      </li>`)}
    </ul>
    <h3>${tr('Geräte', 'Devices')}</h3>
    <ul class="plain">
      ${ds.map((d) => html`<li>
        <span>${d.name} · ${d.blocked_at ? tr('gesperrt', 'blocked') : d.confirmed_at ? tr('bestätigt', 'confirmed') : tr('unbestätigt', 'unconfirmed')} · ${tr('zuletzt', 'last seen')} ${fmtDateTime(d.last_seen_at)}${d.current ? tr(' (dieses Gerät)', ' (this device)') : ''}</span>
        ${!d.current && !d.blocked_at && html`<button type="button" class="danger" onClick=${() => block(d.id)}>${tr('Sperren', 'Block')}</button>`}
      </li>`)}
    </ul>
    <button type="button" class="danger" onClick=${everywhere}>${tr('Überall abmelden', 'Log out everywhere')}</button>
  </section>`;
}

// ---- the protocol ----

// protocol is the last verification of the record's protocol in this tab:
// { account, events } once verified, { account, error } when it failed.
// The Protokoll page verifies anew each time it opens; the start page's
// last logins use the last result of the tab (decision 0029).
const protocol = signal(null);

function verifyProtocol() {
  const account = session.value.account.account_id;
  // The devices' names, to say which device acted (the ids are in the
  // protocol).
  const devices = get('/devices').catch(() => []);
  return audit.verify(account).then(
    async (r) => {
      r = { ...r, devices: await devices };
      if (session.value?.account.account_id === account) protocol.value = { account, ...r };
      return r;
    },
    (e) => {
      if (session.value?.account.account_id === account) protocol.value = { account, error: e };
      throw e;
    },
  );
}

const resultWord = (r) => ({ ok: tr('erfolgreich', 'succeeded'), denied: tr('abgelehnt', 'denied'), error: tr('Fehler des Servers', 'server error') })[r] || r;
const roleWord = (r) =>
  ({
    patient: tr('Patient/in', 'patient'),
    representative: tr('Vertretung', 'representative'),
    provider: tr('Praxis oder Klinik', 'provider'),
    app: tr('App', 'app'),
    insurer: tr('Krankenkasse', 'insurer'),
    share: tr('Freigabe-Link', 'share link'),
    operator: tr('Betrieb', 'operator'),
    system: tr('System', 'system'),
    anonymous: tr('nicht angemeldet', 'not logged in'),
  })[r] || r;
const opWord = (e) => (lang.value === 'en' ? e.label_en : e.label_de) || e.operation;
const reasonWord = (r) => (has(lang.value, r) ? say(r) : r);
const actorOf = (e) => e.actor_id || 'anonymous:' + e.actor_role;
function actorWord(e, me) {
  if (me && e.actor_id === me) return tr('Sie', 'You');
  return e.actor_name || e.actor_id || roleWord(e.actor_role);
}

const deviceNamer = (ds) => (id) => ds?.find((d) => d.id === id)?.name || id;

// ProtocolFailed is the visible mark of a failed verification: what failed,
// in the catalogue's words.
function ProtocolFailed({ error }) {
  const crypto = error instanceof core.CoreError && error.code === 'crypto';
  return html`<div class="alert" role="alert" data-testid="protocol-failed" data-reason=${error.reason || error.code}>
    <strong>${crypto ? tr('Das Protokoll hat die Prüfung nicht bestanden.', 'The protocol failed verification.') : tr('Das Protokoll konnte nicht geprüft werden.', 'The protocol could not be verified.')}</strong>
    <p>${errorText(error)}</p>
    ${crypto && html`<p>${tr('Es kann manipuliert sein. Bitte wenden Sie sich an den Betreiber.', 'It may have been tampered with. Please contact the operator.')}</p>`}
  </div>`;
}

const pageSize = 100;
const protocolFilters = ['wer', 'was', 'ergebnis', 'von', 'bis'];

function Protocol() {
  useTitle(tr('Protokoll', 'Protocol'));
  const me = session.value.account.account_id;
  const [state, setState] = useState({ loading: true });
  const [shown, setShown] = useState(pageSize);
  const check = () => {
    setState({ loading: true });
    verifyProtocol().then((r) => setState(r), (e) => setState({ error: e }));
  };
  useEffect(() => {
    check();
  }, []);
  const q = here.value.query;
  const f = Object.fromEntries(protocolFilters.map((k) => [k, q.get(k) || '']));
  const setF = (k, v) => {
    const n = new URLSearchParams(q);
    if (v) n.set(k, v);
    else n.delete(k);
    const s = n.toString();
    navigate('/protokoll' + (s ? '?' + s : ''), { replace: true });
    setShown(pageSize);
  };
  const events = state.events || [];
  const actors = new Map();
  const ops = new Map();
  for (const e of events) {
    actors.set(actorOf(e), actorWord(e, me) + ' (' + roleWord(e.actor_role) + ')');
    ops.set(e.operation, opWord(e));
  }
  const day = (t) => localDate(t);
  const hits = events
    .filter((e) => (!f.wer || actorOf(e) === f.wer) && (!f.was || e.operation === f.was) && (!f.ergebnis || e.result === f.ergebnis))
    .filter((e) => (!f.von || day(e.time) >= f.von) && (!f.bis || day(e.time) <= f.bis))
    .reverse();
  const devName = deviceNamer(state.devices);
  const filtered = protocolFilters.some((k) => f[k]);
  const sorted = (m) => [...m].sort((a, b) => a[1].localeCompare(b[1]));
  return html`<h1 tabindex="-1">${tr('Protokoll', 'Protocol')}</h1>
    <p class="intro">${tr(
      'Wer wann was mit Ihrer Akte getan hat, auch abgelehnte Versuche. Dieses Gerät prüft bei jedem Öffnen mit der Signatur des Servers, dass kein Eintrag verändert, entfernt oder nachträglich eingefügt wurde.',
      'Who did what with your record and when, refused attempts included. Each time it opens, this device checks against the server’s signature that no entry was changed, removed or inserted afterwards.',
    )}</p>
    ${state.loading && html`<${Status} text=${tr('Protokoll wird geladen und geprüft …', 'Loading and verifying the protocol …')} />`}
    ${state.error && html`<${ProtocolFailed} error=${state.error} />`}
    ${!state.loading && html`<p><button type="button" onClick=${check}>${tr('Erneut prüfen', 'Verify again')}</button></p>`}
    ${state.events &&
    html`<p class="verified" data-testid="protocol-verified" data-ms=${Math.round(state.ms)} data-verify-ms=${Math.round(state.verifyMs)} data-convert-ms=${Math.round(state.convertMs)} data-size=${state.size}>
      <span aria-hidden="true">✓ </span>${tr(
        `Geprüft: vollständig und unverändert (${state.size} Einträge, Prüfpunkt vom ${fmtDateTime(state.time)}).`,
        `Verified: complete and unaltered (${state.size} entries, checkpoint of ${fmtDateTime(state.time)}).`,
      )}
      ${state.firstUse && html` ${tr('Dieses Gerät hat sich den Schlüssel des Servers gemerkt.', 'This device has remembered the server’s key.')}`}
    </p>
    <details class="filters" open>
      <summary>${tr('Filter', 'Filters')}</summary>
      <div class="row" role="search" aria-label=${tr('Protokoll filtern', 'Filter the protocol')}>
        <div class="field"><label for="p-actor">${tr('Wer', 'Who')}</label>
          <select id="p-actor" value=${f.wer} onChange=${(e) => setF('wer', e.currentTarget.value)}>
            <option value="">${tr('Alle', 'Everyone')}</option>
            ${sorted(actors).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
          </select></div>
        <div class="field"><label for="p-op">${tr('Was', 'What')}</label>
          <select id="p-op" value=${f.was} onChange=${(e) => setF('was', e.currentTarget.value)}>
            <option value="">${tr('Alles', 'Everything')}</option>
            ${sorted(ops).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
          </select></div>
        <div class="field"><label for="p-result">${tr('Ergebnis', 'Result')}</label>
          <select id="p-result" value=${f.ergebnis} onChange=${(e) => setF('ergebnis', e.currentTarget.value)}>
            <option value="">${tr('Alle', 'All')}</option>
            ${['ok', 'denied', 'error'].map((r) => html`<option value=${r}>${resultWord(r)}</option>`)}
          </select></div>
        <div class="field"><label for="p-from">${tr('Von (Datum)', 'From (date)')}</label>
          <input id="p-from" type="date" value=${f.von} onInput=${(e) => setF('von', e.currentTarget.value)} /></div>
        <div class="field"><label for="p-to">${tr('Bis (Datum)', 'To (date)')}</label>
          <input id="p-to" type="date" value=${f.bis} onInput=${(e) => setF('bis', e.currentTarget.value)} /></div>
      </div>
      ${filtered && html`<button type="button" onClick=${() => navigate('/protokoll', { replace: true })}>${tr('Filter zurücksetzen', 'Clear filters')}</button>`}
    </details>
    <p role="status" aria-live="polite" data-testid="protocol-count">${tr(`${hits.length} von ${events.length} Einträgen, neueste zuerst`, `${hits.length} of ${events.length} entries, newest first`)}</p>
    <ol class="protocol" data-testid="protocol">
      ${hits.slice(0, shown).map(
        (e) => html`<li data-testid="event" data-operation=${e.operation} data-result=${e.result}>
          <p class="ev-head"><strong>${opWord(e)}</strong> <span class="mono">${e.code}</span>
            <span class=${'result ' + e.result}>${resultWord(e.result)}${e.reason ? ' – ' + reasonWord(e.reason) : ''}</span></p>
          <dl class="facts">
            <dt>${tr('Zeit', 'Time')}</dt><dd><time datetime=${e.time}>${fmtDateTime(e.time)}</time></dd>
            <dt>${tr('Wer', 'Who')}</dt><dd>${actorWord(e, me)} (${roleWord(e.actor_role)})</dd>
            ${e.device && html`<dt>${tr('Gerät', 'Device')}</dt><dd>${devName(e.device)}</dd>`}
            ${e.object && html`<dt>${tr('Objekt', 'Object')}</dt><dd class="mono">${e.object}</dd>`}
            ${e.addr && html`<dt>${tr('Adresse', 'Address')}</dt><dd class="mono">${e.addr}</dd>`}
            <dt>${tr('Nr.', 'No.')}</dt><dd>${e.index}</dd>
          </dl>
        </li>`,
      )}
    </ol>
    ${hits.length > shown &&
    html`<button type="button" onClick=${() => setShown(shown + pageSize)}>${tr(`Weitere ${Math.min(pageSize, hits.length - shown)} anzeigen`, `Show ${Math.min(pageSize, hits.length - shown)} more`)}</button>`}`}`;
}

// LastLogins shows the start page's last five logins (failed ones too),
// from the verified protocol: the tab's last verification, or a new one
// once the page is idle (decision 0029).
function LastLogins() {
  const p = protocol.value;
  const me = session.value.account.account_id;
  useEffect(() => {
    if (protocol.value?.account === me) return;
    const go = () => verifyProtocol().catch(() => {});
    if (globalThis.requestIdleCallback) {
      const h = requestIdleCallback(go, { timeout: 2000 });
      return () => cancelIdleCallback(h);
    }
    const h = setTimeout(go, 200);
    return () => clearTimeout(h);
  }, []);
  const logins = p?.events ? p.events.filter((e) => e.operation === 'session.login' || e.operation === 'session.login_passkey').slice(-5).reverse() : [];
  return html`<section aria-labelledby="logins-h" class="card logins" data-testid="last-logins">
    <h2 id="logins-h">${tr('Letzte Anmeldungen', 'Last logins')}</h2>
    ${!p && html`<p class="status">${tr('Wird geprüft …', 'Verifying …')}</p>`}
    ${p?.error && html`<${ProtocolFailed} error=${p.error} />`}
    ${p?.events &&
    html`<ul class="plain">
      ${logins.map(
        (e) => html`<li data-testid="login" data-result=${e.result}>
          <span><time datetime=${e.time}>${fmtDateTime(e.time)}</time> · ${e.device ? deviceNamer(p.devices)(e.device) : tr('unbekanntes Gerät', 'unknown device')}</span>
          <span class=${'result ' + e.result}>${e.result === 'ok' ? tr('erfolgreich', 'succeeded') : tr('fehlgeschlagen', 'failed')}</span>
        </li>`,
      )}
    </ul>`}
    <p><a href="/protokoll">${tr('Ganzes Protokoll ansehen', 'See the whole protocol')}</a></p>
  </section>`;
}

// SecurityNotices shows the alarms of the last 30 days on the start page
// (issue 13: each alarm is told by mail and in the app), from the same
// verified protocol as the last logins. The server records each alarm as
// an event alarm.raise whose reason is its kind; no notice names a
// document.
const alarmText = (kind) =>
  ({
    failed_logins: tr('Viele fehlgeschlagene Anmeldeversuche für Ihr Konto.', 'Many failed login attempts for your account.'),
    new_device: tr('Anmeldung von einem neuen Gerät.', 'A login from a new device.'),
    download_burst: tr('Ungewöhnlich viele Downloads aus Ihrer Akte.', 'Unusually many downloads from your record.'),
    denied_attempts: tr('Wiederholt abgelehnte Zugriffe auf Ihre Akte.', 'Repeatedly refused access to your record.'),
    off_hours: tr('Zugriff einer Praxis außerhalb der von Ihnen erlaubten Zeiten.', 'A provider accessed your record outside the hours you allowed.'),
  })[kind] || tr('Auffälliger Zugriff auf Ihre Akte.', 'Unusual access to your record.');

function SecurityNotices() {
  const p = protocol.value;
  const since = Date.now() - 30 * 24 * 3600 * 1000;
  const alarms = p?.events ? p.events.filter((e) => e.operation === 'alarm.raise' && e.time_us / 1000 >= since).slice(-3).reverse() : [];
  if (!alarms.length) return null;
  return html`<section class="warning notices" aria-labelledby="notices-h" data-testid="security-notices">
    <h2 id="notices-h">${tr('Sicherheitshinweise', 'Security notices')}</h2>
    <ul class="plain">
      ${alarms.map((e) => html`<li data-testid="notice" data-kind=${e.reason}><time datetime=${e.time}>${fmtDateTime(e.time)}</time>: ${alarmText(e.reason)}</li>`)}
    </ul>
    <p>${tr('Waren Sie das nicht? ', 'Was it not you? ')}<a href="/einstellungen">${tr('Passwort ändern und Geräte prüfen', 'Change your password and check your devices')}</a> · <a href="/protokoll">${tr('Im Protokoll ansehen', 'See it in the protocol')}</a></p>
  </section>`;
}

// ---- forgotten password ----

function Forgot() {
  const [mode, setMode] = useState('key');
  useTitle(tr('Passwort vergessen', 'Forgot password'));
  return html`<h1 tabindex="-1">${tr('Passwort vergessen', 'Forgot password')}</h1>
    <fieldset class="card narrow choice">
      <legend>${tr('Haben Sie Ihren Sicherheitsschlüssel?', 'Do you have your recovery key?')}</legend>
      <label><input type="radio" name="mode" checked=${mode === 'key'} onChange=${() => setMode('key')} /> ${tr('Ja – neues Passwort setzen, alle Daten bleiben erhalten', 'Yes – set a new password, all data is kept')}</label>
      <label><input type="radio" name="mode" checked=${mode === 'reset'} onChange=${() => setMode('reset')} /> ${tr('Nein – Konto zurücksetzen, verschlüsselte Daten gehen verloren', 'No – reset the account, encrypted data is lost')}</label>
    </fieldset>
    ${mode === 'key' ? html`<${RecoverWithKey} />` : html`<${ResetWithoutKey} />`}
    <p><a href="/anmelden">${tr('Zurück zur Anmeldung', 'Back to login')}</a></p>`;
}

function RecoverWithKey() {
  const [f, setF] = useState({ email: localStorage.getItem('akte.email') || '', key: '', totp: '', pw: '', pw2: '' });
  const [err, setErr] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const submit = async (e) => {
    e.preventDefault();
    setErr('');
    setBusy(true);
    let rk;
    try {
      rk = await core.call('parseRecovery', { text: f.key });
      await checkNewPassword(f.pw, f.pw2, f.email, '');
      const g = await post('/password/recover', { email: f.email, recovery_verifier: rk.verifier, totp: f.totp.replace(/\s/g, '') });
      const umk = await core.call('unlockRecovery', { key: rk.key, umk_by_recovery: g.umk_by_recovery });
      setStatus(tr('Schlüssel werden abgeleitet …', 'Deriving keys …'));
      const nw = await core.call('rewrap', { umk, password: f.pw }).finally(() => core.call('forget', { handle: umk }));
      await post('/password/recover/complete', { token: g.token, new: nw });
      useKDF(f.email, nw.kdf);
      flash.value = tr('Neues Passwort gesetzt; Ihre Daten bleiben erhalten. Bitte melden Sie sich an.', 'New password set; your data is kept. Please log in.');
      navigate('/anmelden');
    } catch (e2) {
      setStatus('');
      setErr(errorText(e2));
      if (rk) core.call('forget', { handle: rk.key }).catch(() => {}); // unused if refused before
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card narrow" onSubmit=${submit} aria-labelledby="rk2-h">
    <h2 id="rk2-h">${tr('Mit Sicherheitsschlüssel', 'With the recovery key')}</h2>
    <${Field} label=${tr('E-Mail-Adresse', 'E-mail address')} type="email" name="email" value=${f.email} onInput=${set('email')} autocomplete="username" />
    <${Field} label=${tr('Sicherheitsschlüssel', 'Recovery key')} name="recovery-key" value=${f.key} onInput=${set('key')} autocomplete="off" spellcheck=${false}
      hint=${tr('14 Gruppen zu je 4 Zeichen; Bindestriche und Groß-/Kleinschreibung sind egal.', '14 groups of 4 characters; dashes and case do not matter.')} />
    <${Field} label=${tr('Code aus der Authenticator-App', 'Code from the authenticator app')} name="totp" value=${f.totp} onInput=${set('totp')} autocomplete="one-time-code" inputmode="numeric" />
    <${PasswordFields} pw=${f.pw} setPw=${set('pw')} pw2=${f.pw2} setPw2=${set('pw2')} email=${f.email} kvnr="" label=${tr('Neues Passwort', 'New password')} />
    <${Alert} text=${err} />
    <${Status} text=${status} />
    <${Busy} busy=${busy}>${tr('Neues Passwort setzen', 'Set new password')}<//>
  </form>`;
}

function ResetWithoutKey() {
  const [f, setF] = useState({ email: localStorage.getItem('akte.email') || '', code: '', totp: '', pw: '', pw2: '', ack: false, word: '' });
  const [warning, setWarning] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(null);
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const start = async (e) => {
    e.preventDefault();
    setErr('');
    try {
      const r = await post('/password/reset', { email: f.email });
      setWarning(r.reason);
    } catch (e2) {
      setErr(errorText(e2));
    }
  };
  const finish = async (e) => {
    e.preventDefault();
    setErr('');
    const word = tr('LÖSCHEN', 'ERASE');
    if (!f.ack || f.word.trim().toUpperCase() !== word) {
      setErr(tr(`Bitte bestätigen Sie den Datenverlust und tippen Sie ${word}.`, `Please confirm the data loss and type ${word}.`));
      return;
    }
    setBusy(true);
    try {
      await checkNewPassword(f.pw, f.pw2, f.email, '');
      const m = await core.call('newAccount', { password: f.pw });
      core.call('forget', { handle: m.umk }); // the new UMK opens at the next login
      await post('/password/reset/complete', {
        email: f.email, code: f.code.trim(), totp: f.totp.replace(/\s/g, ''), acknowledge_data_loss: true, kdf: m.kdf, login_secret: m.login_secret,
        recovery_verifier: m.recovery_verifier, keys: m.keys, record: m.record,
      });
      useKDF(f.email, m.kdf);
      setDone(m);
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  if (done)
    return html`<${RecoveryKey} text=${done.recovery_key} email=${f.email} />
      <${RecoveryConfirm} text=${done.recovery_key} submitLabel=${tr('Weiter zur Anmeldung', 'Continue to login')}
        onDone=${() => ((flash.value = tr('Konto zurückgesetzt. Bitte melden Sie sich mit dem neuen Passwort an.', 'Account reset. Please log in with the new password.')), navigate('/anmelden'))} />`;
  if (!warning)
    return html`<form class="card narrow" onSubmit=${start} aria-labelledby="rs-h">
      <h2 id="rs-h">${tr('Ohne Sicherheitsschlüssel zurücksetzen', 'Reset without the recovery key')}</h2>
      <p class="warning">${tr(
        'Ohne Sicherheitsschlüssel kann niemand Ihre verschlüsselten Daten wiederherstellen. Beim Zurücksetzen werden alle Dokumente gelöscht; Ihr Konto bleibt bestehen.',
        'Without the recovery key nobody can restore your encrypted data. Resetting deletes all documents; your account stays.',
      )}</p>
      <${Field} label=${tr('E-Mail-Adresse', 'E-mail address')} type="email" name="email" value=${f.email} onInput=${set('email')} autocomplete="username" />
      <${Alert} text=${err} />
      <button type="submit" class="primary">${tr('Code anfordern', 'Request a code')}</button>
    </form>`;
  return html`<form class="card narrow" onSubmit=${finish} aria-labelledby="rs2-h">
    <h2 id="rs2-h">${tr('Konto zurücksetzen', 'Reset the account')}</h2>
    <p class="warning" role="alert">${say(warning)}</p>
    <${Field} label=${tr('Code aus der E-Mail', 'Code from the e-mail')} name="email-code" value=${f.code} onInput=${set('code')} autocomplete="one-time-code" inputmode="numeric" />
    <${Field} label=${tr('Code aus der Authenticator-App', 'Code from the authenticator app')} name="totp" value=${f.totp} onInput=${set('totp')} autocomplete="one-time-code" inputmode="numeric" />
    <${PasswordFields} pw=${f.pw} setPw=${set('pw')} pw2=${f.pw2} setPw2=${set('pw2')} email=${f.email} kvnr="" label=${tr('Neues Passwort', 'New password')} />
    <div class="field check"><input id="ack" type="checkbox" checked=${f.ack} onChange=${(e) => set('ack')(e.currentTarget.checked)} />
      <label for="ack">${tr('Ich habe verstanden, dass alle meine verschlüsselten Dokumente gelöscht werden.', 'I understand that all my encrypted documents will be deleted.')}</label></div>
    <${Field} label=${tr('Zur Bestätigung LÖSCHEN tippen', 'Type ERASE to confirm')} name="erase-word" value=${f.word} onInput=${set('word')} autocomplete="off" />
    <${Alert} text=${err} />
    <${Busy} busy=${busy} class="danger">${tr('Daten löschen und Passwort neu setzen', 'Erase data and set a new password')}<//>
  </form>`;
}

// ---- confirming a new device ----

// DeviceConfirm is the page a mailed device link opens (/geraet#SECRET).
// It shows the device and confirms it only when the person clicks: a mail
// scanner that opens the link confirms nothing. The secret stays in the
// URL fragment, which browsers send neither to the server nor in a
// Referer; it reaches the server only in the bodies of the two POSTs.
function DeviceConfirm({ token }) {
  const [device, setDevice] = useState(null);
  const [err, setErr] = useState('');
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const title = done ? tr('Gerät bestätigt', 'Device confirmed') : tr('Neues Gerät bestätigen', 'Confirm a new device');
  useTitle(title);
  useEffect(() => {
    setDevice(null);
    setErr('');
    if (!token) return setErr(tr('Dieser Link ist unvollständig. Öffnen Sie ihn bitte genau so, wie er in der E-Mail steht.', 'This link is incomplete. Please open it exactly as it is in the e-mail.'));
    post('/devices/confirm/preview', { token }, { quiet401: true }).then(setDevice, (e) => setErr(errorText(e)));
  }, [token]);
  const confirm = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    try {
      await post('/devices/confirm', { token }, { quiet401: true });
      setDone(true);
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  let body;
  if (done)
    body = html`<div class="card narrow">
      <p>${tr('Das Gerät ist bestätigt. Sie können sich jetzt darauf anmelden.', 'The device is confirmed. You can log in on it now.')}</p>
      <p><a href="/anmelden">${tr('Zur Anmeldung', 'Go to the login')}</a></p>
    </div>`;
  else if (device)
    body = html`<form onSubmit=${confirm} class="card narrow">
      <p>${tr('Jemand hat sich mit Ihrem Passwort und Ihrem Authenticator-Code von einem neuen Gerät angemeldet:', 'Someone logged in to your account from a new device, with your password and your authenticator code:')}</p>
      <dl class="facts">
        <dt>${tr('Gerät', 'Device')}</dt><dd data-testid="device-name">${device.name}</dd>
        <dt>${tr('Zeit', 'Time')}</dt><dd>${fmtDateTime(device.created_at)}</dd>
      </dl>
      <p>${tr(
        'Waren Sie das, bestätigen Sie das Gerät. Waren Sie das nicht, bestätigen Sie nichts und ändern Sie sofort Ihr Passwort.',
        'If that was you, confirm the device. If not, confirm nothing and change your password now.',
      )}</p>
      <${Alert} text=${err} />
      <${Busy} busy=${busy}>${tr('Gerät bestätigen', 'Confirm the device')}<//>
    </form>`;
  else body = err ? html`<${Alert} text=${err} />` : html`<${Status} text=${tr('Wird geladen …', 'Loading …')} />`;
  return html`<h1 tabindex="-1">${title}</h1>${body}`;
}

// ---- development mailbox ----

function Mailbox() {
  useTitle(tr('Postfach (Entwicklung)', 'Mailbox (development)'));
  const [list, setList] = useState(null);
  const [open, setOpen] = useState(null);
  const [err, setErr] = useState('');
  const load = () => get('/dev/mailbox', { quiet401: true }).then(setList, (e) => setErr(e.status === 404 ? tr('Das Postfach gibt es nur auf einem Entwicklungsserver ohne Mailserver.', 'The mailbox exists only on a development server without a mail server.') : errorText(e)));
  useEffect(() => {
    load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, []);
  const read = async (m) => setOpen(await get('/dev/mailbox/' + encodeURIComponent(m.name), { quiet401: true }));
  const linkify = (text) =>
    text.split(/(https?:\/\/\S+)/).map((part, i) => (i % 2 ? html`<a href=${part} target="_blank" rel="noopener">${part}</a>` : part));
  return html`<h1 tabindex="-1">${tr('Postfach (Entwicklung)', 'Mailbox (development)')}</h1>
    <p>${tr(
      'Dieser Server hat keinen Mailserver. Alle Mails landen hier, damit Sie sich ohne Mailserver registrieren können. Die Seite aktualisiert sich selbst.',
      'This server has no mail server. Every mail lands here, so you can register without one. The page refreshes itself.',
    )}</p>
    <${Alert} text=${err} />
    ${list &&
    html`<table class="mail">
      <caption class="sr-only">${tr('Nachrichten, neueste zuerst', 'Messages, newest first')}</caption>
      <thead><tr><th scope="col">${tr('Zeit', 'Time')}</th><th scope="col">${tr('An', 'To')}</th><th scope="col">${tr('Betreff', 'Subject')}</th></tr></thead>
      <tbody>${list.map((m) => html`<tr><td>${fmtDateTime(m.time)}</td><td>${m.to}</td>
        <td><button type="button" class="link" onClick=${() => read(m)}>${m.subject}</button></td></tr>`)}</tbody>
    </table>`}
    ${list && list.length === 0 && html`<p>${tr('Noch keine Mails.', 'No mail yet.')}</p>`}
    ${open &&
    html`<article class="card" aria-labelledby="mail-h">
      <h2 id="mail-h" tabindex="-1" ref=${(el) => el && el.focus()}>${open.subject}</h2>
      <p class="meta">${tr('An', 'To')}: ${open.to}</p>
      <pre class="mailtext" data-testid="mail-text">${linkify(open.text)}</pre>
    </article>`}`;
}

// ---- shell ----

async function logout() {
  await del('/sessions/current').catch(() => {});
  leaveSession(tr('Sie sind abgemeldet.', 'You are logged out.'));
}

// The operator's imprint and privacy notice (index.html's meta "akte-site",
// which the server fills in from --imprint-url and --privacy-url).
const site = (() => {
  try {
    return JSON.parse(document.querySelector('meta[name="akte-site"]')?.content || '{}');
  } catch {
    return {};
  }
})();

// leaving is the address of a link out of Akte the patient chose: it opens
// only after a notice says so (DiGAV Anlage 1: leaving the trust domain).
const leaving = signal(null);

function ExternalLink({ href, children }) {
  return html`<a href=${href} rel="noopener noreferrer" onClick=${(e) => (e.preventDefault(), (leaving.value = href))}>${children}</a>`;
}

// PortalLink links the national health portal's page that explains a
// category (gesund.bund.de; the mapping is the operator's, index.html's
// meta "akte-site", decision 0032), behind the notice on leaving Akte.
function PortalLink({ category }) {
  const l = site.portal?.[category];
  if (!l) return null;
  const en = lang.value === 'en';
  return html`<p class="portal"><${ExternalLink} href=${(en && l.en) || l.de}>${tr(
    `Mehr zu „${catName(category)}“ im Nationalen Gesundheitsportal (gesund.bund.de)`,
    `More on “${catName(category)}” at the national health portal (gesund.bund.de${l.en ? '' : ', in German'})`,
  )}<//></p>`;
}

function LeaveNotice() {
  const to = leaving.value;
  const ref = useRef();
  // The address stays in the closed notice: "Continue" closes it in its
  // click handler, before the browser follows the link.
  const last = useRef('');
  if (to) last.current = to;
  useEffect(() => {
    const d = ref.current;
    // The notice itself takes the focus, not its "Continue": the key that
    // opened it must not also go on.
    if (to && !d.open) d.showModal(), d.querySelector('h2').focus();
    if (!to && d.open) d.close();
  }, [to]);
  const stay = () => (leaving.value = null);
  return html`<dialog ref=${ref} class="leave" aria-labelledby="leave-h" aria-describedby="leave-d" onClose=${stay}>
    <h2 id="leave-h" tabindex="-1">${tr('Sie verlassen Akte', 'You are leaving Akte')}</h2>
    <p id="leave-d">${tr('Dieser Link führt zu einer Seite außerhalb von Akte. Dort gelten die Regeln ihres Anbieters; Akte gibt ihr keine Daten aus Ihrer Akte.',
      "This link leads to a page outside Akte. Its provider's rules apply there; Akte gives it no data from your record.")}</p>
    <p class="url">${last.current}</p>
    <div class="actions">
      <a class="button primary" href=${last.current} target="_blank" rel="noopener noreferrer" onClick=${stay}>${tr('Weiter (neuer Tab)', 'Continue (new tab)')}</a>
      <button type="button" onClick=${stay}>${tr('Abbrechen', 'Cancel')}</button>
    </div>
  </dialog>`;
}

function Footer() {
  return html`<footer class="foot no-print">
    <p>${tr('Ende-zu-Ende-verschlüsselt: Ihre Dokumente werden auf diesem Gerät ver- und entschlüsselt.', 'End-to-end encrypted: your documents are encrypted and decrypted on this device.')}</p>
    <p><${PrivacyLink} /></p>
    ${(site.imprint || site.privacy) &&
    html`<nav aria-label=${tr('Rechtliches', 'Legal')}><ul>
      ${site.imprint && html`<li><${ExternalLink} href=${site.imprint}>${tr('Impressum', 'Imprint')}<//></li>`}
      ${site.privacy && html`<li><${ExternalLink} href=${site.privacy}>${tr('Datenschutz', 'Privacy')}<//></li>`}
    </ul></nav>`}
    <${LeaveNotice} />
  </footer>`;
}

const assetURL = (name) => JSON.parse(document.querySelector('meta[name="akte-assets"]').content)[name];

function Header() {
  const s = session.value;
  // On a phone the navigation folds behind one button, so the header is
  // one row; it folds again whenever the page changes.
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [here.value, s]);
  const toggle = () => chooseLang(lang.value === 'de' ? 'en' : 'de').catch(() => {});
  const link = (path, de, en) => html`<li><a href=${path} aria-current=${here.value.path === path ? 'page' : undefined}>${tr(de, en)}</a></li>`;
  return html`<header class="top" onKeyDown=${(e) => e.key === 'Escape' && open && (setOpen(false), document.getElementById('menu-toggle').focus())}>
    <a class="skip" href="#main" onClick=${(e) => (e.preventDefault(), document.getElementById('main').focus())}>${tr('Zum Inhalt springen', 'Skip to content')}</a>
    <a class="brand" href=${s ? home(s) : '/'}><img src=${assetURL('icon')} alt="" width="32" height="32" /><span>Akte</span></a>
    <button type="button" id="menu-toggle" class="menu-toggle" aria-expanded=${open ? 'true' : 'false'} aria-controls="main-nav" onClick=${() => setOpen(!open)}>${tr('Menü', 'Menu')}</button>
    <nav id="main-nav" class=${open ? 'open' : ''} aria-label=${tr('Hauptnavigation', 'Main navigation')}>
      <ul>
        ${s && home(s) === '/akte' && link('/akte', 'Meine Akte', 'My record')}
        ${s && home(s) === '/akte' && link('/gesundheit', 'Impfungen und Vorsorge', 'Vaccinations and check-ups')}
        ${s && home(s) === '/akte' && link('/medikationsplan', 'Medikationsplan', 'Medication plan')}
        ${s && home(s) === '/akte' && link('/notfall', 'Notfalldaten', 'Emergency data')}
        ${s && home(s) === '/akte' && link('/leistungserbringer', 'Ärzte', 'Doctors')}
        ${s && home(s) === '/akte' && link('/apps', 'Apps und Eingang', 'Apps and inbox')}
        ${s && home(s) === '/akte' && link('/forschung', 'Forschung', 'Research')}
        ${s && home(s) === '/akte' && link('/freigaben', 'Freigaben', 'Access')}
        ${s && home(s) === '/akte' && link('/geteilt', 'Geteilt', 'Shared')}
        ${s && home(s) === '/praxis' && link('/praxis', 'Praxis', 'Practice')}
        ${s && home(s) === '/praxis' && link('/praxis/akten', 'Akten', 'Records')}
        ${s && link('/protokoll', 'Protokoll', 'Protocol')}
        ${s && home(s) === '/akte' && link('/einwilligungen', 'Einwilligungen', 'Consents')}
        ${s && link('/einstellungen', 'Einstellungen', 'Settings')}
        ${devMailbox.value && link('/postfach', 'Postfach', 'Mailbox')}
        ${s && html`<li><button type="button" onClick=${logout}>${tr('Abmelden', 'Log out')}</button></li>`}
        <li><button type="button" onClick=${toggle} lang=${lang.value === 'de' ? 'en' : 'de'}>${lang.value === 'de' ? 'English' : 'Deutsch'}</button></li>
      </ul>
    </nav>
  </header>`;
}

// The health page (decision 0037): the services switched on with their
// consent, the vaccination and check-up status computed in this browser by
// the Go code the CLI runs (never stored), entering an immunization, and
// the entries.
const diseases = [
  ['76902006', 'Tetanus', 'Tetanus'], ['397430003', 'Diphtherie', 'Diphtheria'], ['27836007', 'Keuchhusten (Pertussis)', 'Whooping cough (pertussis)'],
  ['398102009', 'Kinderlähmung (Polio)', 'Polio'], ['709410003', 'Hib', 'Hib'], ['66071002', 'Hepatitis B', 'Hepatitis B'],
  ['14189004', 'Masern', 'Measles'], ['36989005', 'Mumps', 'Mumps'], ['36653000', 'Röteln', 'Rubella'], ['38907003', 'Windpocken', 'Chickenpox'],
];
// targetWord names a target disease by its SNOMED CT code where the form
// knows it, else by the rule's id (examinations: U4, J1, …).
const targetWord = (r) => {
  const d = diseases.find(([code]) => code === r.code);
  return d ? tr(d[1], d[2]) : r.target.replaceAll('_', ' ');
};
const serviceWord = (n) =>
  ({
    vaccinations: tr('Impfstatus (STIKO)', 'Vaccination status (STIKO)'),
    checkups: tr('Vorsorge (G-BA)', 'Check-ups (G-BA)'),
    medication: tr('Medikationsplan', 'Medication plan'),
    doctors: tr('Ärzteliste', 'Doctor list'),
    emergency: tr('Notfalldaten', 'Emergency data'),
  })[n] || n;
const statusWord = (st) =>
  ({ complete: tr('vollständig', 'complete'), due: tr('fällig', 'due'), overdue: tr('überfällig', 'overdue'), not_recommended: tr('nicht empfohlen', 'not recommended') })[st] || st;

function StatusTable({ id, caption, rows }) {
  return html`<table class="status" data-testid=${id}>
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${tr('Ziel', 'Target')}</th><th scope="col">${tr('Status', 'Status')}</th><th scope="col">${tr('Nächstes Datum', 'Next date')}</th><th scope="col">${tr('Grund', 'Reason')}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr data-target=${r.target} data-status=${r.status}><th scope="row">${targetWord(r)}</th><td>${statusWord(r.status)}</td><td>${r.next_date ? fmtDate(r.next_date) : ''}</td><td>${has(lang.value, r.reason) ? say(r.reason, r.params) : r.reason}</td></tr>`)}</tbody>
  </table>`;
}

function Consent({ service, profile, onDone, onCancel }) {
  const [text, setText] = useState(null);
  const [birth, setBirth] = useState(profile.birth_date || session.value.account.birth_date || '');
  const [sex, setSex] = useState(profile.sex || '');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  useEffect(() => void health.consentText(service.name, lang.value).then(setText), [service.name, lang.value]);
  const give = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    try {
      await onDone(text, birth, sex);
    } catch (x) {
      setErr(errorText(x));
      setBusy(false);
    }
  };
  return html`<form class="card" aria-labelledby="consent-h" onSubmit=${give} data-testid="consent">
    <h3 id="consent-h">${tr('Einwilligung', 'Consent')}: ${serviceWord(service.name)}</h3>
    <p class="consent-text" data-testid="consent-text">${text?.text || ''}</p>
    ${service.person && html`<${Field} label=${tr('Geburtsdatum', 'Date of birth')} type="date" value=${birth} onInput=${setBirth} name="consent-birth" />
      <label for="sex">${tr('Geschlecht', 'Sex')}</label>
      <select id="sex" required value=${sex} onChange=${(e) => setSex(e.target.value)}>
        <option value="">${tr('bitte wählen', 'please choose')}</option>
        <option value="female">${tr('weiblich', 'female')}</option><option value="male">${tr('männlich', 'male')}</option>
        <option value="other">${tr('divers', 'other')}</option><option value="unknown">${tr('keine Angabe', 'not stated')}</option>
      </select>`}
    ${err && html`<${Alert} text=${err} />`}
    <p><${Busy} busy=${busy} type="submit" disabled=${!text}>${tr('Einwilligen und einschalten', 'Consent and switch on')}<//>
      <button type="button" onClick=${onCancel}>${tr('Abbrechen', 'Cancel')}</button></p>
  </form>`;
}

function Health() {
  useTitle(tr('Impfungen und Vorsorge', 'Vaccinations and check-ups'));
  const [asking, setAsking] = useState(null);
  const [results, setResults] = useState({});
  const [note, setNote] = useState('');
  const [err, setErr] = useState('');
  const [form, setForm] = useState({ vaccine: '', date: '', dose: '1', targets: [], lot: '' });
  const [raw, setRaw] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => void reloadRecord(), []);
  const h = health.split(healthItems.value);
  const on = (n) => !!h.profile.services?.[n]?.on;
  const ctx = () => ({ umk: session.value.umk, record: record.value, accountId: session.value.account.account_id });
  // A new description of the profile keeps its id: its meta_version tells.
  const key = healthItems.value.map((x) => x.item.id + ':' + x.item.meta_version).join();
  useEffect(() => {
    let live = true;
    (async () => {
      const out = {};
      for (const n of ['vaccinations', 'checkups', 'doctors']) if (on(n)) out[n] = await health.status(n, h.profile, h.latest, n === 'doctors' ? await health.billing(items.value) : []);
      if (live) setResults(out);
    })().catch((e) => live && setErr(errorText(e)));
    return () => (live = false);
  }, [key]);
  const act = async (f, done) => {
    setErr('');
    setNote('');
    setBusy(true);
    try {
      await f();
      await loadRecord();
      setNote(done);
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const switchOn = async (text, birth, sex) => {
    if (asking.person && (!birth || !sex)) throw fail('Bitte Geburtsdatum und Geschlecht angeben.', 'Please give the date of birth and the sex.');
    const consent = { text: text.id, version: text.version, lang: text.lang, hash: text.hash, at: new Date().toISOString() };
    const name = asking.name;
    await serviceGiven(text); // the ledger first (decision 0044)
    await health.changeProfile(ctx(), h.profileIds, (cur) => ({
      ...cur,
      ...(asking.person ? { birth_date: birth, sex } : {}),
      services: { ...(cur.services || {}), [name]: { on: true, since: consent.at, consent } },
    }));
    await loadRecord();
    setNote(tr(`${serviceWord(asking.name)} ist eingeschaltet.`, `${serviceWord(asking.name)} is on.`));
    setAsking(null);
  };
  const switchOff = (n) =>
    act(async () => {
      if (n === 'medication') await del('/account/reminders').then(dropPush); // the reminders stop at once (decisions 0045, 0051)
      await health.changeProfile(ctx(), h.profileIds, (cur) => {
        const services = { ...(cur.services || {}) };
        delete services[n];
        return { ...cur, services };
      });
      await serviceWithdrawn(n);
    }, tr(`${serviceWord(n)} ist ausgeschaltet.`, `${serviceWord(n)} is off.`));
  const add = (json) => act(() => health.addEntry(ctx(), json, h.profile.birth_date || session.value.account.birth_date), tr('Eintrag gespeichert.', 'Entry saved.'));
  const addImmunization = (e) => {
    e.preventDefault();
    if (!form.targets.length) return setErr(say('target_disease_missing', { path: tr('Krankheiten', 'diseases') }));
    add(health.immunization(form)).then(() => setForm({ vaccine: '', date: '', dose: '1', targets: [], lot: '' }));
  };
  const toggleTarget = (code) => setForm({ ...form, targets: form.targets.includes(code) ? form.targets.filter((c) => c !== code) : [...form.targets, code] });
  const remove = (x) => act(() => health.removeIds(ctx(), health.chain(h.all, x)), tr(`„${x.meta.title}“ gelöscht.`, `“${x.meta.title}” deleted.`));
  const ready = record.value != null;
  return html`<h1 tabindex="-1">${tr('Impfungen und Vorsorge', 'Vaccinations and check-ups')}</h1>
    <p>${tr('Alles wird auf diesem Gerät berechnet; der Server sieht nur verschlüsselte Daten.', 'Everything is computed on this device; the server sees encrypted data only.')}</p>
    ${err && html`<${Alert} text=${err} />`}
    <${Status} text=${note} />
    <section class="card" aria-labelledby="svc-h">
      <h2 id="svc-h">${tr('Dienste', 'Services')}</h2>
      <ul class="services" data-testid="services">
        ${health.services.map((sv) => html`<li data-service=${sv.name} data-on=${on(sv.name) ? 'true' : 'false'}>
          <span>${serviceWord(sv.name)}: ${on(sv.name) ? tr('an', 'on') : sv.built ? tr('aus', 'off') : tr('noch nicht verfügbar', 'not available yet')}</span>
          ${sv.built && ready && (on(sv.name)
            ? html` <button type="button" disabled=${busy} onClick=${() => switchOff(sv.name)}>${tr('Ausschalten', 'Switch off')}</button>`
            : html` <button type="button" disabled=${busy} onClick=${() => setAsking(sv)}>${tr('Einschalten …', 'Switch on …')}</button>`)}
        </li>`)}
      </ul>
      ${asking && html`<${Consent} service=${asking} profile=${h.profile} onDone=${switchOn} onCancel=${() => setAsking(null)} />`}
    </section>
    ${(results.vaccinations || results.checkups) && html`<section class="card" aria-labelledby="st-h">
      <h2 id="st-h">${tr('Ihr Stand', 'Your status')}</h2>
      <p><strong>${tr('Diese Übersicht ersetzt keine ärztliche Beratung.', "This overview does not replace a doctor's advice.")}</strong></p>
      ${results.vaccinations && html`<${StatusTable} id="vaccination-status" caption=${tr('Impfstatus nach STIKO', 'Vaccination status against STIKO')} rows=${results.vaccinations} />`}
      ${results.checkups && html`<${StatusTable} id="checkup-status" caption=${tr('Vorsorge nach G-BA', 'Check-ups against the G-BA schedule')} rows=${results.checkups} />`}
    </section>`}
    ${results.doctors && html`<${Doctors} doctors=${results.doctors} />`}
    <section class="card" aria-labelledby="imm-h">
      <h2 id="imm-h">${tr('Impfung eintragen', 'Enter a vaccination')}</h2>
      <form onSubmit=${addImmunization} data-testid="immunization-form">
        <${Field} label=${tr('Impfstoff', 'Vaccine')} value=${form.vaccine} onInput=${(v) => setForm({ ...form, vaccine: v })} name="imm-vaccine" />
        <${Field} label=${tr('Datum der Impfung', 'Date of the vaccination')} type="date" value=${form.date} onInput=${(v) => setForm({ ...form, date: v })} name="imm-date" />
        <${Field} label=${tr('Dosis Nr.', 'Dose no.')} type="number" min="1" max="20" value=${form.dose} onInput=${(v) => setForm({ ...form, dose: v })} name="imm-dose" />
        <${Field} label=${tr('Charge (optional)', 'Lot (optional)')} value=${form.lot} required=${false} onInput=${(v) => setForm({ ...form, lot: v })} name="imm-lot" />
        <fieldset><legend>${tr('Schützt gegen', 'Protects against')}</legend>
          ${diseases.map(([code, de, en]) => html`<label class="check"><input type="checkbox" name="target" value=${code} checked=${form.targets.includes(code)} onChange=${() => toggleTarget(code)} /> ${tr(de, en)}</label>`)}
        </fieldset>
        <p><${Busy} busy=${busy} type="submit" disabled=${!ready}>${tr('Impfung speichern', 'Save the vaccination')}<//></p>
      </form>
      <details><summary>${tr('Einen Eintrag als FHIR-R4-JSON hinzufügen', 'Add an entry as FHIR R4 JSON')}</summary>
        <label for="fhir-json">${tr('FHIR-Ressource (JSON)', 'FHIR resource (JSON)')}</label>
        <textarea id="fhir-json" rows="8" value=${raw} onInput=${(e) => setRaw(e.target.value)}></textarea>
        <p><button type="button" disabled=${busy || !ready || !raw.trim()} onClick=${() => add(raw).then(() => setRaw(''))}>${tr('Eintrag speichern', 'Save the entry')}</button></p>
      </details>
    </section>
    <section class="card" aria-labelledby="ent-h">
      <h2 id="ent-h">${tr('Einträge', 'Entries')}</h2>
      ${h.latest.length === 0 ? html`<p>${tr('Noch keine Einträge.', 'No entries yet.')}</p>` : html`<ul class="entries" data-testid="entries">
        ${h.latest.map((x) => html`<li data-id=${x.item.id}>${x.meta.date ? fmtDate(x.meta.date) + ' · ' : ''}${x.meta.title} (${x.meta.type})
          <button type="button" disabled=${busy} onClick=${() => remove(x)} aria-label=${tr(`„${x.meta.title}“ löschen`, `Delete “${x.meta.title}”`)}>${tr('Löschen', 'Delete')}</button></li>`)}
      </ul>`}
    </section>`;
}

// Doctors is the doctor list (issue 17, item 5): the doctors of the last
// four years with the last visit, computed in this browser, searchable;
// each leads to the provider search, where access is given.
function Doctors({ doctors }) {
  const [q, setQ] = useState('');
  const fold = (s) => (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const words = fold(q).split(/\s+/).filter(Boolean);
  const shown = doctors.filter((d) => {
    const hay = fold([d.name, d.specialty, d.address, d.lanr, d.bsnr].join(' '));
    return words.every((w) => hay.includes(w));
  });
  return html`<section class="card" aria-labelledby="doc-h" data-testid="doctors">
    <h2 id="doc-h">${tr('Ihre Ärztinnen und Ärzte', 'Your doctors')}</h2>
    <p>${tr('Die der letzten vier Jahre mit dem letzten Besuch, aus Ihren Einträgen und den Abrechnungsdaten Ihrer Krankenkasse.', 'Those of the last four years with the last visit, from your entries and your insurer’s billing data.')}</p>
    <${Field} label=${tr('Suchen', 'Search')} value=${q} required=${false} onInput=${setQ} name="doctor-search" />
    ${shown.length === 0 ? html`<p role="status">${tr('Keine Ärztin und kein Arzt gefunden.', 'No doctor found.')}</p>` : html`<table class="status">
      <caption class="sr-only">${tr('Ärztinnen und Ärzte', 'Doctors')}</caption>
      <thead><tr><th scope="col">${tr('Name', 'Name')}</th><th scope="col">${tr('Fachrichtung', 'Specialty')}</th><th scope="col">${tr('Letzter Besuch', 'Last visit')}</th><th scope="col">${tr('Zugriff', 'Access')}</th></tr></thead>
      <tbody>${shown.map((d) => html`<tr>
        <th scope="row">${d.name}${d.lanr ? html`<br /><small>LANR ${d.lanr}</small>` : ''}</th>
        <td>${d.specialty || ''}</td>
        <td>${d.last_visit ? fmtDate(d.last_visit) : tr('kein Besuch eingetragen', 'no visit entered')}</td>
        <td><a href=${'/leistungserbringer?q=' + encodeURIComponent(d.lanr || d.name)}>${tr(`${d.name}: Zugriff geben …`, `${d.name}: give access …`)}</a></td>
      </tr>`)}</tbody></table>`}
  </section>`;
}

// The pages by path (each listed in pages.json too, for the server's
// answer; web.TestPagesRouted compares). Open pages show to anyone; the login's pages lead a
// logged-in patient on to the record; the record's pages ask a locked tab
// for the password (at their own address, which a reload keeps) and send
// anyone logged out to the login, which returns to them afterwards
// (?weiter=PATH: a deep link survives the login).
const openPages = {
  '/postfach': () => html`<${Mailbox} />`,
  '/geraet': () => html`<${DeviceConfirm} token=${here.value.hash} />`,
  '/datenschutz': () => html`<${PrivacyPage} />`,
  '/freigabe': () => html`<${SharePage} />`,
};
const loginPages = {
  '/': () => html`<${Login} start />`,
  '/anmelden': () => html`<${Login} />`,
  '/registrieren': () => html`<${Register} />`,
  '/registrieren/fortsetzen': () => html`<${Register} resume />`,
  '/registrieren/praxis': () => html`<${RegisterProvider} />`,
  '/passwort-vergessen': () => html`<${Forgot} />`,
};
const recordPages = [
  ['/akte', () => html`<${Record} />`],
  ['/praxis', () => html`<${ProviderHome} />`],
  ['/leistungserbringer', () => html`<${Providers} />`],
  ['/freigaben', () => html`<${Grants} />`],
  ['/praxis/akten', () => html`<${GrantedRecords} />`],
  ['/einstellungen', () => html`<${Settings} />`],
  ['/protokoll', () => html`<${Protocol} />`],
  ['/patienten-cd', () => html`<${CDImport} />`],
  ['/auskunft', () => html`<${Information} />`],
  ['/gesundheit', () => html`<${Health} />`],
  ['/medikationsplan', () => html`<${MedPlan} ctx=${{ umk: session.value.umk, record: record.value, accountId: session.value.account.account_id }} items=${[...items.value, ...healthItems.value]} reload=${loadRecord} />`],
  ['/notfall', () => html`<${EmergencyPage} items=${healthItems.value} record=${record.value} reload=${loadRecord} />`],
  ['/einwilligungen', () => html`<${ConsentsPage} />`],
  ['/export', () => html`<${ExportPage} />`],
  ['/geteilt', () => html`<${SharesPage} items=${items.value} onLoad=${() => items.value.length || reloadRecord()} />`],
  ['/apps', () => html`<${AppsPage} session=${session.value} />`],
  ['/forschung', () => html`<${DonationPage} session=${session.value} record=${record.value} items=${healthItems.value} load=${reloadRecord} />`],
  ['/dokument/:id', (p) => html`<${DocumentPage} id=${p.id} />`],
];

const recordPage = (path) => {
  for (const [pattern, page] of recordPages) {
    const p = match(pattern, path);
    if (p) return () => page(p);
  }
  return null;
};

// wanted is the record's page the login returns to (only one of those:
// the parameter is not a way to send the patient elsewhere).
function wanted() {
  const w = here.value.query.get('weiter');
  return w && recordPage(w) ? w : '';
}

// route returns the page to show at path, or the address to go on to.
function route(path, s, l) {
  if (openPages[path]) return { page: openPages[path]() };
  if (loginPages[path]) {
    if (s) return { to: wanted() || home(s) };
    // A locked tab unlocks on the login page (not on the registration's).
    if (l && (path === '/' || path === '/anmelden')) return { page: html`<${Unlock} />` };
    return { page: loginPages[path]() };
  }
  const page = recordPage(path);
  if (!page) return { page: html`<${NotFound} />` };
  // A provider has no record: its start is the practice page.
  if (s && path === '/akte' && home(s) !== '/akte') return { to: home(s) };
  if (s) return { page: page() };
  if (l) return { page: html`<${Unlock} />` };
  return { to: path === '/akte' ? '/anmelden' : '/anmelden?weiter=' + encodeURIComponent(path) };
}

function NotFound() {
  useTitle(tr('Seite nicht gefunden', 'Page not found'));
  return html`<h1 tabindex="-1">${tr('Seite nicht gefunden', 'Page not found')}</h1>
    <p>${tr('Diese Adresse gibt es in Akte nicht.', 'This address does not exist in Akte.')}</p>
    <p><a href="/">${tr('Zur Startseite', 'Go to the start page')}</a></p>`;
}

function App() {
  document.documentElement.lang = lang.value;
  const r = booting.value ? {} : route(here.value.path, session.value, locked.value);
  useEffect(() => void (r.to && navigate(r.to, { replace: true })), [r.to]);
  if (!r.page) return html`<${Header} /><main id="main" tabindex="-1"><h1 tabindex="-1">Akte</h1><${Status} text=${tr('Wird geladen …', 'Loading …')} /></main>`;
  // Keyed by path: a page opened anew starts anew, even where two paths
  // show the same component (/ and /anmelden).
  return html`<${Header} />
    <main id="main" tabindex="-1"><${Fragment} key=${here.value.path}>${r.page}<//></main>
    <${Footer} />`;
}

// What the pages in modules of their own (grants.js) use.
export { session, useTitle, useAction, Field, Alert, Status, Busy, Fingerprint, InstitutionData, PdfPages, reloadRecord };

boot();
render(html`<${App} />`, document.getElementById('app'));
