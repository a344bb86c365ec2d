// Links to the national health portal (issue 12, item 10; decision 0032):
// each category the shipped mapping (web/src/portal.json) names links its
// page on gesund.bund.de with the category's documents; every one first
// says that it leaves Akte, in German and English (the English page where
// the portal has one), and the record page loads nothing from elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, cli, confirmDevice, axe } from './helpers.mjs';

const portal = JSON.parse(readFileSync(new URL('../src/portal.json', import.meta.url)));

test('every mapped category links gesund.bund.de behind the leave notice', async (t) => {
  const srv = await startServer(t);
  const origin = new URL(srv.url).origin;
  const a = await account(srv.url, 'portal@example.org');
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  // One document in every mapped category, and one in a category without
  // a page (findings): it gets no link.
  const cats = Object.keys(portal);
  assert.ok(cats.length >= 3, 'the mapping names categories');
  for (const c of [...cats, 'findings']) {
    writeFileSync(join(a.home, c + '.txt'), 'Dokument ' + c);
    await cli(srv.url, a.home, ['upload', join(a.home, c + '.txt'), '--category', c]);
  }

  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 780 } });
  // Nothing reaches the portal from here: the tab "Weiter" opens gets a
  // stand-in page, and every request is logged.
  const requests = [];
  ctx.on('request', (r) => requests.push(r.url()));
  await ctx.route('https://gesund.bund.de/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>Portal</title>' }));
  const page = await ctx.newPage();
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: /^Ansehen: findings/ }).waitFor({ timeout: 30000 });

  const notice = page.getByRole('dialog', { name: 'Sie verlassen Akte' });
  const section = (c) => page.locator(`section.cat:has(#cat-${c})`);
  assert.equal(await section('findings').getByRole('link').count(), 0, 'a category without a page has no link');
  for (const c of cats) {
    const link = section(c).getByRole('link', { name: /im Nationalen Gesundheitsportal \(gesund\.bund\.de\)$/ });
    assert.equal(await link.getAttribute('href'), portal[c].de, c);
    await link.click();
    await notice.waitFor();
    assert.equal(await notice.locator('p.url').textContent(), portal[c].de, `${c}: the notice names the address`);
    assert.equal(ctx.pages().length, 1, `${c}: nothing opened before the patient says so`);
    if (c === cats[0]) await axe(page, 'leave notice for the portal', assert);
    await notice.getByRole('button', { name: 'Abbrechen' }).click();
    await notice.waitFor({ state: 'hidden' });
  }

  // "Weiter" opens the page in a new tab, which gets no handle on Akte.
  const first = section(cats[0]).getByRole('link');
  await first.click();
  const [tab] = await Promise.all([ctx.waitForEvent('page'), notice.getByRole('link', { name: 'Weiter (neuer Tab)' }).click()]);
  await tab.waitForLoadState();
  assert.equal(tab.url(), portal[cats[0]].de);
  assert.equal(await tab.evaluate(() => window.opener), null);
  assert.equal(await tab.evaluate(() => document.referrer), '');
  await tab.close();

  // In English: the portal's English page where it has one.
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'My record' }).waitFor();
  const noticeEn = page.getByRole('dialog', { name: 'You are leaving Akte' });
  for (const c of cats) {
    const want = portal[c].en || portal[c].de;
    const link = section(c).getByRole('link', { name: portal[c].en ? /at the national health portal \(gesund\.bund\.de\)$/ : /\(gesund\.bund\.de, in German\)$/ });
    assert.equal(await link.getAttribute('href'), want, c);
    await link.click();
    await noticeEn.waitFor();
    assert.equal(await noticeEn.locator('p.url').textContent(), want);
    await noticeEn.getByRole('button', { name: 'Cancel' }).click();
    await noticeEn.waitFor({ state: 'hidden' });
  }
  await axe(page, 'record with portal links, English, 360 px', assert);
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'nothing wider than 360 px');

  // The app's page asked nothing of another origin: the only request
  // elsewhere is the tab the patient opened after the notice.
  const foreign = requests.filter((u) => /^(https?|wss?):/.test(u) && !u.startsWith(origin + '/'));
  assert.deepEqual(foreign, [portal[cats[0]].de]);
});
