// The operator's imprint and privacy links on every page, and the notice
// before a link leaves Akte (issue 12, items 7 and 10): reachable by
// keyboard, announced as a dialog, axe-clean at 360 px, in German and
// English; nothing opens before the patient says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, axe, shot } from './helpers.mjs';

const imprint = 'https://impressum.example.org/akte?x=1&y=2';
const privacy = 'https://datenschutz.example.org/akte';

test('imprint and privacy links, and the notice before leaving Akte', async (t) => {
  const srv = await startServer(t, ['--imprint-url', imprint, '--privacy-url', privacy]);
  const browser = await launch(t);
  for (const [locale, names] of [
    ['de-DE', { imprint: 'Impressum', privacy: 'Datenschutz', leave: 'Sie verlassen Akte', go: 'Weiter (neuer Tab)', cancel: 'Abbrechen', lang: 'English' }],
    ['en-GB', { imprint: 'Imprint', privacy: 'Privacy', leave: 'You are leaving Akte', go: 'Continue (new tab)', cancel: 'Cancel', lang: 'Deutsch' }],
  ]) {
    const ctx = await browser.newContext({ locale });
    // The machine has no way out: the operator's pages are answered here.
    let visits = 0;
    await ctx.route(/^https:\/\/(impressum|datenschutz)\.example\.org\//, (r) => (visits++, r.fulfill({ contentType: 'text/plain', body: 'operator page' })));
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(srv.url + '/#/anmelden');
    if (locale === 'en-GB') await page.getByRole('button', { name: 'English' }).click();
    const legal = page.getByRole('navigation', { name: locale === 'de-DE' ? 'Rechtliches' : 'Legal' });
    await legal.waitFor({ timeout: 30000 });
    assert.equal(await legal.getByRole('link', { name: names.imprint }).getAttribute('href'), imprint);
    assert.equal(await legal.getByRole('link', { name: names.privacy }).getAttribute('href'), privacy);

    // By keyboard: the link opens the notice, not the page; Escape closes
    // it and nothing was opened.
    await legal.getByRole('link', { name: names.imprint }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: names.leave });
    await dialog.waitFor({ timeout: 10000 });
    assert.ok(await dialog.getByText(imprint).isVisible(), 'the notice names the address');
    assert.ok(await page.evaluate(() => document.activeElement?.closest('dialog') !== null), 'focus is in the notice');
    await axe(page, `leave notice (${locale})`, assert);
    if (locale === 'de-DE') await shot(page, 'leave-notice');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10000 });
    assert.equal(visits, 0, 'nothing opened before the patient chose to go on');
    assert.ok(page.url().endsWith('/#/anmelden'), 'the page stayed');

    // Cancel closes it too; "Continue" opens the address in a new tab.
    await legal.getByRole('link', { name: names.privacy }).click();
    await dialog.getByRole('button', { name: names.cancel }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10000 });
    await legal.getByRole('link', { name: names.privacy }).click();
    const [tab] = await Promise.all([ctx.waitForEvent('page'), dialog.getByRole('link', { name: names.go }).click()]);
    await tab.waitForLoadState();
    assert.equal(tab.url(), privacy);
    assert.equal(visits, 1);
    await dialog.waitFor({ state: 'hidden', timeout: 10000 });
    await ctx.close();
  }
});

test('without configured links, the footer has no legal navigation', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const page = await browser.newPage();
  await page.goto(srv.url + '/#/anmelden');
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: 30000 });
  assert.equal(await page.getByRole('navigation', { name: 'Rechtliches' }).count(), 0);
});
