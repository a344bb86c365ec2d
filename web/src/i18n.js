// German first, English by the switch in the header: every text of the UI
// is written as tr(German, English) where it is used, so no translation
// can go missing or drift from its key. Server messages are German (the
// API's); in English they get an English lead-in by error code.
import { signal } from '@preact/signals';
import { NetworkError } from './api.js';

export const lang = signal(localStorage.getItem('akte.lang') === 'en' ? 'en' : 'de');

export const tr = (de, en) => (lang.value === 'en' ? en : de);

const locale = () => (lang.value === 'en' ? 'en-GB' : 'de-DE');

export function fmtBytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: i ? 1 : 0 }).format(v)} ${units[i]}`;
}

export function fmtDate(s) {
  const d = new Date(s.length === 10 ? s + 'T12:00:00' : s);
  return isNaN(d) ? s : d.toLocaleDateString(locale(), { year: 'numeric', month: '2-digit', day: '2-digit' });
}

export function fmtDateTime(s) {
  const d = new Date(s);
  return isNaN(d) ? s : d.toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' });
}

const english = {
  invalid: 'The input is not valid.',
  unauthenticated: 'Login failed.',
  forbidden: 'Not allowed.',
  not_found: 'Not found.',
  conflict: 'Conflict.',
  rate_limited: 'Too many attempts; please wait.',
  expired: 'Expired.',
  used: 'Already used.',
  device_unconfirmed: 'New device: please confirm it with the link we mailed.',
  blocked: 'Blocked.',
  quota: 'Not enough storage left.',
  too_large: 'Too large.',
  crypto: 'The data does not decrypt: wrong key or damaged data.',
  unavailable: 'The server cannot be reached.',
  internal: 'Internal error. Please try again later.',
};

// englishReasons are the English sentences of the client core's refusals
// of a lying server (docs/crypto.md, "Malicious server"), by reason code.
const englishReasons = {
  kdf_below_floor: (p) => `The server asks for weaker protection of your password than allowed (Argon2id ${p.field} = ${p.got}, at least ${p.min}). Nothing was sent. A server that asks for this wants to be able to guess your password; please contact its operator.`,
  kdf_above_ceiling: (p) => `The server asks for a password derivation that would overwhelm this device (Argon2id ${p.field} = ${p.got}, at most ${p.max}). Nothing was sent.`,
  kdf_unsupported: (p) => `The server asks for an unknown password derivation (${p.alg}). Nothing was sent.`,
  kdf_downgrade: (p) => `The server asks for weaker protection of your password than at the last login on this device (Argon2id ${p.field} = ${p.got}, last time ${p.last}). Nothing was sent. The protection only gets stronger, and only when you change your password yourself.`,
  kdf_salt_changed: () =>
    'The password parameters of your account were set anew since the last login on this device, not by this device. Nothing was sent. That is right if you changed or reset your password on another device — then confirm it below. If not, the server asks for a re-keying you did not ask for.',
  answer_mismatch: (p) => `The server answered a question about ${p.asked} with ${p.got}. The answer was discarded.`,
  category_key_rollback: (p) => `The server shows keys only up to version ${p.got} for the category “${p.category}”; this device has already seen version ${p.seen}. A server that withholds the newest key could make new documents readable for someone whose access was revoked. The record was not opened.`,
};

// errorText turns any error into a sentence for the person.
export function errorText(e) {
  if (!e) return '';
  if (e instanceof NetworkError)
    return tr('Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung.', 'The server cannot be reached. Please check your connection.');
  if (lang.value === 'en' && englishReasons[e.reason]) return englishReasons[e.reason](e.params || {});
  const msg = e.message || String(e);
  if (lang.value === 'en' && e.code && english[e.code]) return `${english[e.code]} (${msg})`;
  return msg;
}
