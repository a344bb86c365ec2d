// Intake reminders as notifications (decision 0051). Headless Chromium
// reaches no real push service, so the switch is tested as far as it
// goes (permission, the service worker registered, the subscription
// refused by the browser's push service with a clear message), the
// channel is chosen, and a push is delivered to the service worker
// through CDP (ServiceWorker.deliverPushMessage) with the payload the
// server sends: the notification shown has the generic text in German
// and in English and no drug name of the imported plan, and a click opens
// the plan page. axe at 360 px in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, account, login, code, cli, axe, shot, confirmDevice, unlock, repoDir } from './helpers.mjs';

const drugs = ['Ramipril', 'HCT', 'Hydrochlorothiazid', 'PROTAPHANE', 'MTX', 'Methotrexat', 'Nitrolingual', 'CEFACLOR', 'Folsäure', 'Rheuma', '06453257'];

test('a reminder pushed to the service worker shows a notification without a drug name', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'webpush@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 860 } });
  t.after(() => ctx.close());
  await ctx.grantPermissions(['notifications'], { origin: srv.url });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });

  // The plan and the times from the CLI.
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  await cli(srv.url, a.home, ['services', 'on', 'medication', '--yes'], a.env);
  await cli(srv.url, a.home, ['medplan', 'import', join(repoDir, 'bmp', 'testdata', 'bmp-28.xml')], a.env);
  await cli(srv.url, a.home, ['medplan', 'remind', '--morning', '08:00', '--tz', 'Europe/Berlin'], a.env);

  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Medikationsplan' }).click();
  await page.getByRole('heading', { name: 'Medikationsplan', level: 1 }).waitFor();
  await page.getByTestId('medplan-lines').locator('tbody tr').nth(6).waitFor({ timeout: 60000 });

  // The switch: permission given, the worker registered; this browser's
  // push service is out of reach, which the page says.
  const sw = page.getByRole('switch', { name: 'Erinnerungen als Benachrichtigung auf diesem Gerät' });
  await sw.check().catch(() => {}); // it may uncheck itself again
  const status = page.getByTestId('medplan-push');
  await status.getByText(/Benachrichtigungen auf diesem Gerät eingeschaltet|konnte sich nicht bei seinem Push-Dienst anmelden/).waitFor({ timeout: 30000 });
  const subscribed = (await status.innerText()).includes('eingeschaltet.');
  assert.equal(await sw.isChecked(), subscribed);
  const active = await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration('/'))?.active);
  assert.ok(active, 'the service worker is active');
  if (!subscribed) {
    const listed = await page.evaluate(async () => (await fetch('/api/v1/account/push', { credentials: 'same-origin' })).json());
    assert.deepEqual(listed.subscriptions, [], 'a failed subscription leaves nothing on the server');
  }

  // The channel: notifications only.
  await page.getByLabel('Erinnerungen gehen').selectOption('push');
  await status.getByText('Gespeichert.').waitFor({ timeout: 30000 });
  const rem = await page.evaluate(async () => (await fetch('/api/v1/account/reminders', { credentials: 'same-origin' })).json());
  assert.equal(rem.reminders.via, 'push');
  assert.equal(rem.reminders.morning, '08:00');

  // A push as the server sends it, delivered by CDP.
  const cdp = await ctx.newCDPSession(page);
  let registrationId = '';
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
    for (const r of e.registrations) if (r.scopeURL === srv.url + '/' && !r.isDeleted) registrationId = r.registrationId;
  });
  await cdp.send('ServiceWorker.enable');
  for (let i = 0; !registrationId && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(registrationId, 'the registration is known to CDP');
  const notifications = () => page.evaluate(async () => (await (await navigator.serviceWorker.getRegistration('/')).getNotifications()).map((n) => ({ title: n.title, body: n.body, lang: n.lang, data: n.data })));
  const push = async (slot, time) => {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: srv.url, registrationId, data: JSON.stringify({ type: 'medication_reminder', slot, time }) });
    for (let i = 0; i < 100; i++) {
      const ns = await notifications();
      if (ns.length) return ns;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('no notification shown');
  };
  const noDrug = (n) => {
    for (const d of drugs) assert.ok(!(n.title + n.body).includes(d), `the notification names ${d}: ${n.title} ${n.body}`);
  };
  let [n] = await push('morning', '08:00');
  assert.equal(n.title, 'Zeit für Ihre Medikamente');
  assert.match(n.body, /morgens \(08:00\)/);
  assert.equal(n.lang, 'de');
  assert.equal(n.data.url, '/medikationsplan');
  noDrug(n);

  // A click opens the plan page (the event is dispatched in the worker:
  // a test cannot click a system notification).
  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Meine Akte' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  const [worker] = ctx.serviceWorkers();
  assert.ok(worker, 'the service worker is seen by the test');
  await worker.evaluate(async () => {
    const [n] = await self.registration.getNotifications();
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
  });
  await page.getByRole('heading', { name: 'Medikationsplan', level: 1 }).waitFor({ timeout: 30000 });
  assert.equal(new URL(page.url()).pathname, '/medikationsplan');
  for (let i = 0; i < 50 && (await notifications()).length; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await notifications(), [], 'the clicked notification is closed');

  // German at 360 px.
  await page.getByTestId('medplan-push').waitFor();
  await page.setViewportSize({ width: 360, height: 780 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`);
  await axe(page, 'medication plan with notifications at 360 px', assert);
  await shot(page, 'webpush');

  // English: the page tells the worker, whose text follows.
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Medication plan', level: 1 }).waitFor({ timeout: 30000 });
  await page.setViewportSize({ width: 360, height: 780 });
  await page.getByRole('switch', { name: 'Reminders as notifications on this device' }).waitFor();
  await new Promise((r) => setTimeout(r, 500)); // the message to the worker
  [n] = await push('evening', '19:30');
  assert.equal(n.title, 'Time for your medication');
  assert.match(n.body, /evening \(19:30\)/);
  noDrug(n);
  const wide2 = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide2 <= 360, `the English page is ${wide2} px wide at 360 px`);
  await axe(page, 'medication plan with notifications at 360 px, English', assert);
  await shot(page, 'webpush-en');
  assert.deepEqual(errors, []);
});
