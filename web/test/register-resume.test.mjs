// Registration that cannot lock anyone out (issue 12, item 1): a reload at
// every step after the account exists (e-mail code, recovery key,
// authenticator) asks for the password and continues at that step, with the
// same authenticator secret and recovery key; nothing secret is kept in
// the tab's storage meanwhile; the account works afterwards; the login
// page offers to continue a registration a discarded tab left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, axe, lastMail, code } from './helpers.mjs';

test('a reload at every registration step continues at that step', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  const email = 'weiter@example.org';
  const password = 'Lindenblüte-Morgentau-42';

  await page.goto(srv.url + '/#/registrieren');
  await page.getByLabel('E-Mail-Adresse').fill(email);
  await page.getByLabel('Krankenversichertennummer (KVNR)').fill('X110411675');
  await page.getByLabel('Geburtsdatum').fill('1980-04-01');
  await page.getByLabel('Passwort', { exact: true }).fill(password);
  await page.getByLabel('Passwort wiederholen').fill(password);
  await page.getByLabel('Ich willige in die Verarbeitung meiner Gesundheitsdaten ein.').check();
  await page.getByLabel('Ich habe die Datenschutzhinweise und die Nutzungsbedingungen gelesen.').check();
  await page.getByRole('button', { name: 'Konto anlegen' }).click();
  await page.getByRole('heading', { name: 'E-Mail-Adresse bestätigen' }).waitFor({ timeout: 60000 });

  // The tab keeps only the e-mail and the step.
  const stored = async () => page.evaluate(() => ({ ...sessionStorage, ...localStorage }));
  const noSecrets = async (what, ...secrets) => {
    const all = JSON.stringify(await stored());
    assert.ok(!all.includes(password), `${what}: the password is kept`);
    for (const x of secrets) assert.ok(!all.includes(x), `${what}: a secret of the registration is kept in the tab's storage`);
  };
  await noSecrets('e-mail step');

  // resume reloads the page, which asks for the password, and checks it
  // comes back to the heading.
  const resume = async (heading) => {
    await page.reload();
    await page.getByRole('heading', { name: 'Registrierung fortsetzen' }).waitFor({ timeout: 30000 });
    assert.equal(await page.getByLabel('E-Mail-Adresse').inputValue(), email);
    await axe(page, 'continue registration', assert);
    await page.getByLabel('Passwort', { exact: true }).fill('Falsches-Passwort-Morgentau-42');
    await page.getByRole('button', { name: 'Fortsetzen' }).click();
    await page.getByRole('alert').getByText('Passwort').waitFor({ timeout: 60000 });
    await page.getByLabel('Passwort', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Fortsetzen' }).click();
    await page.getByRole('heading', { name: heading }).waitFor({ timeout: 60000 });
  };

  // 1. Waiting for the mail.
  await resume('E-Mail-Adresse bestätigen');
  const mail = await lastMail(srv.url, email, 'Bestätigen');
  await page.getByLabel('Code aus der E-Mail').fill(mail.text.match(/Code: (\d{8})/)[1]);
  await page.getByRole('button', { name: 'Bestätigen', exact: true }).click();

  // 2. The recovery key: the same one after a reload.
  await page.getByRole('heading', { name: 'Sicherheitsschlüssel sichern' }).waitFor({ timeout: 30000 });
  const shownKey = () => page.locator('.rk-group').evaluateAll((els) => els.map((e) => e.lastChild.textContent.trim()));
  const groups = await shownKey();
  assert.equal(groups.length, 14);
  await noSecrets('recovery step', groups.join('-'));
  await resume('Sicherheitsschlüssel sichern');
  assert.deepEqual(await shownKey(), groups, 'the same recovery key');
  for (const name of ['rk-group-1', 'rk-group-2']) {
    const label = await page.locator(`label[for=${name}]`).textContent();
    await page.locator(`input[name=${name}]`).fill(groups[Number(label.match(/\d+/)[0]) - 1]);
  }
  await page.getByRole('button', { name: 'Weiter' }).click();

  // 3. In the authenticator app, the tab is discarded: the same secret
  // after a reload, and its first code is the first login.
  await page.getByRole('heading', { name: 'Zwei-Faktor-Anmeldung einrichten' }).waitFor({ timeout: 30000 });
  const secret = (await page.getByTestId('totp-secret').textContent()).replace(/\s/g, '');
  await noSecrets('authenticator step', secret, groups.join('-'));
  await resume('Zwei-Faktor-Anmeldung einrichten');
  assert.equal((await page.getByTestId('totp-secret').textContent()).replace(/\s/g, ''), secret, 'the same authenticator secret');
  assert.equal(await page.locator('input[autocomplete=one-time-code]').count(), 1, 'one code is asked');
  await page.getByLabel('Code aus der App').fill(await code(secret));
  await page.getByRole('button', { name: 'Akte öffnen' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('akte.register')), null, 'nothing of the registration is left');

  // After the first login the registration is finished: continuing it
  // says so.
  const other = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  await other.goto(srv.url + '/#/anmelden');
  await other.getByRole('link', { name: 'Registrierung nicht beendet? Fortsetzen' }).click();
  await other.getByRole('heading', { name: 'Registrierung fortsetzen' }).waitFor({ timeout: 30000 });
  await other.getByLabel('E-Mail-Adresse').fill(email);
  await other.getByLabel('Passwort', { exact: true }).fill(password);
  await other.getByRole('button', { name: 'Fortsetzen' }).click();
  await other.getByText('Diese Registrierung ist schon abgeschlossen').waitFor({ timeout: 60000 });
});
