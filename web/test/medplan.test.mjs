// The medication plan page (issue 17 item 4, decision 0045): the
// medication service switched on with its consent, a plan scanned from an
// image file (the KBV example of BMP 2.8 as a DataMatrix, made by the Go
// tests' gozxing writer) by zxing-wasm and decoded by the Go code the CLI
// runs, stored as sealed entries, an intake logged, reminders set (times
// only), the CLI reading the same plan; axe and 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, account, login, code, axe, shot, confirmDevice, webDir } from './helpers.mjs';

test('a medication plan scanned from an image file is stored and shown', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'medplan@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 860 } });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });

  // Off: the page says where to switch it on.
  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Medikationsplan' }).click();
  await page.getByRole('heading', { name: 'Medikationsplan', level: 1 }).waitFor();
  await page.getByTestId('medplan-off').waitFor();
  await page.getByTestId('medplan-off').getByRole('link').click();
  const med = page.locator('[data-service=medication]');
  await med.getByRole('button', { name: 'Einschalten …' }).click();
  const consent = page.getByTestId('consent');
  await consent.getByText('Widerruf').waitFor();
  assert.match(await consent.innerText(), /nie ein Medikament/);
  await consent.getByRole('button', { name: 'Einwilligen und einschalten' }).click();
  await page.locator('[data-service=medication][data-on=true]').waitFor({ timeout: 30000 });

  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Medikationsplan' }).click();
  await page.getByRole('heading', { name: 'Medikationsplan', level: 1 }).waitFor();
  await page.getByLabel('Bild oder XML des Plans').setInputFiles(join(webDir, 'test', 'medplan-bmp28.png'));
  const scanned = page.getByTestId('medplan-scanned');
  await scanned.waitFor({ timeout: 60000 }).catch(async (e) => {
    throw new Error(e.message + '\n' + (await page.locator('main').innerText()));
  });
  const text = await scanned.innerText();
  for (const w of ['HCT-1A Pharma 25 mg Tabletten', '06453257', 'PROTAPHANE PENFILL ZAM', '20-0-10-0', 'Ramipril 5 mg', 'Nebenhöhlenentzündung']) assert.ok(text.includes(w), `${w} missing in ${text}`);
  assert.equal(await scanned.locator('tbody tr').count(), 7);
  await page.getByRole('button', { name: 'Plan speichern' }).click();
  await page.getByText('Medikationsplan gespeichert.').waitFor({ timeout: 60000 });
  const lines = page.getByTestId('medplan-lines');
  await lines.locator('tbody tr').nth(6).waitFor({ timeout: 30000 });
  assert.match(await lines.innerText(), /CEFACLOR STADA 500/);

  // An intake, logged and sealed.
  await lines.getByRole('button', { name: 'Eingenommen: HCT-1A Pharma 25 mg Tabletten' }).click();
  await page.getByTestId('medplan-log').locator('li').first().waitFor({ timeout: 30000 });
  assert.match(await page.getByTestId('medplan-log').innerText(), /HCT-1A Pharma 25 mg Tabletten · morgens/);

  // Reminders: times only.
  const form = page.getByTestId('medplan-reminders');
  await form.getByLabel('morgens').fill('08:00');
  await form.getByLabel('abends').fill('19:30');
  await form.getByRole('button', { name: 'Erinnerungen speichern' }).click();
  await page.getByText('Erinnerungen gespeichert.').waitFor({ timeout: 30000 });
  const rem = await page.evaluate(async () => (await fetch('/api/v1/account/reminders', { credentials: 'same-origin' })).json());
  assert.equal(rem.reminders?.morning, '08:00');
  assert.equal(rem.reminders?.evening, '19:30');
  assert.deepEqual(Object.keys(rem.reminders).sort(), ['evening', 'morning', 'tz', 'via']);
  assert.equal(rem.reminders.via, 'mail'); // the channel (decision 0051), by default mail

  await axe(page, 'medication plan page', assert);
  await shot(page, 'medplan');
  await page.setViewportSize({ width: 360, height: 780 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide at 360 px`);
  await axe(page, 'medication plan page at 360 px', assert);
  await shot(page, 'medplan-360');

  // A picture without a code is refused with what is wrong; nothing new.
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.getByLabel('Bild oder XML des Plans').setInputFiles({ name: 'leer.png', mimeType: 'image/png', buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEANl9ngAAAAABJRU5ErkJggg==', 'base64') });
  await page.getByRole('alert').filter({ hasText: 'DataMatrix' }).waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('medplan-scanned').count(), 0);

  // Off: the reminders are gone at once.
  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Impfungen und Vorsorge' }).click();
  await med.getByRole('button', { name: 'Ausschalten' }).click();
  await page.locator('[data-service=medication][data-on=false]').waitFor({ timeout: 30000 });
  const after = await page.evaluate(async () => (await fetch('/api/v1/account/reminders', { credentials: 'same-origin' })).json());
  assert.equal(after.reminders, null);
});
