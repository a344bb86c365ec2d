// The emergency data page (issue 17 item 6, decision 0050): off, it says so
// and switches the service on with its consent; an allergy, a condition
// and an emergency contact entered on it show at 360 px, put together in
// the browser by the Go code `akte emergency` runs (the CLI sees the same);
// printing the page prints the wallet card, two pages of bank-card size
// (Chromium's PDF), a list too long for it ending with "+n more";
// keyboard only for entering the allergy; axe at 360 and 1280 px in
// German and English.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, cli, axe, confirmDevice, shot, tempDir, repoDir } from './helpers.mjs';

// schemaErrors validates FHIR R4 resources against the official JSON
// schema (internal/fhirschema's validator; `make test` installs it): one
// line of answer per resource, "ok" or the errors. null without it.
function schemaErrors(resources) {
  const dir = join(repoDir, 'internal', 'fhirschema');
  if (!existsSync(join(dir, 'node_modules', 'ajv'))) return null;
  const out = execFileSync('node', [join(dir, 'validate.mjs')], { input: resources.map((r) => JSON.stringify(r)).join('\n') + '\n' }).toString();
  return out.trim().split('\n').filter((l) => l !== 'ok');
}

const fits = (page, w) => page.evaluate((w) => document.documentElement.scrollWidth <= w, w);

test('the emergency page shows allergies and conditions and prints a wallet card', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'notfall@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 800 } });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('link', { name: 'Notfalldaten' }).click();
  await page.getByRole('heading', { name: 'Notfalldaten', level: 1 }).waitFor({ timeout: 30000 });

  // Off: the page says so and offers the consent.
  const off = page.getByTestId('emergency-off');
  await off.waitFor({ timeout: 30000 });
  assert.match(await off.innerText(), /Der Dienst „Notfalldaten“ ist aus/);
  await axe(page, 'emergency page, off (360 px)', assert);
  await off.getByRole('button', { name: 'Einschalten …' }).click();
  const consent = page.getByTestId('consent');
  await consent.getByText('Widerruf').waitFor({ timeout: 30000 });
  await consent.getByRole('button', { name: 'Einwilligen und einschalten' }).click();
  await page.getByText('Notfalldaten ist eingeschaltet.').waitFor({ timeout: 60000 });

  // Entering by keyboard: type, Tab on, Enter submits.
  const allergy = page.getByTestId('allergy-form');
  await allergy.getByLabel('Auslöser (z. B. Penicillin)').waitFor({ timeout: 30000 });
  await allergy.getByLabel('Auslöser (z. B. Penicillin)').focus();
  await page.keyboard.type('Penicillin');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Atemnot');
  await page.keyboard.press('Tab');
  await page.keyboard.press('End'); // the last option: high
  assert.equal(await allergy.getByLabel('Risiko').inputValue(), 'high');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByText('Allergie „Penicillin“ gespeichert.').waitFor({ timeout: 60000 });
  const condition = page.getByTestId('condition-form');
  await condition.getByLabel('Diagnose (z. B. Asthma)').fill('Asthma bronchiale');
  await condition.getByLabel('ICD-10-Code (optional)').fill('j45.9');
  await condition.getByLabel('ICD-10-Code (optional)').press('Enter');
  await page.getByText('Diagnose „Asthma bronchiale“ gespeichert.').waitFor({ timeout: 60000 });
  const contact = page.getByTestId('contact-form');
  await contact.getByLabel('Name').fill('Anna Beispiel');
  await contact.getByLabel('Beziehung (optional, z. B. Tochter)').fill('Tochter');
  await contact.getByLabel('Telefon').fill('0171 1234567');
  await contact.getByRole('button', { name: 'Kontakt speichern' }).click();
  await page.getByText('Kontakt „Anna Beispiel“ gespeichert.').waitFor({ timeout: 60000 });

  const allergies = page.getByTestId('emergency-allergies');
  await allergies.getByText(/Penicillin/).waitFor({ timeout: 30000 });
  assert.match(await allergies.innerText(), /hohes Risiko: Penicillin \(Atemnot\)/);
  const conditions = page.getByTestId('emergency-conditions');
  await conditions.getByText(/Asthma bronchiale/).waitFor({ timeout: 30000 });
  assert.match(await conditions.innerText(), /Asthma bronchiale \(ICD-10 J45\.9\)/);
  const contacts = page.getByTestId('emergency-contacts');
  await contacts.getByText(/Anna Beispiel/).waitFor({ timeout: 30000 });
  assert.equal(await contacts.getByRole('link', { name: '0171 1234567' }).getAttribute('href'), 'tel:01711234567');
  assert.match(await page.getByTestId('emergency-medications').innerText(), /Kein Medikament eingetragen/);
  assert.ok(await fits(page, 360), 'nothing wider than 360 px');
  await axe(page, 'emergency page (360 px, German)', assert);
  await shot(page, 'emergency');

  // The CLI computes the same from the same entries.
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const s = JSON.parse(await cli(srv.url, a.home, ['emergency', '--json'], a.env));
  assert.deepEqual(s.allergies, [{ substance: 'Penicillin', criticality: 'high', reactions: ['Atemnot'], type: 'allergy' }]);
  assert.deepEqual(s.conditions.map((c) => [c.text, c.code]), [['Asthma bronchiale', 'J45.9']]);
  assert.deepEqual(s.contacts.map((c) => [c.name, c.relationship, c.phone, c.emergency]), [['Anna Beispiel', 'Tochter', '0171 1234567', true]]);
  // What the page's forms wrote is valid FHIR R4.
  const entries = JSON.parse(await cli(srv.url, a.home, ['entry', 'ls', '--json'], a.env));
  assert.deepEqual(entries.map((e) => e.type).sort(), ['AllergyIntolerance', 'Condition', 'Patient']);
  const bad = schemaErrors(entries.map((e) => e.resource));
  if (bad) assert.deepEqual(bad, [], 'the entries against the FHIR R4 schema');

  // The print button prints; printing the page gives the wallet card:
  // two pages of 85.6 × 53.98 mm (242.6 × 153.0 pt) with the data, without
  // the page around it.
  await page.evaluate(() => {
    window.printed = 0;
    window.print = () => window.printed++;
  });
  await page.getByTestId('emergency-print').click();
  assert.equal(await page.evaluate(() => window.printed), 1);
  const pdf = join(tempDir(), 'karte.pdf');
  writeFileSync(pdf, await page.pdf({ preferCSSPageSize: true, printBackground: true }));
  const info = execFileSync('pdfinfo', [pdf]).toString();
  assert.match(info, /Pages:\s+2\b/, info);
  const [, w, h] = info.match(/Page size:\s+([\d.]+) x ([\d.]+) pts/);
  assert.ok(Math.abs(Number(w) - 242.6) < 1.5 && Math.abs(Number(h) - 153.0) < 1.5, `card size ${w} × ${h} pt`);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
  for (const want of ['Notfalldaten', 'Allergien', '! Penicillin (Atemnot)', 'Diagnosen', 'Asthma bronchiale (J45.9)', 'Medikamente', 'keine bekannt', 'Im Notfall benachrichtigen', 'Anna Beispiel (Tochter), 0171 1234567']) {
    assert.ok(text.includes(want), `the card lacks ${want}:\n${text}`);
  }
  for (const gone of ['Eintragen', 'Menü', 'Allergie speichern']) assert.ok(!text.includes(gone), `the card shows ${gone}`);

  // 1280 px, and English.
  await page.setViewportSize({ width: 1280, height: 900 });
  await axe(page, 'emergency page (1280 px, German)', assert);
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Emergency data', level: 1 }).waitFor({ timeout: 30000 });
  await page.getByTestId('emergency-allergies').getByText(/high risk: Penicillin/).waitFor({ timeout: 30000 });
  await axe(page, 'emergency page (1280 px, English)', assert);
  await page.setViewportSize({ width: 360, height: 800 });
  assert.ok(await fits(page, 360), 'nothing wider than 360 px in English');
  await axe(page, 'emergency page (360 px, English)', assert);
  writeFileSync(pdf, await page.pdf({ preferCSSPageSize: true, printBackground: true }));
  const en = execFileSync('pdftotext', [pdf, '-']).toString();
  assert.match(en, /Emergency data[\s\S]*Allergies[\s\S]*Conditions/);
  assert.match(en, /In case of emergency call[\s\S]*Anna Beispiel/);

  // Leaving the page, printing is the ordinary page again.
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: 'My record' }).click();
  await page.getByRole('heading', { name: 'My record' }).waitFor({ timeout: 30000 });
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('print-card')), false);

  // More conditions than the card's front holds: the page lists them all,
  // the card ends with the count of those left out.
  const dir = tempDir();
  for (let i = 1; i <= 12; i++) {
    const f = join(dir, `c${i}.json`);
    writeFileSync(f, JSON.stringify({ resourceType: 'Condition', subject: { reference: 'Patient/me' }, code: { text: `Diagnose Nummer ${i}` } }));
    await cli(srv.url, a.home, ['entry', 'add', f], a.env);
  }
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: 'Emergency data' }).click();
  const many = page.getByTestId('emergency-conditions');
  await many.getByText('Diagnose Nummer 12').waitFor({ timeout: 60000 });
  assert.equal(await many.locator('li').count(), 13);
  writeFileSync(pdf, await page.pdf({ preferCSSPageSize: true, printBackground: true }));
  const full = execFileSync('pdftotext', [pdf, '-']).toString();
  // 13 conditions; the front has room for the allergy and 7 of them.
  assert.match(full, /Conditions[\s\S]*Diagnose Nummer 1\b[\s\S]*Diagnose Nummer 7\b\s*• \+6 more/, full);
  assert.doesNotMatch(full, /Diagnose Nummer 8/);
  assert.match(execFileSync('pdfinfo', [pdf]).toString(), /Pages:\s+2\b/);
  assert.deepEqual(errors, []);
});
