// The consent pages (issue 16, decision 0044): the privacy notice reached
// from the footer before login; the registration that needs both
// checkboxes; the page of the patient's consents with every text agreed to
// (date and time, readable in full), the withdrawal of the processing
// consent with its deletion date and its undo, and the restriction switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, axe, shot, confirmDevice } from './helpers.mjs';

test('consent pages', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 800 } });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await t.test('the privacy notice before login', async () => {
    await page.goto(srv.url + '/');
    await page.getByRole('link', { name: 'Datenschutzhinweise' }).click();
    await page.getByRole('heading', { name: 'Datenschutzhinweise', level: 1 }).waitFor();
    await page.getByText('Ende-zu-Ende-Verschlüsselung').waitFor();
    await page.getByRole('heading', { name: 'Nutzungsbedingungen' }).waitFor();
    await axe(page, 'privacy notice', assert);
    await shot(page, 'consent-privacy');
  });

  await t.test('registration needs both checkboxes', async () => {
    const password = 'Lindenblüte-Morgentau-42';
    await page.goto(srv.url + '/registrieren');
    await page.getByLabel('E-Mail-Adresse').fill('web-consent@example.org');
    await page.getByLabel('Krankenversichertennummer (KVNR)').fill('X110411675');
    await page.getByLabel('Geburtsdatum').fill('1980-04-01');
    await page.getByLabel('Passwort', { exact: true }).fill(password);
    await page.getByLabel('Passwort wiederholen').fill(password);
    const processing = page.getByLabel('Ich willige in die Verarbeitung meiner Gesundheitsdaten ein.');
    await processing.waitFor();
    await page.getByRole('button', { name: 'Konto anlegen' }).click();
    // The browser keeps the form: the checkbox is required.
    assert.equal(await processing.evaluate((el) => el.validity.valueMissing), true);
    await page.getByText('Einwilligung in die Verarbeitung Ihrer Gesundheitsdaten').first().click(); // opens the text
    await page.getByText('Widerruf: Ich kann diese Einwilligung jederzeit widerrufen').waitFor();
    await axe(page, 'registration with consents', assert);
    await processing.check();
    await page.getByLabel('Ich habe die Datenschutzhinweise und die Nutzungsbedingungen gelesen.').check();
    await page.getByRole('button', { name: 'Konto anlegen' }).click();
    await page.getByRole('heading', { name: 'E-Mail-Adresse bestätigen' }).waitFor({ timeout: 60000 });
  });

  await t.test('the consents page', async () => {
    const a = await account(srv.url, 'anna-web-consent@example.org', undefined, 'A123456780');
    await login(page, srv.url, a, await code(a.secret, { use: false }));
    await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
    await confirmDevice(srv.url, a.email);
    await login(page, srv.url, a, await code(a.secret));
    await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
    await page.getByRole('button', { name: 'Menü' }).click();
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Einwilligungen' }).click();
    await page.getByRole('heading', { name: 'Einwilligungen', level: 1 }).waitFor();
    const history = page.getByTestId('consent-history');
    await history.locator('li').nth(2).waitFor();
    assert.equal(await history.locator('li').count(), 3);
    for (const id of ['processing', 'privacy', 'terms']) {
      const li = history.locator(`li[data-text=${id}]`);
      assert.match(await li.innerText(), /Version 1: erteilt am \d/);
      assert.match(await li.innerText(), /Kommandozeilenprogramm/);
    }
    // Readable in full: the kept text.
    await history.locator('li[data-text=processing] summary').click();
    await history.getByText('Widerruf: Ich kann diese Einwilligung jederzeit widerrufen').waitFor();
    await axe(page, 'consents page', assert);
    await shot(page, 'consents');

    // The restriction switch.
    await page.getByLabel('Verarbeitung eingeschränkt').check();
    await page.getByText('Eingeschränkt seit').waitFor();
    const state = () => page.evaluate(() => fetch('/api/v1/account/restriction').then((r) => r.json()));
    assert.equal((await state()).restricted, true);
    await page.getByLabel('Verarbeitung eingeschränkt').uncheck();
    await page.getByRole('status').filter({ hasText: 'Einschränkung aufgehoben.' }).waitFor();
    assert.equal((await state()).restricted, false);

    // Withdrawing the processing consent: the deletion date, and the undo.
    const withdraw = page.getByRole('button', { name: 'Einwilligung in die Verarbeitung widerrufen' });
    assert.equal(await withdraw.isDisabled(), true);
    await page.getByLabel('Ich weiß: Mein Konto wird nach der Frist gelöscht.').check();
    await withdraw.click();
    await page.getByText('Ihr Konto wird mit allen Daten gelöscht am').waitFor();
    await page.getByRole('button', { name: 'Widerruf zurücknehmen (erneut einwilligen)' }).click();
    await page.getByRole('status').filter({ hasText: 'Einwilligung erteilt.' }).waitFor();
    assert.equal(await page.getByText('Ihr Konto wird mit allen Daten gelöscht am').count(), 0);
    assert.equal(await history.locator('li').count(), 5);
    const ledger = await page.evaluate(() => fetch('/api/v1/account/consents').then((r) => r.json()));
    assert.equal(ledger.delete_at, null);
    assert.deepEqual(ledger.records.slice(-2).map((r) => [r.text, r.decision, r.via]), [['processing', 'withdrawn', 'web'], ['processing', 'given', 'web']]);
    // The privacy link is on this page too.
    await page.getByRole('contentinfo').getByRole('link', { name: 'Datenschutzhinweise' }).waitFor();
  });
  assert.deepEqual(errors, []);
});
