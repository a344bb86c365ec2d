// Grants in the browser (issue 14, item 7; decisions 0035, 0046): a
// patient finds a verified hospital, compares its fingerprint with the one
// the hospital's own page shows, and grants it one category to read and
// add to; the hospital, logged in in a second browser context, sees the
// record with its validity, views the document the grant covers (not the
// one outside it) and adds a letter, which the patient's CLI reads; the
// patient hides and shows a document again, revokes, and the hospital's
// next click is refused; blocking and unblocking; a grant of one document
// to read; an upload after a
// revocation that did not rotate rotates first. German and English, 360
// px and 1280 px, keyboard, axe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, axe, shot, confirmDevice, lastMail, cli, tempDir, uploadFiles, minimalPDF } from './helpers.mjs';

// browserLogin logs a CLI-registered account in on a new browser: the
// device is confirmed by e-mail first.
async function browserLogin(page, url, a) {
  await login(page, url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(url, a.email);
  await login(page, url, a, await code(a.secret));
}

const openMenu = async (page) => {
  const toggle = page.getByRole('button', { name: /^(Menü|Menu)$/ });
  if ((await toggle.isVisible()) && (await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
};
const menu = async (page, name) => {
  await openMenu(page);
  await page.getByRole('link', { name, exact: true }).click();
};
const english = async (page) => {
  await openMenu(page);
  await page.getByRole('button', { name: 'English' }).click();
};

test('a patient grants a hospital a category, the hospital reads and adds, the patient revokes', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const errors = [];

  // The hospital: registered, confirmed and verified with the CLI.
  const hospital = { email: 'klinik@example.org', password: 'Lindenblüte-Morgentau-42', home: tempDir('akte-cli-') };
  hospital.env = { AKTE_PASSWORD: hospital.password };
  const reg = JSON.parse(await cli(srv.url, hospital.home, ['provider', 'register', '--email', hospital.email, '--name', 'Klinikum Nord', '--type', 'hospital',
    '--telematik-id', '1-30000001', '--place', 'Hamburg', '--json'], hospital.env));
  hospital.secret = reg.totp_secret;
  const m = await lastMail(srv.url, hospital.email, 'Bestätigen');
  await cli(srv.url, hospital.home, ['verify-email', '--code', m.text.match(/Code: (\d{8})/)[1]], hospital.env);
  await cli(srv.url, tempDir('akte-cli-'), ['admin', 'provider', 'verify', hospital.email, '--data', srv.data, '--operator', 'erika']);

  // The patient, with a finding (to be granted) and a letter (not).
  const a = await account(srv.url, 'anna@example.org');
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  writeFileSync(join(a.home, 'befund.txt'), 'Blutbild vom 3. März: alles im Normbereich.\n');
  writeFileSync(join(a.home, 'brief.txt'), 'Brief des Hausarztes, nur für die Patientin.\n');
  await cli(srv.url, a.home, ['upload', join(a.home, 'befund.txt'), '--category', 'findings', '--title', 'Blutbild März']);
  await cli(srv.url, a.home, ['upload', join(a.home, 'brief.txt'), '--category', 'letters', '--title', 'Hausarztbrief']);
  writeFileSync(join(a.home, 'roentgen.pdf'), minimalPDF('Roentgen Thorax'));
  await cli(srv.url, a.home, ['upload', join(a.home, 'roentgen.pdf'), '--category', 'findings', '--title', 'Röntgenbefund']);

  // The hospital's page shows the fingerprint of its own key.
  const hctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const hp = await hctx.newPage();
  hp.on('pageerror', (e) => errors.push(e.message));
  await browserLogin(hp, srv.url, hospital);
  await hp.getByRole('heading', { name: 'Klinikum Nord' }).waitFor({ timeout: 60000 });
  const own = hp.getByTestId('fingerprint');
  await own.waitFor({ timeout: 30000 });
  const hospitalFP = (await own.textContent()).trim();

  // The patient grants: search, compare, choose the scope.
  const pctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const pp = await pctx.newPage();
  pp.on('pageerror', (e) => errors.push(e.message));
  await browserLogin(pp, srv.url, a);
  await pp.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await menu(pp, 'Freigaben');
  await pp.getByRole('heading', { name: 'Freigaben für Ärzte' }).waitFor();
  await pp.getByText('Niemand außer Ihnen hat Zugriff.').waitFor({ timeout: 30000 });
  await axe(pp, 'grants page, empty', assert);
  await pp.getByLabel('Praxis suchen: Name, Ort, Telematik-ID, LANR oder BSNR').fill('Hamburg');
  await pp.getByRole('button', { name: 'Suchen' }).click();
  await pp.getByRole('button', { name: 'Auswählen: Klinikum Nord' }).click();
  const seen = pp.getByTestId('fingerprint');
  await seen.waitFor({ timeout: 30000 });
  assert.equal((await seen.textContent()).trim(), hospitalFP, 'the patient’s browser computes the hospital’s fingerprint');
  // The default validity: 90 days.
  const in90 = new Date(Date.now() + 90 * 86400000).toISOString().slice(0, 10);
  assert.equal(await pp.getByLabel('Gültig bis einschließlich').inputValue(), in90);
  await pp.getByLabel('Befunde', { exact: true }).check();
  await pp.getByLabel('Lesen und Dokumente hinzufügen (z. B. einen Arztbrief)').check();
  // Not without the comparison.
  await pp.getByRole('button', { name: 'Freigeben' }).click();
  await pp.getByRole('alert').filter({ hasText: 'Bitte bestätigen Sie, dass der Fingerabdruck übereinstimmt.' }).waitFor();
  await pp.getByLabel('Der Fingerabdruck stimmt mit dem der Praxis überein.').check();
  await axe(pp, 'new grant form', assert);
  await shot(pp, 'grants-new');
  await pp.setViewportSize({ width: 1280, height: 860 });
  await axe(pp, 'new grant form at 1280 px', assert);
  await pp.setViewportSize({ width: 360, height: 740 });
  await pp.getByRole('button', { name: 'Freigeben' }).click();
  await pp.getByRole('status').filter({ hasText: 'Klinikum Nord hat jetzt Zugriff.' }).waitFor({ timeout: 60000 });
  const summary = pp.getByTestId('grants-active').getByTestId('grant');
  await summary.filter({ hasText: 'Klinikum Nord' }).filter({ hasText: 'Befunde' }).filter({ hasText: 'lesen und Dokumente hinzufügen' }).waitFor();
  const until = new Date(in90 + 'T12:00:00').toLocaleDateString('de-DE', { year: 'numeric', month: '2-digit', day: '2-digit' });
  await summary.filter({ hasText: `bis ${until}` }).waitFor();
  await axe(pp, 'grants page', assert);
  await shot(pp, 'grants-summary');
  await pp.setViewportSize({ width: 1280, height: 860 });
  await axe(pp, 'grants page at 1280 px', assert);
  await pp.setViewportSize({ width: 360, height: 740 });

  // The hospital sees the record, its validity and the granted finding only.
  await menu(hp, 'Akten');
  await hp.getByRole('heading', { name: 'Freigegebene Akten' }).waitFor();
  const rec = hp.getByTestId('granted-records');
  await rec.getByText(`bis ${until}`).waitFor({ timeout: 30000 });
  // By keyboard.
  await hp.getByRole('button', { name: 'Dokumente ansehen: anna@example.org' }).focus();
  await hp.keyboard.press('Enter');
  const docs = hp.getByTestId('granted-docs');
  await docs.getByText('Blutbild März', { exact: true }).waitFor({ timeout: 60000 });
  assert.equal(await docs.getByText('Hausarztbrief', { exact: true }).count(), 0, 'the letter outside the grant is not listed');
  await hp.getByRole('button', { name: 'Ansehen: Blutbild März' }).click();
  await hp.getByTestId('granted-text').filter({ hasText: 'Blutbild vom 3. März: alles im Normbereich.' }).waitFor({ timeout: 60000 });
  await hp.getByRole('button', { name: 'Ansehen: Röntgenbefund' }).click();
  await hp.getByTestId('preview').locator('canvas').first().waitFor({ timeout: 60000 });
  await hp.getByRole('button', { name: 'Ansehen: Blutbild März' }).click();
  await hp.getByTestId('granted-text').filter({ hasText: 'Normbereich' }).waitFor({ timeout: 60000 });
  const [dl] = await Promise.all([hp.waitForEvent('download'), hp.getByRole('button', { name: 'Herunterladen: Blutbild März' }).click()]);
  assert.equal(dl.suggestedFilename(), 'befund.txt');
  await axe(hp, 'granted record', assert);
  await shot(hp, 'grants-practice');
  await hp.setViewportSize({ width: 1280, height: 860 });
  await axe(hp, 'granted record at 1280 px', assert);
  await hp.setViewportSize({ width: 360, height: 740 });

  // The hospital adds a discharge letter; the patient's CLI reads it.
  const letter = join(tempDir(), 'entlassbrief.txt');
  writeFileSync(letter, 'Entlassbrief: Patientin in gutem Zustand entlassen.\n');
  await hp.getByLabel('Datei').setInputFiles(letter);
  await hp.getByLabel('Titel').fill('Entlassbrief Klinikum');
  await hp.getByRole('button', { name: 'Hinzufügen' }).click();
  await hp.getByRole('status').filter({ hasText: '„Entlassbrief Klinikum“ ist in der Akte.' }).waitFor({ timeout: 60000 });
  // The patient's browser lists it like the patient's own (filed from the inbox).
  await menu(pp, 'Meine Akte');
  await pp.getByRole('heading', { name: 'Meine Akte' }).waitFor();
  await pp.getByText('Entlassbrief Klinikum').first().waitFor({ timeout: 60000 });
  const listed = JSON.parse(await cli(srv.url, a.home, ['ls', '--json']));
  const added = listed.find((l) => l.title === 'Entlassbrief Klinikum');
  assert.ok(added, 'the patient lists the hospital’s letter');
  const out = join(a.home, 'entlass.txt');
  await cli(srv.url, a.home, ['get', added.id, '-o', out]);

  // Hiding the finding from the hospital, then showing it again.
  await menu(pp, 'Freigaben');
  await pp.getByLabel('Was verbergen?').waitFor({ timeout: 60000 });
  await pp.getByLabel('Was verbergen?').selectOption({ label: 'Blutbild März' });
  await pp.getByRole('button', { name: 'Verbergen' }).click();
  await pp.getByRole('status').filter({ hasText: 'ist vor Klinikum Nord verborgen' }).waitFor({ timeout: 60000 });
  await hp.getByRole('button', { name: 'Ansehen: Blutbild März' }).click();
  await hp.getByRole('alert').filter({ hasText: 'Kein Zugriff' }).waitFor({ timeout: 30000 });
  await axe(pp, 'grants page with a hiding', assert);
  await pp.getByRole('button', { name: 'Wieder zeigen: Blutbild März' }).click();
  await pp.getByRole('status').filter({ hasText: 'sieht „Blutbild März“ wieder' }).waitFor({ timeout: 60000 });
  await hp.getByRole('button', { name: 'Ansehen: Blutbild März' }).click();
  await hp.getByTestId('granted-text').filter({ hasText: 'Normbereich' }).waitFor({ timeout: 60000 });

  // The patient revokes; the hospital's next click is refused.
  await pp.getByRole('button', { name: 'Freigabe entziehen: Klinikum Nord' }).focus();
  await pp.keyboard.press('Enter');
  await pp.getByRole('status').filter({ hasText: 'Freigabe für Klinikum Nord entzogen.' }).waitFor({ timeout: 60000 });
  await pp.getByRole('heading', { name: 'Beendete Freigaben' }).waitFor();
  await pp.getByText('Niemand außer Ihnen hat Zugriff.').waitFor();
  await hp.getByRole('button', { name: 'Ansehen: Blutbild März' }).click();
  await hp.getByRole('alert').filter({ hasText: 'Kein Zugriff: Die Freigabe ist beendet oder wurde entzogen.' }).waitFor({ timeout: 30000 });
  await axe(hp, 'refused practice view', assert);

  // The patient's next upload of a finding uses a new key version: the
  // CLI uploads after the web app rotated (it would rotate itself too).
  writeFileSync(join(a.home, 'neu.txt'), 'Neuer Befund nach dem Entzug.\n');
  await cli(srv.url, a.home, ['upload', join(a.home, 'neu.txt'), '--category', 'findings', '--title', 'Neuer Befund']);

  // A new grant, whole record and unlimited; then the hospital is
  // blocked: the grant ends, and the block is lifted again.
  await pp.getByLabel('Praxis suchen: Name, Ort, Telematik-ID, LANR oder BSNR').fill('Klinikum');
  await pp.getByRole('button', { name: 'Suchen' }).click();
  await pp.getByRole('button', { name: 'Auswählen: Klinikum Nord' }).click();
  await pp.getByTestId('fingerprint').filter({ hasText: hospitalFP }).waitFor({ timeout: 30000 });
  await pp.getByLabel('Die ganze Akte (außer privaten Dokumenten)').check();
  await pp.getByLabel('Unbefristet (bis Sie sie entziehen)').check();
  await pp.getByLabel('Der Fingerabdruck stimmt mit dem der Praxis überein.').check();
  await pp.getByRole('button', { name: 'Freigeben' }).click();
  await pp.getByTestId('grants-active').getByTestId('grant').filter({ hasText: 'die ganze Akte' }).filter({ hasText: 'unbefristet' }).waitFor({ timeout: 60000 });
  await hp.getByRole('button', { name: 'Ansehen: Blutbild März' }).click();
  await hp.getByTestId('granted-text').filter({ hasText: 'Normbereich' }).waitFor({ timeout: 60000 });
  await pp.getByRole('button', { name: 'Sperren: Klinikum Nord' }).click();
  await pp.getByRole('status').filter({ hasText: 'Klinikum Nord ist gesperrt.' }).waitFor({ timeout: 60000 });
  await pp.getByRole('heading', { name: 'Gesperrt' }).waitFor();
  await hp.getByRole('button', { name: 'Ansehen: Blutbild März' }).click();
  await hp.getByRole('alert').filter({ hasText: 'Kein Zugriff' }).waitFor({ timeout: 30000 });
  await axe(pp, 'grants page with a block', assert);
  await pp.getByRole('button', { name: 'Sperre aufheben: Klinikum Nord' }).click();
  await pp.getByRole('status').filter({ hasText: 'Sperre von Klinikum Nord aufgehoben.' }).waitFor({ timeout: 60000 });

  // A single document, read only: the hospital sees the letter and nothing else.
  await pp.getByLabel('Praxis suchen: Name, Ort, Telematik-ID, LANR oder BSNR').fill('Klinikum');
  await pp.getByRole('button', { name: 'Suchen' }).click();
  await pp.getByRole('button', { name: 'Auswählen: Klinikum Nord' }).click();
  await pp.getByTestId('fingerprint').filter({ hasText: hospitalFP }).waitFor({ timeout: 30000 });
  await pp.getByLabel('Einzelne Dokumente').check();
  await pp.getByLabel('Hausarztbrief (Arztbriefe)').check();
  await pp.getByLabel('Der Fingerabdruck stimmt mit dem der Praxis überein.').check();
  await pp.getByRole('button', { name: 'Freigeben' }).click();
  await pp.getByTestId('grants-active').getByTestId('grant').filter({ hasText: 'Hausarztbrief' }).filter({ hasText: /^(?!.*hinzufügen)/ }).waitFor({ timeout: 60000 });
  await menu(hp, 'Akten');
  await hp.getByRole('button', { name: 'Dokumente ansehen: anna@example.org' }).click();
  await hp.getByRole('button', { name: 'Ansehen: Hausarztbrief' }).click();
  await hp.getByTestId('granted-text').filter({ hasText: 'nur für die Patientin' }).waitFor({ timeout: 60000 });
  assert.equal(await hp.getByTestId('granted-docs').getByText('Blutbild März', { exact: true }).count(), 0, 'only the granted document');
  assert.equal(await hp.getByRole('heading', { name: 'Dokument hinzufügen' }).count(), 0, 'read only: no adding');
  await pp.getByRole('button', { name: 'Freigabe entziehen: Klinikum Nord' }).click();
  await pp.getByRole('status').filter({ hasText: 'Freigabe für Klinikum Nord entzogen.' }).waitFor({ timeout: 60000 });

  // A revocation by a client that did not rotate (a CLI grant, revoked by
  // a bare request): the server names the category, and the browser's next
  // upload there makes the new key version first and goes through.
  const hid = JSON.parse(await cli(srv.url, a.home, ['provider', 'search', 'Klinikum', '--json']))[0].id;
  await cli(srv.url, a.home, ['grant', 'add', '--provider', hid, '--category', 'findings', '--fingerprint', hospitalFP], a.env);
  const rotate = await pp.evaluate(async () => {
    const j = async (path, init) => (await fetch('/api/v1' + path, { credentials: 'same-origin', ...init })).json().catch(() => null);
    const rid = (await j('/records')).find((r) => r.role === 'owner').record_id;
    const g = (await j(`/records/${rid}/grants`)).find((x) => x.active);
    await fetch(`/api/v1/records/${rid}/grants/${g.id}`, { method: 'DELETE', credentials: 'same-origin' });
    return (await j(`/records/${rid}`)).rotate;
  });
  assert.deepEqual(rotate, ['findings'], 'the server asks for a new key version of the findings');
  await menu(pp, 'Meine Akte');
  const later = join(tempDir(), 'spaeter.txt');
  writeFileSync(later, 'Befund nach dem Entzug, unter dem neuen Schlüssel.\n');
  await uploadFiles(pp, [later]);
  await pp.getByText('1 Dokument hochgeladen.').waitFor({ timeout: 60000 });
  await menu(pp, 'Freigaben');
  await pp.getByRole('heading', { name: 'Beendete Freigaben' }).waitFor({ timeout: 30000 });
  // Blocking a provider that holds no grant, from the search.
  await pp.getByLabel('Praxis suchen: Name, Ort, Telematik-ID, LANR oder BSNR').fill('Klinikum');
  await pp.getByRole('button', { name: 'Suchen' }).click();
  await pp.getByRole('button', { name: 'Auswählen: Klinikum Nord' }).click();
  await pp.getByRole('button', { name: 'Sperren: Klinikum Nord' }).click();
  await pp.getByRole('heading', { name: 'Gesperrt' }).waitFor({ timeout: 60000 });
  await pp.getByRole('button', { name: 'Sperre aufheben: Klinikum Nord' }).click();
  await pp.getByRole('status').filter({ hasText: 'Sperre von Klinikum Nord aufgehoben.' }).waitFor({ timeout: 60000 });

  // The page in English.
  await english(pp);
  await pp.getByRole('heading', { name: 'Access for doctors' }).waitFor();
  await pp.getByRole('heading', { name: 'Ended grants' }).waitFor();
  await axe(pp, 'grants page in English', assert);
  await pp.setViewportSize({ width: 1280, height: 860 });
  await axe(pp, 'grants page in English at 1280 px', assert);
  await english(hp);
  await hp.getByRole('heading', { name: 'Records shared with you' }).waitFor();
  await axe(hp, 'practice records in English', assert);
  assert.deepEqual(errors, []);
});
