// Pages with addresses (issue 12, item 2; docs/decisions/0025-web-router.md):
// the start page before the login; a deep link opened while logged out
// asks for the login and then shows the page asked for; Back and Forward
// walk through record, viewer and settings, and the viewer's own "Back to
// the record" does not grow the history; the record's search outlives the
// viewer; a reload on a deep path asks for
// the password and stays there; links of the time before paths (#/…)
// still work, the device link's secret stays in the fragment; an address
// the app does not know says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, code, cli, axe, confirmDevice, unlock } from './helpers.mjs';

// logIn fills in the login page the browser shows, wherever it came from.
async function logIn(page, a, totp) {
  await page.getByLabel('E-Mail-Adresse').fill(a.email);
  await page.getByLabel('Passwort', { exact: true }).fill(a.password);
  await page.getByLabel('Code aus der Authenticator-App').fill(totp);
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
}

test('Back and Forward, deep links through the login and a reload, old # links', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'wege@example.org');
  writeFileSync(join(a.home, 'knie.txt'), 'Befund Knie rechts: unauffällig');
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const id = JSON.parse(await cli(srv.url, a.home, ['upload', join(a.home, 'knie.txt'), '--category', 'findings', '--title', 'Befund Knie', '--json'], a.env))[0].id;

  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 860 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const at = () => {
    const u = new URL(page.url());
    return u.pathname + u.search + u.hash;
  };
  const heading = (name) => page.getByRole('heading', { name, exact: true, level: 1 }).waitFor({ timeout: 30000 });
  // The page's heading takes the focus (after the page is drawn).
  const focusOn = (text) =>
    page.waitForFunction((text) => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === text, text, { timeout: 10000 });

  // The start page says what Akte is before anyone logs in, at 360 px too.
  await page.goto(srv.url + '/');
  await page.getByRole('heading', { name: /nur Sie halten die Schlüssel/ }).waitFor({ timeout: 30000 });
  await page.getByLabel('E-Mail-Adresse').waitFor();
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'the start page fits 360 px');
  await axe(page, 'start page at 360 px', assert);
  await page.setViewportSize({ width: 1280, height: 860 });

  // 1. A deep link while logged out: the login, on this new device the
  // device confirmation, then the page asked for, not the record.
  await page.goto(srv.url + '/einstellungen');
  await heading('Anmelden');
  assert.equal(at(), '/anmelden?weiter=%2Feinstellungen');
  await logIn(page, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await logIn(page, a, await code(a.secret));
  await heading('Einstellungen');
  assert.equal(at(), '/einstellungen');

  // 2. Links change the address; Back and Forward walk through record,
  // viewer and settings, each time with the focus on the page's heading.
  await page.getByRole('link', { name: 'Meine Akte' }).click();
  await heading('Meine Akte');
  assert.equal(at(), '/akte');
  assert.equal(await page.getByRole('link', { name: 'Meine Akte' }).getAttribute('aria-current'), 'page');
  await page.getByLabel('Suche (Titel, Verfasser, Notiz)').fill('knie');
  await page.getByRole('button', { name: 'Ansehen: Befund Knie' }).click({ timeout: 30000 });
  await heading('Befund Knie');
  assert.equal(at(), '/dokument/' + id);
  await page.getByText('Befund Knie rechts: unauffällig').waitFor({ timeout: 30000 });
  await page.goBack();
  await heading('Meine Akte');
  assert.equal(at(), '/akte');
  await focusOn('Meine Akte'); // Back moves the focus to the heading
  // The search is still there after the viewer (kept in memory, never in
  // the address).
  assert.equal(await page.getByLabel('Suche (Titel, Verfasser, Notiz)').inputValue(), 'knie');
  assert.equal(at(), '/akte');
  await page.goForward();
  await heading('Befund Knie');
  await focusOn('Befund Knie');
  assert.equal(at(), '/dokument/' + id);
  await page.getByText('Befund Knie rechts: unauffällig').waitFor({ timeout: 30000 });
  // The viewer's own button goes back: Forward returns to the document.
  await page.getByRole('button', { name: 'Zurück zur Akte' }).click();
  await heading('Meine Akte');
  await page.goForward();
  await heading('Befund Knie');
  await page.goBack();
  await heading('Meine Akte');
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await heading('Einstellungen');
  assert.equal(at(), '/einstellungen');
  await page.goBack();
  await heading('Meine Akte');
  await page.goBack();
  await heading('Einstellungen'); // the page the login led to
  await page.goForward();
  await heading('Meine Akte');
  await page.goForward();
  await heading('Einstellungen');

  // 3. A link of the time before paths, in the open page: its path form.
  await page.evaluate(() => (location.hash = '#/akte'));
  await heading('Meine Akte');
  assert.equal(at(), '/akte');

  // 4. A reload on a deep path asks for the password and stays there.
  await page.getByRole('button', { name: 'Ansehen: Befund Knie' }).click({ timeout: 30000 });
  await heading('Befund Knie');
  await page.reload();
  await unlock(page, a.password);
  await heading('Befund Knie');
  assert.equal(at(), '/dokument/' + id);
  await page.getByText('Befund Knie rechts: unauffällig').waitFor({ timeout: 30000 });
  await axe(page, 'viewer at its address', assert);

  // 5. An old bookmark (#/einstellungen) opened in the locked tab: the
  // path form, the unlock page, then the settings.
  await page.goto(srv.url + '/#/einstellungen');
  await unlock(page, a.password);
  await heading('Einstellungen');
  assert.equal(at(), '/einstellungen');

  // 6. The viewer by its address after a logout: the login, then the
  // document.
  await page.getByRole('button', { name: 'Abmelden', exact: true }).first().click();
  await heading('Anmelden');
  await page.goto(srv.url + '/dokument/' + id);
  await heading('Anmelden');
  assert.equal(at(), '/anmelden?weiter=' + encodeURIComponent('/dokument/' + id));
  await logIn(page, a, await code(a.secret));
  await heading('Befund Knie');
  assert.equal(at(), '/dokument/' + id);
  await page.getByText('Befund Knie rechts: unauffällig').waitFor({ timeout: 30000 });

  // 7. A document that is not (or no longer) there, and an address the
  // app does not know: each says so, axe-clean.
  await page.goto(srv.url + '/dokument/aaaaaaaaaaaaaaaaaaaaaaaaaa');
  await unlock(page, a.password);
  await heading('Dokument nicht gefunden');
  const missing = await page.goto(srv.url + '/gibt-es-nicht');
  assert.equal(missing.status(), 404, 'the server says so too');
  await heading('Seite nicht gefunden');
  await axe(page, 'page not found', assert);
  await page.getByRole('link', { name: 'Zur Startseite' }).click();
  await unlock(page, a.password); // the tab was loaded anew: locked
  await heading('Meine Akte'); // logged in, the start is the record
  assert.equal(at(), '/akte');
  assert.deepEqual(errors, []);
});

test('an old device link keeps its secret in the fragment', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const page = await browser.newPage({ locale: 'de-DE' });
  const paths = [];
  page.on('request', (r) => paths.push(new URL(r.url()).pathname + new URL(r.url()).search));
  await page.goto(srv.url + '/#/geraet/geheimes-token-4711');
  await page.getByRole('heading', { name: 'Neues Gerät bestätigen' }).waitFor({ timeout: 30000 });
  assert.equal(new URL(page.url()).pathname, '/geraet');
  assert.equal(new URL(page.url()).hash, '#geheimes-token-4711');
  // The made-up secret is refused by the server, which saw it only in a body.
  await page.getByRole('alert').filter({ hasText: /\S/ }).waitFor({ timeout: 30000 });
  assert.deepEqual(paths.filter((p) => p.includes('geheim')), [], 'no request carries the secret in its address');
  // Reloaded, the path form is what the server sees, the secret still not.
  await page.reload();
  await page.getByRole('heading', { name: 'Neues Gerät bestätigen' }).waitFor({ timeout: 30000 });
  assert.ok(paths.includes('/geraet'));
  assert.deepEqual(paths.filter((p) => p.includes('geheim')), []);
});
