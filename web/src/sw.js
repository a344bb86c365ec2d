// The service worker (decision 0051): it shows the intake reminders that
// the server sends as Web Push, and nothing else — no caching, no fetch
// handler. The message carries a text key and the time of day only; the
// texts are here, in German and English, and name no medication (the
// server never knows which). A click opens the medication plan.
//
// Served as /sw.js (scope /) and bundled on its own: it must stay small
// and may not import the app.
const texts = {
  de: {
    title: 'Zeit für Ihre Medikamente',
    body: (slot, time) => `Erinnerung ${slot} (${time}). Welche, zeigt Akte auf Ihrem Gerät.`,
    slots: { morning: 'morgens', noon: 'mittags', evening: 'abends', night: 'zur Nacht' },
  },
  en: {
    title: 'Time for your medication',
    body: (slot, time) => `Reminder for the ${slot} (${time}). Akte shows which on your device.`,
    slots: { morning: 'morning', noon: 'noon', evening: 'evening', night: 'night' },
  },
};
const planPath = '/medikationsplan';
const store = 'akte-sw';

// The page tells the worker the patient's language and the app's icon
// (a worker cannot read localStorage, and the icon's name is hashed);
// they are kept in the Cache Storage, the one store a worker and the page
// share without more code.
self.addEventListener('message', (e) => {
  const d = e.data;
  if (d?.type !== 'settings' || (d.lang !== 'de' && d.lang !== 'en')) return;
  const icon = typeof d.icon === 'string' && d.icon.startsWith('/assets/') ? d.icon : '';
  e.waitUntil(caches.open(store).then((c) => c.put('/settings', new Response(JSON.stringify({ lang: d.lang, icon })))));
});

async function settings() {
  try {
    const r = await (await caches.open(store)).match('/settings');
    if (r) return await r.json();
  } catch {}
  return { lang: (self.navigator.language || 'de').toLowerCase().startsWith('de') ? 'de' : 'en', icon: '' };
}

// notification builds what is shown for a message, or null for one that
// is not a reminder. Only known slots and a HH:MM time are shown: the
// text never carries what came from outside but these.
export function notification(msg, { lang, icon }) {
  const t = texts[lang] || texts.de;
  if (msg?.type !== 'medication_reminder' || !Object.hasOwn(t.slots, msg.slot)) return null;
  const time = /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(msg.time) ? msg.time : '';
  return {
    title: t.title,
    options: { body: t.body(t.slots[msg.slot], time), lang, tag: 'akte-reminder', renotify: true, ...(icon && { icon }), data: { url: planPath } },
  };
}

self.addEventListener('push', (e) => {
  let msg = null;
  try {
    msg = e.data?.json();
  } catch {}
  e.waitUntil(
    settings().then((s) => {
      const n = notification(msg, s);
      return n && self.registration.showNotification(n.title, n.options);
    }),
  );
});

// A click opens the plan: in a window of the app that is open (it routes
// there itself, told by a message), else in a new one.
async function open() {
  const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const win = wins.find((w) => new URL(w.url).origin === self.location.origin);
  if (win) {
    win.postMessage({ type: 'akte-open', path: planPath });
    try {
      await win.focus();
    } catch {} // a window is focused only on the user's click
    return;
  }
  await self.clients.openWindow(planPath);
}

self.addEventListener('notificationclick', (e) => {
  e.notification.close();
  const p = open();
  try {
    e.waitUntil(p);
  } catch {} // an event a test dispatches cannot wait
});
