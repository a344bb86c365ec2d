// The web app's router: pages have paths (/akte, /dokument/ID,
// /einstellungen, …) kept with the History API, so Back and Forward, a
// reload, a bookmark and a link work like on any web site. The server
// answers every such path with the app (web/web.go). See
// docs/decisions/0025-web-router.md.
//
// A secret never goes into a path, which a server or proxy would log: a
// link that carries one keeps it in the fragment (/geraet#SECRET), which
// browsers send neither to the server nor in a Referer.
import { signal } from '@preact/signals';

// here is the location the app shows: { path, query (URLSearchParams),
// hash (without '#') }.
export const here = signal(read());

function read() {
  return { path: location.pathname, query: new URLSearchParams(location.search), hash: location.hash.slice(1) };
}

// Links of the time before paths (bookmarks, mails already sent) name the
// page in the fragment: #/akte becomes /akte, and #/geraet/SECRET becomes
// /geraet#SECRET (the secret stays in the fragment). /index.html is /.
function legacy() {
  const h = location.hash;
  if (h.startsWith('#/')) {
    const old = h.slice(1);
    const to = old.startsWith('/geraet/') ? '/geraet#' + old.slice('/geraet/'.length) : old;
    // Only within the app (#//host/… would name another site).
    history.replaceState(history.state, '', new URL(to, location.origin).origin === location.origin ? to : '/');
  } else if (location.pathname === '/index.html') history.replaceState(history.state, '', '/' + location.search + h);
}
legacy();
here.value = read();

// navigate shows the page at `to` (a path, with a query or a fragment if
// need be): a new history entry, or with replace the current one changed
// (redirects, so that Back does not return to a page that only passes on).
// The entry remembers the path it came from, for back().
export function navigate(to, { replace = false } = {}) {
  const url = new URL(to, location.href);
  if (url.origin !== location.origin) throw new Error('navigate: not an address of the app: ' + to);
  const same = url.pathname + url.search + url.hash === location.pathname + location.search + location.hash;
  if (replace) history.replaceState({ from: history.state?.from }, '', url);
  else if (!same) history.pushState({ from: location.pathname }, '', url);
  here.value = read();
  if (!replace && !same) scrollTo(0, 0);
}

// back returns to the page at path: by the browser's Back where the
// current page was opened from there (so that the history does not grow a
// loop), else by a new entry.
export function back(path) {
  if (history.state?.from === path) history.back();
  else navigate(path);
}

// match returns the parameters if path has the form of pattern (segments
// like ':id' match any one segment), else null.
export function match(pattern, path) {
  const ps = pattern.split('/');
  const xs = path.split('/');
  if (ps.length !== xs.length) return null;
  const out = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) {
      if (!xs[i]) return null;
      try {
        out[ps[i].slice(1)] = decodeURIComponent(xs[i]);
      } catch {
        return null;
      }
    } else if (ps[i] !== xs[i]) return null;
  }
  return out;
}

addEventListener('popstate', () => (here.value = read()));
addEventListener('hashchange', () => {
  legacy();
  here.value = read();
});

// A click on a link within the app changes the page without loading it
// again. Links keep being real <a href> elements (keyboard, screen
// readers, "open in a new tab"); whatever the browser would do otherwise
// stays its own: modified clicks, targets, downloads, other origins, a
// link only to a fragment of this page, and links a handler took.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest?.('a[href]');
  if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || a.getAttribute('href').startsWith('#')) return;
  e.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});
