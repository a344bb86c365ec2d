// German first, English by the switch in the header: every text of the UI
// is written as tr(German, English) where it is used, so no translation
// can go missing or drift from its key. Errors are said by their reason
// codes from the catalogues the server and the CLI share (catalog.js).
import { signal } from '@preact/signals';
import { NetworkError } from './api.js';
import { CoreError } from './core.js';
import { has, text, bytes } from './catalog.js';

// lang is the app's language: this browser's last one until a login, then
// the account's (kept on the server, decision 0031), which also writes the
// account's mails.
export const lang = signal(localStorage.getItem('akte.lang') === 'en' ? 'en' : 'de');

// setLang switches the app's language and keeps it for this browser's
// next visit before a login.
export function setLang(l) {
  if (l !== 'de' && l !== 'en') return;
  lang.value = l;
  localStorage.setItem('akte.lang', l);
}

export const tr = (de, en) => (lang.value === 'en' ? en : de);

const locale = () => (lang.value === 'en' ? 'en-GB' : 'de-DE');

export const fmtBytes = (n) => bytes(lang.value, n);

export function fmtDate(s) {
  const d = new Date(s.length === 10 ? s + 'T12:00:00' : s);
  return isNaN(d) ? s : d.toLocaleDateString(locale(), { year: 'numeric', month: '2-digit', day: '2-digit' });
}

export function fmtDateTime(s) {
  const d = new Date(s);
  return isNaN(d) ? s : d.toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' });
}

// errorText turns any error into a sentence for the person, in the app's
// language: the server's and the Go core's errors by their reason (or
// kind) from the shared catalogues, the page's own by the sentence it
// made (fail). Anything else is a defect; it is logged and said as one.
export function errorText(e) {
  if (!e) return '';
  if (e instanceof NetworkError)
    return tr('Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung.', 'The server cannot be reached. Please check your connection.');
  if (e.localized) return e.message;
  // An error of the Go core that names no reason carries the core's own
  // German sentence; the English app says its kind.
  if (e instanceof CoreError && !has(lang.value, e.reason) && lang.value === 'de' && e.message) return e.message;
  const reason = has(lang.value, e.reason) ? e.reason : e.code;
  if (!has(lang.value, reason)) console.error(e);
  return text(lang.value, reason, e.params);
}

// say renders a reason in the app's language.
export const say = (reason, params) => text(lang.value, reason, params);

// fail is an error of the page itself, with its sentence in the app's
// language.
export const fail = (de, en) => Object.assign(new Error(tr(de, en)), { localized: true });
