// Documents a patient can describe and find (issue 12, items 4 and 5;
// docs/decisions/0026): title, date of the finding, author or practice,
// category and note set in the upload dialog, sealed on the device (the CLI
// reads them), changed later without sending the content again (a change
// from another device in between is refused), found by search over title,
// author and note, sorted by date, title and category, filtered by date;
// category groups keep the record's order; the document menu works by
// keyboard; finished uploads leave the screen; the first document is on the
// first screens of a phone; every dialog axe-clean at 360 and 1280 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from '../src/catalog.js';
import { startServer, launch, account, login, code, cli, axe, confirmDevice, unlock, uploadFiles, docAction } from './helpers.mjs';

test('documents are described at upload, edited, found, sorted and filtered', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'describe-web@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 860 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const ls = async () => JSON.parse(await cli(srv.url, a.home, ['ls', '--json']));

  // Upload is one action: it opens the dialog, which picks the files.
  await page.getByRole('button', { name: 'Dokumente hinzufügen' }).click();
  const dialog = page.getByTestId('upload-dialog');
  await dialog.getByRole('heading', { name: 'Dokumente hinzufügen' }).waitFor();
  await axe(page, 'upload dialog', assert);
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), dialog.getByRole('button', { name: 'Dateien auswählen' }).click()]);
  await chooser.setFiles({ name: 'laborwerte.txt', mimeType: 'text/plain', buffer: Buffer.from('Hb 14,1') });
  // Defaults from the file; the category is chosen after picking.
  assert.equal(await dialog.getByLabel('Titel').inputValue(), 'laborwerte');
  assert.match(await dialog.getByLabel('Datum des Befunds').inputValue(), /^\d{4}-\d{2}-\d{2}$/);
  await dialog.getByLabel('Titel').fill('Blutbild März');
  await dialog.getByLabel('Datum des Befunds').fill('2024-03-12');
  await dialog.getByLabel('Verfasser oder Praxis').fill('Praxis Dr. Weber');
  await dialog.getByLabel('Notiz').fill('nüchtern abgenommen');
  await dialog.getByLabel('Kategorie').selectOption('findings');
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(page, `upload dialog with a file at ${w} px`, assert);
  }
  await dialog.getByRole('button', { name: 'Hochladen' }).click();
  await page.getByRole('button', { name: 'Ansehen: Blutbild März' }).waitFor({ timeout: 30000 });
  // Finished uploads leave the screen; a sentence says they arrived.
  await page.getByText('1 Dokument hochgeladen.').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('ul.uploads li').count(), 0, 'finished uploads leave the screen');

  await uploadFiles(page, { name: 'brief.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 Brief') }, async (d) => {
    await d.getByLabel('Titel').fill('Entlassbrief');
    await d.getByLabel('Datum des Befunds').fill('2023-11-02');
    await d.getByLabel('Verfasser oder Praxis').fill('Klinikum Nord');
    await d.getByLabel('Kategorie').selectOption('letters');
  });
  await page.getByRole('button', { name: 'Ansehen: Entlassbrief' }).waitFor({ timeout: 30000 });
  await uploadFiles(page, { name: 'Impfung.txt', mimeType: 'text/plain', buffer: Buffer.from('Tetanus') }, async (d) => {
    await d.getByLabel('Datum des Befunds').fill('2022-06-01');
    await d.getByLabel('Kategorie').selectOption('vaccinations');
  });
  await page.getByRole('button', { name: 'Ansehen: Impfung' }).waitFor({ timeout: 30000 });

  // Sealed on this device: the CLI reads the same description.
  let listed = await ls();
  const blut = listed.find((l) => l.title === 'Blutbild März');
  assert.deepEqual([blut.date, blut.source, blut.comment, blut.category, blut.file_name], ['2024-03-12', 'Praxis Dr. Weber', 'nüchtern abgenommen', 'findings', 'laborwerte.txt']);
  const brief = listed.find((l) => l.title === 'Entlassbrief');
  assert.deepEqual([brief.date, brief.source, brief.category], ['2023-11-02', 'Klinikum Nord', 'letters']);

  // Category groups in the record's order of categories, with counts; an
  // upload does not reorder them.
  const groups = () => page.locator('section.cat h3').allInnerTexts();
  assert.deepEqual(await groups(), ['Befunde (1)', 'Arztbriefe (1)', 'Impfpass (1)']);
  // Edited later: new sealed metadata, moved to another category.
  await docAction(page, 'Entlassbrief', 'Angaben bearbeiten');
  const edit = page.getByTestId('edit-dialog');
  await edit.getByRole('heading', { name: 'Angaben bearbeiten' }).waitFor();
  assert.equal(await edit.getByLabel('Titel').inputValue(), 'Entlassbrief');
  assert.equal(await edit.getByLabel('Verfasser oder Praxis').inputValue(), 'Klinikum Nord');
  await edit.getByLabel('Titel').fill('Entlassbrief Kardiologie');
  await edit.getByLabel('Verfasser oder Praxis').fill('Klinikum Nord, Kardiologie');
  await edit.getByLabel('Notiz').fill('Kontrolle in sechs Wochen');
  await edit.getByLabel('Kategorie').selectOption('discharge');
  await axe(page, 'edit dialog', assert);
  await edit.getByRole('button', { name: 'Speichern' }).click();
  await page.getByText('Angaben zu „Entlassbrief Kardiologie“ gespeichert.').waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Ansehen: Entlassbrief Kardiologie' }).waitFor({ timeout: 30000 });
  listed = await ls();
  const moved = listed.find((l) => l.id === brief.id);
  assert.deepEqual([moved.title, moved.source, moved.comment, moved.category, moved.date], ['Entlassbrief Kardiologie', 'Klinikum Nord, Kardiologie', 'Kontrolle in sechs Wochen', 'discharge', '2023-11-02']);
  assert.deepEqual(listed.filter((l) => l.problem), [], 'the manifest follows the move');

  // Another device changes the description in between: the page's change
  // is refused, nothing is overwritten.
  await cli(srv.url, a.home, ['edit', blut.id, '--title', 'Blutbild vom März'], a.env);
  await docAction(page, 'Blutbild März', 'Angaben bearbeiten');
  await edit.getByLabel('Titel').fill('Blutbild (alt)');
  await edit.getByRole('button', { name: 'Speichern' }).click();
  await edit.getByText(text('de', 'item_meta_changed', {})).waitFor({ timeout: 30000 });
  await edit.getByRole('button', { name: 'Abbrechen' }).click();
  assert.equal((await ls()).find((l) => l.id === blut.id).title, 'Blutbild vom März');
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('button', { name: 'Ansehen: Blutbild vom März' }).waitFor({ timeout: 30000 });

  // Found by title, author and note.
  const titles = () => page.getByTestId('doc').locator('.title').allInnerTexts();
  const search = page.getByLabel('Suche (Titel, Verfasser, Notiz)');
  await search.fill('weber');
  assert.deepEqual(await titles(), ['Blutbild vom März']);
  await search.fill('kardiologie');
  assert.deepEqual(await titles(), ['Entlassbrief Kardiologie']);
  await search.fill('SECHS wochen');
  assert.deepEqual(await titles(), ['Entlassbrief Kardiologie']);
  await search.fill('');

  // Sorted by date, title and category; filtered by date.
  await page.getByText('Sortieren und Zeitraum').click();
  const sort = page.getByLabel('Sortieren nach');
  await sort.selectOption('date-desc');
  assert.deepEqual(await titles(), ['Blutbild vom März', 'Entlassbrief Kardiologie', 'Impfung']);
  await sort.selectOption('date-asc');
  assert.deepEqual(await titles(), ['Impfung', 'Entlassbrief Kardiologie', 'Blutbild vom März']);
  await sort.selectOption('title');
  assert.deepEqual(await titles(), ['Blutbild vom März', 'Entlassbrief Kardiologie', 'Impfung']);
  await page.getByLabel('Datum von').fill('2023-01-01');
  assert.deepEqual(await titles(), ['Blutbild vom März', 'Entlassbrief Kardiologie']);
  await page.getByLabel('Datum bis').fill('2023-12-31');
  assert.deepEqual(await titles(), ['Entlassbrief Kardiologie']);
  await page.getByLabel('Datum von').fill('');
  await page.getByLabel('Datum bis').fill('');
  await sort.selectOption('category');
  const order = await groups();
  assert.deepEqual(order, ['Befunde (1)', 'Entlassbriefe (1)', 'Impfpass (1)']);
  await uploadFiles(page, { name: 'Röntgen.txt', mimeType: 'text/plain', buffer: Buffer.from('Thorax') }, async (d) => {
    await d.getByLabel('Kategorie').selectOption('vaccinations');
  });
  await page.getByRole('button', { name: 'Ansehen: Röntgen' }).waitFor({ timeout: 30000 });
  assert.deepEqual(await groups(), ['Befunde (1)', 'Entlassbriefe (1)', 'Impfpass (2)'], 'an upload does not reorder the groups');

  // The document menu by keyboard: open, move, close back to its button.
  const menuButton = page.getByRole('button', { name: 'Aktionen: Impfung', exact: true });
  await menuButton.focus();
  await page.keyboard.press('Enter');
  const items = page.getByRole('menu').getByRole('menuitem');
  assert.deepEqual(await items.allInnerTexts(), ['Herunterladen', 'Angaben bearbeiten', 'Neuere Fassung hochladen', 'Löschen']);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Herunterladen');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Angaben bearbeiten');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Löschen');
  await axe(page, 'document menu', assert);
  await page.keyboard.press('Escape');
  assert.equal(await page.getByRole('menu').count(), 0);
  assert.equal(await menuButton.evaluate((b) => b === document.activeElement), true, 'Escape returns to the menu button');

  // A phone: the start page shows what is new and the first document
  // within the first two screens; no serious axe finding.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const top = (l) => l.first().evaluate((e) => e.getBoundingClientRect().top + window.scrollY);
  assert.ok((await top(page.getByTestId('new-doc'))) < 740, 'what is new is on the first screen');
  assert.ok((await top(page.getByTestId('doc'))) < 2 * 740, `the first document starts at ${await top(page.getByTestId('doc'))} px`);
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'nothing wider than the phone');
  await axe(page, 'record at 360 px', assert);
  await page.setViewportSize({ width: 1280, height: 860 });
  await axe(page, 'record at 1280 px', assert);
  assert.deepEqual(errors, []);
});
