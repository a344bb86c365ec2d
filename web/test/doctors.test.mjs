// The doctor list (issue 17, item 5): switched on with its consent on the
// health page, computed in the browser from Practitioner and Encounter
// entries by the Go code `akte doctors` runs; searchable; each doctor
// leads to the provider search. axe at 360 px. The insurer's billing data
// (a FHIR bundle it pushes, decision 0050) join the list: its doctors with
// their last visit, a line older than four years left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, axe, confirmDevice, cli, lastMail, tempDir } from './helpers.mjs';

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

// insured is a person whose account the insurer opened (decision 0043):
// the insurer's letter, its code activated with the CLI, the e-mail
// confirmed; the insurer is linked to the record.
async function insured(base, data, email, kvnr) {
  const reg = JSON.parse(await cli(base, tempDir(), ['admin', 'insurer', 'register', '--name', 'Musterkasse', '--data', data, '--operator', 'test', '--json']));
  const insurer = { home: tempDir(), env: { AKTE_CREDENTIAL: reg.credential } };
  const letter = join(tempDir(), 'brief.pdf');
  await cli(base, insurer.home, ['insurer', 'open-record', '--kvnr', kvnr, '--birthdate', '1961-07-14', '--letter', letter], insurer.env);
  const activation = execFileSync('pdftotext', [letter, '-']).toString().match(/[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/)[0];
  const password = 'Lindenblüte-Morgentau-42';
  const a = { email, password, home: tempDir(), env: { AKTE_PASSWORD: password } };
  const res = JSON.parse(await cli(base, a.home, ['activate', '--accept', '--kvnr', kvnr, '--code', activation, '--email', email, '--json'], a.env));
  a.secret = res.totp_secret;
  const m = await lastMail(base, email, 'Bestätigen');
  await cli(base, a.home, ['verify-email', '--code', m.text.match(/Code: (\d{8})/)[1]], a.env);
  return { a, insurer };
}

test('the doctor list shows the doctors of the insurer’s billing data', async (t) => {
  const srv = await startServer(t);
  const { a, insurer } = await insured(srv.url, srv.data, 'abrechnung@example.org', 'W100000009');
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const { record_id: rid, record_fingerprint: fp } = JSON.parse(await cli(srv.url, a.home, ['app', 'fingerprint', '--json'], a.env));
  const encounter = (date, individual) => ({ resource: { resourceType: 'Encounter', status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, period: { start: date }, participant: [{ individual }] } });
  const doctor = 'urn:uuid:5b1f0c7e-0000-4000-8000-000000000001';
  const bundle = { resourceType: 'Bundle', type: 'collection', entry: [
    { fullUrl: doctor, resource: { resourceType: 'Practitioner', identifier: [{ system: 'https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR', value: '123456667' }],
      name: [{ text: 'Dr. med. Erika Musterfrau' }], qualification: [{ code: { text: 'Allgemeinmedizin' } }] } },
    encounter(daysAgo(12), { reference: doctor }),
    encounter(daysAgo(400), { reference: doctor }),
    encounter(daysAgo(2 * 365), { identifier: { system: 'https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR', value: '234567701' }, display: 'Dr. Hanna Haut' }),
    encounter(daysAgo(4 * 365 + 10), { display: 'Dr. Otto Alt' }),
  ] };
  const file = join(tempDir(), 'abrechnung.json');
  writeFileSync(file, JSON.stringify(bundle));
  await cli(srv.url, insurer.home, ['push', file, '--record', rid, '--fingerprint', fp], insurer.env);

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
  await page.locator('[data-service=doctors]').getByRole('button', { name: 'Einschalten …' }).click();
  await page.getByTestId('consent').getByRole('button', { name: 'Einwilligen und einschalten' }).click();
  const list = page.getByTestId('doctors');
  const rows = list.locator('tbody tr');
  await rows.nth(1).waitFor({ timeout: 60000 });
  assert.equal(await rows.count(), 2, 'the doctor seen more than four years ago is not listed');
  const day = (d) => d.split('-').reverse().join('.');
  assert.match(await rows.nth(0).innerText(), new RegExp(`Dr\\. med\\. Erika Musterfrau[\\s\\S]*LANR 123456667[\\s\\S]*Allgemeinmedizin[\\s\\S]*${day(daysAgo(12)).replaceAll('.', '\\.')}`));
  assert.match(await rows.nth(1).innerText(), /Dr\. Hanna Haut[\s\S]*LANR 234567701/);
  assert.doesNotMatch(await list.innerText(), /Otto Alt/);
  await list.getByLabel('Suchen').fill('haut');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=doctors] tbody tr').length === 1);
  assert.match(await rows.nth(0).innerText(), /Hanna Haut/);
  await axe(page, 'doctor list with billing data (360 px)', assert);
  // The CLI lists the same.
  const ds = JSON.parse(await cli(srv.url, a.home, ['doctors', '--json'], a.env));
  assert.deepEqual(ds.map((d) => [d.name, d.last_visit]), [['Dr. med. Erika Musterfrau', daysAgo(12)], ['Dr. Hanna Haut', daysAgo(2 * 365)]]);
});
