// The doctor list (issue 17, item 5): switched on with its consent on the
// health page, computed in the browser from Practitioner and Encounter
// entries by the Go code `akte doctors` runs; searchable; each doctor
// leads to the provider search. axe at 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, axe, confirmDevice } from './helpers.mjs';

const daysAgo = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);

test('the doctor list shows the doctors of the last four years with the last visit', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'aerzte@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 800 } });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('link', { name: 'Impfungen und Vorsorge' }).click();
  await page.getByRole('heading', { name: 'Impfungen und Vorsorge', level: 1 }).waitFor({ timeout: 30000 });

  const add = async (resource) => {
    const details = page.locator('details:has(#fhir-json)');
    if (!(await details.evaluate((d) => d.open))) await page.getByText('Einen Eintrag als FHIR-R4-JSON hinzufügen').click();
    await page.getByLabel('FHIR-Ressource (JSON)').fill(JSON.stringify(resource));
    await page.getByRole('button', { name: 'Eintrag speichern' }).click();
    await page.getByText('Eintrag gespeichert.').waitFor({ timeout: 30000 });
  };
  const lanr = { system: 'https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR', value: '123456667' };
  await add({ resourceType: 'Practitioner', id: 'musterfrau', identifier: [lanr], name: [{ family: 'Musterfrau', given: ['Erika'], prefix: ['Dr. med.'] }],
    qualification: [{ code: { text: 'Allgemeinmedizin' } }] });
  const encounter = (date, individual) => ({ resourceType: 'Encounter', status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, participant: [{ individual }], period: { start: date } });
  await add(encounter(daysAgo(30), { reference: 'Practitioner/musterfrau' }));
  await add(encounter(daysAgo(6 * 365), { display: 'Dr. Alt Vorbei' }));
  await add(encounter(daysAgo(3), { display: 'Zahnarztpraxis Lächeln' }));

  const svc = page.locator('[data-service=doctors]');
  await svc.getByRole('button', { name: 'Einschalten …' }).click();
  const consent = page.getByTestId('consent');
  await consent.getByText('Widerruf').waitFor();
  assert.match(await consent.innerText(), /Ärzteliste/);
  await consent.getByRole('button', { name: 'Einwilligen und einschalten' }).click();
  const list = page.getByTestId('doctors');
  await list.waitFor({ timeout: 60000 });
  const rows = list.locator('tbody tr');
  await rows.nth(1).waitFor({ timeout: 30000 });
  assert.equal(await rows.count(), 2, 'the doctor seen six years ago is not listed');
  assert.match(await rows.nth(0).innerText(), /Zahnarztpraxis Lächeln/);
  assert.match(await rows.nth(1).innerText(), /Dr\. med\. Erika Musterfrau[\s\S]*LANR 123456667[\s\S]*Allgemeinmedizin/);

  await list.getByLabel('Suchen').fill('lachel');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=doctors] tbody tr').length === 1);
  assert.match(await rows.nth(0).innerText(), /Lächeln/);
  await list.getByLabel('Suchen').fill('allgemein');
  await page.waitForFunction(() => /Musterfrau/.test(document.querySelector('[data-testid=doctors] tbody')?.innerText || ''));
  await axe(page, 'doctor list (360 px)', assert);

  await list.getByRole('link', { name: 'Dr. med. Erika Musterfrau: Zugriff geben …' }).click();
  await page.getByRole('heading', { name: 'Ärzte und Einrichtungen', level: 1 }).waitFor();
  assert.equal(await page.getByRole('searchbox').or(page.getByRole('textbox')).first().inputValue(), '123456667');
});
