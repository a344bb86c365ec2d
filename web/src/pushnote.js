// Intake reminders as notifications on this device (decision 0051): the
// switch on the medication plan page subscribes this browser with its
// push service, under the server's VAPID key, and hands the server the
// subscription (endpoint and keys); the service worker (/sw.js) shows the
// reminder the server then sends — a generic text, never a medication.
// Where the reminders go (mail, notification or both) is the patient's
// choice, kept with the times on the server.
import { h } from 'preact';
import { useState, useEffect } from 'preact/hooks';
import htm from 'htm';
import { get, request, del } from './api.js';
import { assets } from './core.js';
import { navigate } from './router.js';
import { tr, lang, errorText, fail } from './i18n.js';

const html = htm.bind(h);

export const supported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

// A click on a notification opens the plan in an open window of the app:
// the service worker asks it to (a worker may not navigate a window it
// does not control).
if (typeof navigator !== 'undefined' && 'serviceWorker' in navigator) {
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data?.type === 'akte-open' && e.data.path === '/medikationsplan') navigate(e.data.path);
  });
}

const b64url = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

// tell gives the worker the page's language and icon for the texts it
// shows.
function tell(reg) {
  const w = reg?.active || reg?.waiting || reg?.installing;
  w?.postMessage({ type: 'settings', lang: lang.value, icon: assets().icon });
}

async function registration() {
  const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  await navigator.serviceWorker.ready;
  tell(reg);
  return reg;
}

async function current() {
  const reg = await navigator.serviceWorker.getRegistration('/');
  return reg ? reg.pushManager.getSubscription() : null;
}

async function subscribe() {
  const perm = await Notification.requestPermission();
  if (perm !== 'granted') throw fail('Dieser Browser darf keine Benachrichtigungen zeigen. Sie können das in seinen Einstellungen ändern.', 'This browser may not show notifications. You can change that in its settings.');
  const reg = await registration();
  const { key } = await get('/push/key');
  let sub;
  try {
    sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64url(key) });
  } catch {
    throw fail('Dieser Browser konnte sich nicht bei seinem Push-Dienst anmelden. Versuchen Sie es später wieder.', 'This browser could not subscribe with its push service. Please try again later.');
  }
  try {
    await request('POST', '/account/push', sub.toJSON());
  } catch (e) {
    await sub.unsubscribe().catch(() => {});
    throw e;
  }
}

async function unsubscribe() {
  const sub = await current();
  if (!sub) return;
  const { subscriptions } = await get('/account/push');
  for (const s of subscriptions.filter((s) => s.endpoint === sub.endpoint)) await del('/account/push/' + encodeURIComponent(s.id));
  await sub.unsubscribe();
}

// dropAll removes every push subscription of the account and this
// browser's: the medication service's switch-off (the subscriptions serve
// only its reminders).
export async function dropAll() {
  const { subscriptions } = await get('/account/push');
  for (const s of subscriptions) await del('/account/push/' + encodeURIComponent(s.id)).catch(() => {});
  if (supported()) await (await current())?.unsubscribe().catch(() => {});
}

// PushReminders is the page's section: the switch for this device and the
// choice of the channel. rem: the reminders ({tz, morning, …, via}) or
// null; setRem: stores the server's answer.
export function PushReminders({ rem, setRem }) {
  const [on, setOn] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const [note, setNote] = useState('');
  const ok = supported();
  useEffect(() => {
    if (ok) current().then((s) => setOn(!!s), () => {});
  }, []);
  useEffect(() => {
    if (ok) navigator.serviceWorker.getRegistration('/').then(tell, () => {});
  }, [lang.value]);
  const act = async (f, done) => {
    setErr('');
    setNote('');
    setBusy(true);
    try {
      await f();
      setNote(done);
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (e) => {
    const want = e.target.checked;
    act(async () => {
      await (want ? subscribe() : unsubscribe());
      setOn(want);
    }, want ? tr('Benachrichtigungen auf diesem Gerät eingeschaltet.', 'Notifications switched on on this device.') : tr('Benachrichtigungen auf diesem Gerät ausgeschaltet.', 'Notifications switched off on this device.'));
  };
  const via = (e) => {
    const v = e.target.value;
    act(async () => {
      const r = await request('PUT', '/account/reminders', { ...rem, via: v });
      setRem(r.reminders);
    }, tr('Gespeichert.', 'Saved.'));
  };
  return html`<section class="card" aria-labelledby="push-h" data-testid="medplan-push">
    <h2 id="push-h">${tr('Erinnerungen als Benachrichtigung', 'Reminders as notifications')}</h2>
    <p>${tr('Die Benachrichtigung sagt nur die Tageszeit, nie ein Medikament.', 'The notification says the time of day only, never a medication.')}</p>
    <div role="alert" class=${err ? 'alert' : 'sr-only'} data-testid="push-error">${err}</div>
    <p role="status" aria-live="polite" class=${note ? 'status' : 'sr-only'}>${note}</p>
    ${ok
      ? html`<p><input type="checkbox" role="switch" id="push-on" checked=${on} disabled=${busy} onChange=${toggle} />
          <label for="push-on">${tr('Erinnerungen als Benachrichtigung auf diesem Gerät', 'Reminders as notifications on this device')}</label></p>`
      : html`<p data-testid="push-unsupported">${tr('Dieser Browser kann keine Benachrichtigungen zeigen. Installieren Sie Akte als App oder nutzen Sie einen anderen Browser.', 'This browser cannot show notifications. Install Akte as an app or use another browser.')}</p>`}
    <p><label for="push-via">${tr('Erinnerungen gehen', 'Reminders go')}</label><br />
      <select id="push-via" value=${rem?.via || 'mail'} disabled=${busy || !rem} onChange=${via}>
        <option value="mail">${tr('per E-Mail', 'by mail')}</option>
        <option value="push">${tr('als Benachrichtigung', 'as notifications')}</option>
        <option value="both">${tr('per E-Mail und als Benachrichtigung', 'by mail and as notifications')}</option>
      </select></p>
    ${!rem && html`<p>${tr('Stellen Sie zuerst Uhrzeiten ein.', 'Set the times first.')}</p>`}
  </section>`;
}
