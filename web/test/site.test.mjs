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
    if (locale === 'en-GB') {
      // At 360 px the navigation is folded behind "Menü".
      await page.getByRole('button', { name: 'Menü' }).click();
      await page.getByRole('button', { name: 'English' }).click();
    }
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
    assert.ok(page.url().endsWith('/anmelden'), 'the page stayed');

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

test('the header is one row on a phone; its menu opens, closes with Escape and by navigating', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const page = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
  await page.goto(srv.url + '/#/anmelden');
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: 30000 });
  const header = page.locator('header.top');
  const rowHeight = async () => (await header.boundingBox()).height;
  assert.ok((await rowHeight()) <= 64, `header ${await rowHeight()} px high at 360 px`);
  assert.ok(await page.getByRole('link', { name: 'Akte' }).isVisible(), 'the logo links home');
  const toggle = page.getByRole('button', { name: 'Menü' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.ok(!(await page.getByRole('button', { name: 'English' }).isVisible()), 'folded');
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await page.getByRole('button', { name: 'English' }).waitFor({ timeout: 5000 });
  await axe(page, 'open menu at 360 px', assert);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Escape');
  assert.equal(await page.getByRole('button', { name: 'Menü' }).getAttribute('aria-expanded'), 'false');
  assert.ok(await page.evaluate(() => document.activeElement?.id === 'menu-toggle'), 'focus back on the menu button');
  // Following a link folds it again.
  await toggle.click();
  await page.getByRole('link', { name: 'Postfach' }).click();
  await page.getByRole('heading', { name: 'Postfach (Entwicklung)' }).waitFor({ timeout: 10000 });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  // The app is installable: a manifest with icons, served as such.
  const m = await page.evaluate(async () => {
    const r = await fetch(document.querySelector('link[rel=manifest]').href);
    const j = await r.json();
    const icons = await Promise.all(j.icons.map(async (i) => (await fetch(i.src)).headers.get('content-type')));
    return { type: r.headers.get('content-type'), name: j.name, display: j.display, icons };
  });
  assert.deepEqual(m, { type: 'application/manifest+json', name: 'Akte', display: 'standalone', icons: ['image/svg+xml', 'image/png', 'image/png'] });
  // At 1280 px there is no menu button; the navigation shows.
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.ok(!(await toggle.isVisible()));
  assert.ok(await page.getByRole('button', { name: 'English' }).isVisible());
});
