// Provider accounts in the browser (issue 14, item 2; decision 0034): a
// practice registers on its own path, sees that it waits for the operator
// and its key's fingerprint (text and QR code, computed from its own
// key); the operator verifies it with the CLI; a patient finds it and
// sees the same fingerprint, computed in the patient's browser from the
// key the server serves. German, 360 px and 1280 px, axe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, axe, shot, confirmDevice, says, lastMail, cli, tempDir } from './helpers.mjs';

test('a practice registers, is verified, and a patient compares its fingerprint', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const errors = [];
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  const email = 'praxis@example.org';
  const password = 'Lindenblüte-Morgentau-42';

  await page.goto(srv.url + '/anmelden');
  await page.getByRole('link', { name: 'Praxis, Apotheke oder Klinik? Als Leistungserbringer registrieren' }).click();
  await page.getByRole('heading', { name: 'Als Leistungserbringer registrieren' }).waitFor();
  await page.getByLabel('E-Mail-Adresse').fill(email);
  await page.getByLabel('Art der Einrichtung').selectOption('practice');
  await page.getByLabel('Name der Einrichtung').fill('Praxis Dr. Müller');
  await page.getByLabel('Telematik-ID').fill('1-20000001');
  await page.getByLabel('LANR (lebenslange Arztnummer)').fill('123456789'); // wrong check digit
  await page.getByLabel('BSNR (Betriebsstättennummer)').fill('987654321');
  await page.getByLabel('Ort', { exact: true }).fill('Köln');
  await page.getByLabel('Passwort', { exact: true }).fill(password);
  await page.getByLabel('Passwort wiederholen').fill(password);
  await page.getByText('Das Passwort erfüllt die Regeln.').waitFor();
  await axe(page, 'provider registration', assert);
  await shot(page, 'provider-register');
  await page.getByRole('button', { name: 'Registrieren' }).click();
  await page.getByRole('alert').filter({ hasText: says('lanr_invalid') }).waitFor({ timeout: 60000 });
  await page.getByLabel('LANR (lebenslange Arztnummer)').fill('123456667');
  await page.getByRole('button', { name: 'Registrieren' }).click();

  // The steps of every registration: e-mail, recovery key, authenticator.
  await page.getByRole('heading', { name: 'E-Mail-Adresse bestätigen' }).waitFor({ timeout: 60000 });
  const mail = await lastMail(srv.url, email, 'Bestätigen');
  await page.getByLabel('Code aus der E-Mail').fill(mail.text.match(/Code: (\d{8})/)[1]);
  await page.getByRole('button', { name: 'Bestätigen' }).click();
  await page.getByRole('heading', { name: 'Sicherheitsschlüssel sichern' }).waitFor({ timeout: 30000 });
  const groups = await page.locator('.rk-group').evaluateAll((els) => els.map((e) => e.lastChild.textContent.trim()));
  for (const name of ['rk-group-1', 'rk-group-2']) {
    const label = await page.locator(`label[for=${name}]`).textContent();
    await page.locator(`input[name=${name}]`).fill(groups[Number(label.match(/\d+/)[0]) - 1]);
  }
  await page.getByRole('button', { name: 'Weiter' }).click();
  await page.getByRole('heading', { name: 'Zwei-Faktor-Anmeldung einrichten' }).waitFor({ timeout: 30000 });
  const secret = (await page.getByTestId('totp-secret').textContent()).replace(/\s/g, '');
  await page.getByLabel('Code aus der App').fill(await code(secret));
  await page.getByRole('button', { name: 'Praxisseite öffnen' }).click();

  // The practice page: pending, and the fingerprint of its own key.
  await page.getByRole('heading', { name: 'Praxis Dr. Müller' }).waitFor({ timeout: 60000 });
  await page.getByTestId('provider-status').filter({ hasText: 'Noch nicht freigeschaltet' }).waitFor();
  const fp = page.getByTestId('fingerprint');
  await fp.waitFor({ timeout: 30000 });
  const own = (await fp.textContent()).trim();
  assert.match(own, /^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
  await page.locator('svg.qr').waitFor();
  await axe(page, 'practice page', assert);
  await shot(page, 'provider-practice');
  await page.setViewportSize({ width: 1280, height: 860 });
  await axe(page, 'practice page at 1280 px', assert);
  await page.setViewportSize({ width: 360, height: 740 });

  // The operator verifies it.
  const out = await cli(srv.url, tempDir('akte-cli-'), ['admin', 'provider', 'verify', email, '--data', srv.data, '--operator', 'erika']);
  assert.match(out, /freigeschaltet/);
  await lastMail(srv.url, email, 'freigeschaltet');

  // A patient finds it and sees the same fingerprint.
  const a = await account(srv.url, 'anna@example.org');
  const pctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const pp = await pctx.newPage();
  pp.on('pageerror', (e) => errors.push(e.message));
  await login(pp, srv.url, a, await code(a.secret, { use: false }));
  await pp.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(pp, srv.url, a, await code(a.secret));
  await pp.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await pp.getByRole('button', { name: 'Menü' }).click();
  await pp.getByRole('link', { name: 'Ärzte' }).click();
  await pp.getByRole('heading', { name: 'Ärzte und Einrichtungen' }).waitFor();
  await pp.getByLabel('Name, Ort, Telematik-ID, LANR oder BSNR').fill('1-20000001');
  await pp.getByRole('button', { name: 'Suchen' }).click();
  await pp.getByRole('heading', { name: '1 gefunden' }).waitFor({ timeout: 30000 });
  await pp.getByLabel('Name, Ort, Telematik-ID, LANR oder BSNR').fill('köln');
  await pp.getByRole('button', { name: 'Suchen' }).click();
  await pp.getByRole('button', { name: 'Fingerabdruck prüfen: Praxis Dr. Müller' }).click();
  const seen = pp.getByTestId('fingerprint');
  await seen.waitFor({ timeout: 30000 });
  assert.equal((await seen.textContent()).trim(), own, 'the patient sees the practice’s fingerprint');
  await pp.locator('svg.qr').waitFor();
  await axe(pp, 'providers page', assert);
  await shot(pp, 'provider-fingerprint');
  await pp.setViewportSize({ width: 1280, height: 860 });
  await axe(pp, 'providers page at 1280 px', assert);
  // In English.
  await pp.getByRole('button', { name: 'English' }).click();
  await pp.getByRole('heading', { name: 'Doctors and institutions' }).waitFor();
  await pp.getByRole('heading', { name: 'Fingerprint of Praxis Dr. Müller' }).waitFor();
  await axe(pp, 'providers page in English', assert);

  // And the practice, once verified, says so.
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('link', { name: 'Praxis' }).click();
  await page.getByTestId('provider-status').filter({ hasText: 'Freigeschaltet' }).waitFor({ timeout: 30000 });
  assert.deepEqual(errors, []);
});
