// catalog renders the texts of reason codes from the catalogues the server
// and the CLI use (catalog/de.json, catalog/en.json, bundled into the app
// at build time), by the rules of Go's catalog.Text: {name} is replaced by
// the parameter, {name:bytes} formats a byte count, {name:date} a date,
// {name:duration} seconds in words, {name:reason} another reason's text;
// a missing parameter stays visible.
// catalog/testdata/text.json holds the cases both implementations pass.
import de from '../../catalog/de.json' with { type: 'json' };
import en from '../../catalog/en.json' with { type: 'json' };

const catalogues = { de, en };

const language = (l) => (l === 'de' ? 'de' : 'en');

// has says whether the language has a text for the reason.
export const has = (lang, reason) => typeof reason === 'string' && Object.hasOwn(catalogues[language(lang)], reason);

// text renders a reason; an unknown one falls back to the text of
// "internal".
export function text(lang, reason, params) {
  const c = catalogues[language(lang)];
  return render(lang, has(lang, reason) ? c[reason] : c.internal, params);
}

export function render(lang, t, params) {
  const p = params || {};
  let out = '';
  for (;;) {
    const i = t.indexOf('{');
    const j = t.indexOf('}', i + 1);
    if (i < 0 || j < 0) return out + t;
    out += t.slice(0, i);
    const [name, format = ''] = splitOnce(t.slice(i + 1, j), ':');
    out += Object.hasOwn(p, name) ? value(lang, p[name], format) : t.slice(i, j + 1);
    t = t.slice(j + 1);
  }
}

function splitOnce(s, sep) {
  const k = s.indexOf(sep);
  return k < 0 ? [s] : [s.slice(0, k), s.slice(k + 1)];
}

function value(lang, v, format) {
  if (format === 'bytes' && typeof v === 'number') return bytes(lang, v);
  if (format === 'date' && typeof v === 'string') return date(lang, v);
  if (format === 'duration' && typeof v === 'number') return duration(lang, v);
  // Another reason's text without its full stop (Go's catalog.Text).
  if (format === 'reason' && has(lang, v)) return text(lang, v).replace(/\.$/, '');
  return String(v);
}

// bytes formats a byte count in decimal units, with a German decimal comma.
export function bytes(lang, n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  let s = i === 0 ? Math.round(v).toFixed(0) : (Math.round(v * 10) / 10).toFixed(1).replace(/\.0$/, '');
  if (language(lang) === 'de') s = s.replace('.', ',');
  return `${s} ${units[i]}`;
}

// date formats the date of an RFC 3339 time or a YYYY-MM-DD date as it is
// written there: 01.04.2026 in German, 2026-04-01 in English.
function date(lang, s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})($|T)/.exec(s);
  if (!m) return s;
  return language(lang) === 'de' ? `${m[3]}.${m[2]}.${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
}

function duration(lang, secs) {
  const en = language(lang) === 'en';
  let n = secs;
  let [one, many] = en ? ['second', 'seconds'] : ['Sekunde', 'Sekunden'];
  if (secs > 120) {
    n = Math.floor((secs + 59) / 60);
    [one, many] = en ? ['minute', 'minutes'] : ['Minute', 'Minuten'];
  }
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}
