// The health page (issue 17, decision 0037): a service switched on with
// its consent, immunizations entered through the page and the vaccination
// status computed in the browser by the Go code the CLI runs
// (cmd/akte-health-wasm), a refused entry with its reason and nothing
// stored, an entry deleted, the service switched off; axe and 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, axe, shot, confirmDevice, says } from './helpers.mjs';

const daysAgo = (n) => {
  const d = new Date(Date.now() - n * 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

test('entering immunizations changes the vaccination status computed in the browser', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'gesundheit@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 860 } });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });

  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Impfungen und Vorsorge' }).click();
  await page.getByRole('heading', { name: 'Impfungen und Vorsorge', level: 1 }).waitFor();
  const vacc = page.locator('[data-service=vaccinations]');
  assert.equal(await vacc.getAttribute('data-on'), 'false');
  // Every service is built now (the emergency data last, decision 0050).
  assert.doesNotMatch(await page.getByTestId('services').innerText(), /noch nicht verfügbar/);
  assert.equal(await page.locator('[data-service=emergency]').getAttribute('data-on'), 'false');

  // The consent: its text, then birth date (from the registration) and sex.
  await vacc.getByRole('button', { name: 'Einschalten …' }).click();
  const consent = page.getByTestId('consent');
  await consent.getByText('Widerruf').waitFor();
  assert.match(await consent.innerText(), /STIKO/);
  assert.equal(await consent.getByLabel('Geburtsdatum').inputValue(), '1980-04-01');
  await consent.getByLabel('Geschlecht').selectOption('female');
  await consent.getByRole('button', { name: 'Einwilligen und einschalten' }).click();
  await page.locator('[data-service=vaccinations][data-on=true]').waitFor({ timeout: 30000 });
  const tetanus = page.getByTestId('vaccination-status').locator('[data-target=tetanus]');
  await tetanus.waitFor({ timeout: 60000 });
  assert.equal(await tetanus.getAttribute('data-status'), 'overdue');
  await page.getByText('Diese Übersicht ersetzt keine ärztliche Beratung.').waitFor();

  const form = page.getByTestId('immunization-form');
  const enter = async (date, dose) => {
    await form.getByLabel('Impfstoff').fill('Td-Impfstoff Mustervax');
    await form.getByLabel('Datum der Impfung').fill(date);
    await form.getByLabel('Dosis Nr.').fill(String(dose));
    await form.getByLabel('Tetanus').check();
    await form.getByLabel('Diphtherie').check();
    await form.getByRole('button', { name: 'Impfung speichern' }).click();
    await page.getByText('Eintrag gespeichert.').waitFor({ timeout: 30000 });
  };
  // A date in the future is refused with its reason; nothing is stored.
  await form.getByLabel('Impfstoff').fill('Td-Impfstoff Mustervax');
  await form.getByLabel('Datum der Impfung').fill(daysAgo(-3));
  await form.getByLabel('Dosis Nr.').fill('1');
  await form.getByLabel('Tetanus').check();
  await form.getByRole('button', { name: 'Impfung speichern' }).click();
  await page.getByRole('alert').filter({ hasText: says('date_in_future') }).waitFor({ timeout: 30000 }).catch(async (e) => {
    throw new Error(e.message + '\n' + (await page.locator('main').innerText()));
  });
  assert.equal(await page.getByTestId('entries').count(), 0, 'a refused entry was stored');
  await form.getByLabel('Tetanus').uncheck();

  await enter(daysAgo(400), 1);
  await enter(daysAgo(365), 2);
  await enter(daysAgo(150), 3);
  await page.getByTestId('entries').locator('li').nth(2).waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=vaccination-status] [data-target=tetanus]')?.dataset.status === 'complete', null, { timeout: 60000 });
  // Entries are not documents.
  await axe(page, 'health page', assert);
  await shot(page, 'health');

  // Deleting the third dose: the status follows.
  const third = page.getByTestId('entries').locator('li').nth(2);
  await third.getByRole('button', { name: /löschen/ }).click();
  await page.getByText(/gelöscht\./).waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=vaccination-status] [data-target=tetanus]')?.dataset.status !== 'complete', null, { timeout: 60000 });
  assert.equal(await page.getByTestId('entries').locator('li').count(), 2);

  // Check-ups on as well (the profile is described anew: sex kept).
  await page.locator('[data-service=checkups]').getByRole('button', { name: 'Einschalten …' }).click();
  assert.equal(await page.getByTestId('consent').getByLabel('Geschlecht').inputValue(), 'female');
  await page.getByTestId('consent').getByRole('button', { name: 'Einwilligen und einschalten' }).click();
  await page.getByTestId('checkup-status').waitFor({ timeout: 60000 });

  // Off: the status disappears at once; the check-ups stay.
  await page.locator('[data-service=vaccinations]').getByRole('button', { name: 'Ausschalten' }).click();
  await page.locator('[data-service=vaccinations][data-on=false]').waitFor({ timeout: 30000 });
  await page.getByTestId('vaccination-status').waitFor({ state: 'detached', timeout: 30000 });
  assert.equal(await page.getByTestId('checkup-status').count(), 1);
  await page.locator('[data-service=checkups]').getByRole('button', { name: 'Ausschalten' }).click();
  await page.locator('[data-service=checkups][data-on=false]').waitFor({ timeout: 30000 });
  await page.getByTestId('checkup-status').waitFor({ state: 'detached', timeout: 30000 });

  // The record page lists no entry and no profile as a document.
  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Meine Akte' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor();
  await page.waitForTimeout(1000);
  assert.doesNotMatch(await page.locator('main').innerText(), /Mustervax|Profil\b/);
});
