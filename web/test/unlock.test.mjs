// The keys of a logged-in tab live only in the core's worker (issue 10,
// item 2; docs/decisions/0020-browser-keys-in-worker.md): after a login,
// sessionStorage, localStorage, IndexedDB and the Cache API hold nothing
// that is or opens the UMK (IndexedDB only the protocol's public pins), nor
// does the Chromium profile on disk; a
// reload shows the unlock page, which refuses a wrong password, opens the
// record with the right one without asking for a TOTP code, works by
// keyboard, at 360 px and in English, and passes axe; a session that ended
// shows the login page instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { text } from '../src/catalog.js';
import { startServer, account, login, code, cli, axe, shot, tempDir, confirmDevice, unlock, chromiumPath, chromiumArgs } from './helpers.mjs';

// storage lists every entry of the page's storage.
const storage = (page) =>
  page.evaluate(async () => ({
    session: Object.entries(sessionStorage),
    local: Object.entries(localStorage),
    idb: (await indexedDB.databases()).map((d) => d.name),
    // The protocol's pins (web/src/audit.js): the server's public verifier
    // key and the last verified checkpoint per account.
    pins: (await indexedDB.databases()).some((d) => d.name === 'akte-audit')
      ? await new Promise((resolve, reject) => {
          const r = indexedDB.open('akte-audit');
          r.onerror = () => reject(r.error);
          r.onsuccess = () => {
            const g = r.result.transaction('pins').objectStore('pins').getAll();
            g.onsuccess = () => (r.result.close(), resolve(g.result));
            g.onerror = () => reject(g.error);
          };
        })
      : [],
    caches: await caches.keys(),
  }));

// noKeys asserts that the storage holds only what the app keeps on purpose,
// none of it key material: the tab's session (its e-mail), and in localStorage the
// device id, e-mail, language, the Argon2id parameters last used (with a
// 16-byte salt, no key), the category key versions and the highest
// manifest counter seen (numbers). No
// value anywhere carries 32 bytes or more of base64, the least a key or a
// sealed key takes.
function noKeys(st, email, what) {
  assert.deepEqual(st.session, [['akte.session', email]], `${what}: sessionStorage holds only the session's e-mail`);
  // IndexedDB holds at most the protocol's pins (decision 0029), which are
  // public: the server's verifier key and a signed checkpoint.
  assert.deepEqual(st.idb.filter((n) => n !== 'akte-audit'), [], `${what}: no IndexedDB but the protocol's pins`);
  for (const p of st.pins) {
    assert.deepEqual(Object.keys(p).sort(), ['key', 'signed'], `${what}: a pin`);
    assert.match(p.key, /^[^+\s]+\/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/, `${what}: the pinned verifier key`);
    assert.match(p.signed, /^[^\n]+\/audit\/record\/[^\n]+\n\d+\n[A-Za-z0-9+/]+=*\ntime [^\n]+\n\n— /, `${what}: the kept checkpoint`);
  }
  assert.deepEqual(st.caches, [], `${what}: no caches`);
  for (const [k, v] of st.local) {
    if (k === 'akte.device') assert.match(v, /^web-[0-9a-f]{32}$/, what);
    else if (k === 'akte.email') assert.equal(v, email, what);
    else if (k === 'akte.lang') assert.match(v, /^(de|en)$/, what);
    else if (k === 'akte.kdf.' + email) {
      const kdf = JSON.parse(v);
      assert.deepEqual(Object.keys(kdf).sort(), ['alg', 'memory', 'salt', 'threads', 'time'], what);
      assert.equal(Buffer.from(kdf.salt, 'base64').length, 16, `${what}: the salt`);
    } else if (k.startsWith('akte.keyversions.')) {
      for (const n of Object.values(JSON.parse(v))) assert.equal(typeof n, 'number', `${what}: ${k}`);
    } else if (k.startsWith('akte.manifest.')) assert.match(v, /^\d+$/, `${what}: ${k}`);
    else assert.fail(`${what}: unexpected localStorage entry ${k}=${v.slice(0, 80)}`);
  }
  for (const [k, v] of [...st.session, ...st.local]) {
    const blobs = String(v).match(/[A-Za-z0-9+/_-]{40,}={0,2}/g) || [];
    assert.deepEqual(blobs, [], `${what}: ${k} holds no key-sized base64`);
  }
}

// files lists the files under dir.
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : e.isFile() ? [p] : [];
  });
}

test('keys live only in the worker; a reload asks for the password again', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'tab@example.org');
  writeFileSync(join(a.home, 'laborwerte.txt'), 'Laborwerte März');
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  await cli(srv.url, a.home, ['upload', join(a.home, 'laborwerte.txt'), '--category', 'findings'], a.env);

  // A profile on disk, to look at what Chromium wrote.
  const profile = tempDir('akte-profile-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    locale: 'de-DE',
    viewport: { width: 1280, height: 860 },
    args: chromiumArgs,
  });
  let closed = false;
  t.after(() => closed || ctx.close());
  const page = ctx.pages()[0] || (await ctx.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const posts = [];
  page.on('request', (r) => r.method() !== 'GET' && posts.push(new URL(r.url()).pathname));

  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.getByRole('button', { name: 'Ansehen: laborwerte.txt' }).waitFor({ timeout: 30000 });
  noKeys(await storage(page), a.email, 'after the login');

  // 1. A reload: the unlock page, with the account's e-mail; a wrong
  // password is refused by the core, and nothing is sent for it.
  await page.reload();
  await page.getByRole('heading', { name: 'Entsperren' }).waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('unlock-email').textContent(), a.email);
  assert.equal(await page.getByLabel(/Code aus der Authenticator-App/).count(), 0, 'no TOTP code is asked');
  assert.equal(await page.getByRole('link', { name: 'Meine Akte' }).count(), 0, 'no record while locked');
  await axe(page, 'unlock', assert);
  await shot(page, 'unlock'); // fails if wider than 360 px
  noKeys(await storage(page), a.email, 'locked');
  // By keyboard: the password field, Enter submits.
  posts.length = 0;
  await page.getByLabel('Passwort', { exact: true }).focus();
  await page.keyboard.type('Falsches-Passwort-123');
  await page.keyboard.press('Enter');
  await page.getByText(text('de', 'umk_unopenable')).waitFor({ timeout: 30000 });
  assert.deepEqual(posts, [], 'a wrong password sends nothing');
  assert.equal(await page.getByRole('heading', { name: 'Meine Akte' }).count(), 0);
  await axe(page, 'unlock, wrong password', assert);
  // The right one opens the record again, with its documents.
  await page.getByLabel('Passwort', { exact: true }).fill('');
  await page.getByLabel('Passwort', { exact: true }).focus();
  await page.keyboard.type(a.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.getByRole('button', { name: 'Ansehen: laborwerte.txt' }).waitFor({ timeout: 30000 });
  assert.deepEqual(posts, [], 'unlocking logs in nowhere');
  noKeys(await storage(page), a.email, 'after unlocking');

  // 2. At 360 px, in English: the same page; Log out is reached by Tab.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.reload();
  await page.getByRole('heading', { name: 'Entsperren' }).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Menü' }).click(); // the header folds at 360 px
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Unlock' }).waitFor();
  await page.getByLabel('Password', { exact: true }).fill('Wrong-password-4711');
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await page.getByText(text('en', 'umk_unopenable')).waitFor({ timeout: 30000 });
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'nothing wider than 360 px');
  await axe(page, 'unlock in English at 360 px', assert);
  await page.getByRole('button', { name: 'Unlock', exact: true }).focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Log out');
  await page.keyboard.press('Enter');
  await page.getByText('You are logged out.').waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('button', { name: 'Deutsch' }).click();
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.reload();
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: 30000 });
  assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage)), [], 'logged out: no session');

  // 3. A session that ended while the tab was away: the login page.
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  // The server ends it; the tab keeps its cookie and its session entry.
  const cookie = (await ctx.cookies(srv.url)).map((c) => `${c.name}=${c.value}`).join('; ');
  const end = await fetch(srv.url + '/api/v1/sessions/current', { method: 'DELETE', headers: { Cookie: cookie, Origin: new URL(srv.url).origin } });
  assert.equal(end.status, 204, 'the session ended');
  assert.ok((await ctx.cookies(srv.url)).length > 0);
  await page.reload();
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: 30000 });

  // A server that answers the reload with another account: no unlock page
  // (the e-mail selects the Argon2id parameters remembered), the login page.
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.route('**/api/v1/account', async (route) => {
    const resp = await route.fetch();
    route.fulfill({ response: resp, json: { ...(await resp.json()), email: 'other@example.org' } });
  });
  await page.reload();
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: 30000 });
  assert.equal(await page.getByRole('heading', { name: 'Entsperren' }).count(), 0);
  await page.unroute('**/api/v1/account');

  // 4. Unlocked once more, then the profile as Chromium left it on disk:
  // its storage files hold what the page kept (the control: akte.device),
  // which noKeys found free of keys, and no sealed UMK (akte.umk, where the
  // app kept it before).
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 60000 });
  await page.reload();
  await unlock(page, a.password);
  await page.getByRole('button', { name: 'Ansehen: laborwerte.txt' }).waitFor({ timeout: 30000 });
  assert.deepEqual(errors, []);
  await ctx.close();
  closed = true;
  const written = files(profile).filter((f) => /Storage|IndexedDB|Session/.test(f) && statSync(f).size > 0);
  assert.ok(written.length > 0, 'Chromium wrote its storage to the profile');
  assert.ok(written.some((f) => readFileSync(f).includes('akte.device')), 'the profile holds the page\'s storage');
  for (const f of written) assert.ok(!readFileSync(f).includes('akte.umk'), `${f} holds no sealed UMK`);
});
