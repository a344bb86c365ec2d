// The "Protokoll" page (issue 13): the record's protocol, verified on load
// in the browser by the audit package's Go code (cmd/akte-audit-wasm),
// newest first with filters by actor, operation, result and time; the
// start page's last five logins; and the visible mark when the server's
// database was tampered with: an edited row, a deleted row, a rollback to
// an older copy (the browser's kept checkpoint catches it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, axe, shot, confirmDevice, uploadFiles, tempDir, says } from './helpers.mjs';

// sql runs statements on the server's SQLite database while it runs, as
// cmd/akte's TestAuditTamper does (sqlite3 waits for the server's locks).
const sql = (srv, ...stmts) => execFileSync('sqlite3', ['-cmd', '.timeout 30000', join(srv.data, 'akte.db'), stmts.join(';\n') + ';']);

// loggedIn logs a account in through the page in a fresh browser context
// (its own IndexedDB): the first login from the new device is refused until
// the mailed link confirms it, so the protocol holds a failed login too.
async function loggedIn(t, browser, srv, a) {
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 860 } });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText('Neues Gerät').waitFor({ timeout: 30000 });
  await confirmDevice(srv.url, a.email);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  const id = await page.evaluate(() => fetch('/api/v1/account').then((r) => r.json()).then((j) => j.account_id));
  return { page, id, log: `'record/${id}'` };
}

// openProtocol opens the page from the navigation and waits for its
// verification's outcome.
async function openProtocol(page) {
  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Protokoll' }).click();
  await page.getByRole('heading', { name: 'Protokoll', level: 1 }).waitFor();
  await page.locator('[data-testid=protocol-verified], [data-testid=protocol-failed]').first().waitFor({ timeout: 60000 });
}

async function verifiedAgain(page) {
  await page.getByRole('button', { name: 'Erneut prüfen' }).click();
  await page.locator('[data-testid=protocol-verified], [data-testid=protocol-failed]').first().waitFor({ timeout: 60000 });
}

const failedWith = async (page, reason) => {
  const mark = page.getByTestId('protocol-failed');
  await mark.waitFor({ timeout: 60000 });
  assert.equal(await mark.getAttribute('data-reason'), reason);
  assert.equal(await mark.getAttribute('role'), 'alert');
  assert.match(await mark.innerText(), says(reason));
  assert.equal(await page.getByTestId('event').count(), 0, 'events shown although the verification failed');
};

test('the protocol page lists the verified events with filters, and the start page the last logins', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'protokoll@example.org');
  const browser = await launch(t);
  const { page } = await loggedIn(t, browser, srv, a);

  // The start page: the last logins, the refused one from the new device
  // visible.
  const logins = page.getByTestId('last-logins');
  await logins.getByTestId('login').first().waitFor({ timeout: 60000 });
  const results = await logins.getByTestId('login').evaluateAll((els) => els.map((e) => e.dataset.result));
  assert.deepEqual(results, ['ok', 'denied'], 'newest first: the login, then the refused one');
  await logins.getByText('fehlgeschlagen').waitFor();

  const dir = tempDir();
  writeFileSync(join(dir, 'befund.txt'), 'Blutbild\n');
  await uploadFiles(page, [join(dir, 'befund.txt')]);
  await page.getByTestId('doc').first().waitFor({ timeout: 30000 });

  await openProtocol(page);
  await page.getByTestId('protocol-verified').waitFor();
  const ops = () => page.getByTestId('event').evaluateAll((els) => els.map((e) => e.dataset.operation + ':' + e.dataset.result));
  const all = await ops();
  for (const want of ['item.upload:ok', 'session.login:ok', 'session.login:denied', 'account.register:ok', 'record.read:ok']) {
    assert.ok(all.includes(want), `${want} in ${all}`);
  }
  // Newest first: the upload after the logins.
  assert.ok(all.indexOf('item.upload:ok') < all.indexOf('session.login:ok'));
  const first = page.getByTestId('event').filter({ hasText: 'Dokument hochgeladen' });
  await first.getByText('DOC-03').waitFor();
  await first.getByText(/^item:/).waitFor();
  await first.getByText('Sie (Patient/in)').waitFor();

  // Filters: result, operation, actor, time; kept in the address.
  await page.getByLabel('Ergebnis').selectOption('denied');
  await page.waitForURL(/ergebnis=denied/);
  assert.deepEqual([...new Set(await ops())], ['session.login:denied']);
  await page.getByLabel('Ergebnis').selectOption('');
  await page.getByLabel('Was').selectOption({ label: 'Dokument hochgeladen' });
  assert.deepEqual(await ops(), ['item.upload:ok']);
  await page.getByLabel('Was').selectOption('');
  await page.getByLabel('Wer').selectOption({ index: 1 });
  const byActor = await page.getByTestId('event').count();
  assert.ok(byActor > 0 && byActor < all.length, `actor filter: ${byActor} of ${all.length}`);
  await page.getByRole('button', { name: 'Filter zurücksetzen' }).click();
  await page.getByLabel('Bis (Datum)').fill('2000-01-01');
  await page.getByText('0 von').waitFor();
  await page.getByLabel('Bis (Datum)').fill('');
  await page.getByLabel('Von (Datum)').fill('2000-01-01');
  assert.equal(await page.getByTestId('event').count(), all.length);

  // Back and Forward: the filtered protocol comes back as it was.
  await page.getByLabel('Von (Datum)').fill('');
  await page.getByLabel('Ergebnis').selectOption('denied');
  await page.getByRole('link', { name: 'Meine Akte' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor();
  // The first login from the new device raised an alarm: the start page
  // tells it (besides the mail), from the protocol just verified.
  assert.ok(all.includes('alarm.raise:ok'), `alarm.raise in ${all}`);
  const notice = page.getByTestId('security-notices').getByTestId('notice');
  await notice.first().waitFor({ timeout: 30000 });
  assert.equal(await notice.first().getAttribute('data-kind'), 'new_device');
  assert.match(await notice.first().innerText(), /Anmeldung von einem neuen Gerät/);
  await axe(page, 'start page with a security notice', assert);
  await page.goBack();
  await page.getByTestId('protocol-verified').waitFor({ timeout: 60000 });
  assert.match(page.url(), /\/protokoll\?ergebnis=denied$/);
  assert.deepEqual([...new Set(await ops())], ['session.login:denied']);
  await page.goForward();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor();
  await page.goBack();
  await page.getByTestId('protocol-verified').waitFor({ timeout: 60000 });

  // Keyboard and screen readers, 1280 and 360 px, German and English.
  await axe(page, 'protocol', assert);
  await shot(page, 'protocol');
  await page.setViewportSize({ width: 360, height: 740 });
  await axe(page, 'protocol at 360 px', assert);
  await page.getByRole('button', { name: 'Menü' }).click();
  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Protokoll' }).waitFor();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Protocol', level: 1 }).waitFor();
  await page.getByLabel('Result').waitFor();
  await page.getByTestId('event').getByText('Login', { exact: true }).first().waitFor();
  await axe(page, 'protocol in English at 360 px', assert);
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.getByRole('button', { name: 'Deutsch' }).click();

  // About 1,000 events, verified in the page's worker: the figure.
  await page.getByRole('button', { name: 'Filter zurücksetzen' }).click();
  await page.evaluate(async () => {
    const one = () => fetch('/api/v1/account').then((r) => r.text());
    for (let i = 0; i < 100; i++) await Promise.all(Array.from({ length: 10 }, one));
  });
  const v = page.getByTestId('protocol-verified');
  let size;
  for (const when of ['first', 'second']) {
    await verifiedAgain(page);
    size = Number(await v.getAttribute('data-size'));
    const [ms, checks, convert] = await Promise.all(['data-ms', 'data-verify-ms', 'data-convert-ms'].map(async (a) => Number(await v.getAttribute(a))));
    t.diagnostic(`${when} read: verified ${size} events in ${ms} ms in the page's worker (checks ${checks} ms, events to JavaScript ${convert} ms)`);
  }
  assert.ok(size >= 1000, `size ${size}`);
  assert.equal(await page.getByTestId('event').count(), 100, 'the first hundred shown');
  await page.getByRole('button', { name: 'Weitere 100 anzeigen' }).click();
  assert.equal(await page.getByTestId('event').count(), 200);
});

test('a tampered protocol shows its mark: an edited row, a deleted row, a rollback', async (t) => {
  const srv = await startServer(t);
  const browser = await launch(t);
  const patient = async (n) => {
    const a = await account(srv.url, `manipuliert${n}@example.org`, undefined, ['X110411675', 'A123456780', 'C100000007'][n]);
    const p = await loggedIn(t, browser, srv, a);
    await openProtocol(p.page);
    await p.page.getByTestId('protocol-verified').waitFor();
    return p;
  };

  // An event edited in the database.
  let { page, log } = await patient(0);
  sql(srv, `UPDATE events SET object = 'item:forged' WHERE log = ${log} AND idx = 1`);
  await verifiedAgain(page);
  await failedWith(page, 'event_altered');
  await axe(page, 'protocol failed', assert);
  await shot(page, 'protocol-failed');
  // The start page shows the mark too.
  await page.getByRole('link', { name: 'Meine Akte' }).click();
  await page.getByTestId('last-logins').getByTestId('protocol-failed').waitFor();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByTestId('last-logins').getByText('The protocol failed verification.').waitFor();

  // An event deleted.
  ({ page, log } = await patient(1));
  sql(srv, `DELETE FROM events WHERE log = ${log} AND idx = 2`);
  await verifiedAgain(page);
  await failedWith(page, 'event_missing');

  // The database rolled back to an older copy of its protocol tables,
  // after this browser verified a newer state.
  ({ page, log } = await patient(2));
  const tables = ['events', 'audit_logs', 'audit_hashes'];
  sql(srv, ...tables.map((tb) => `CREATE TABLE bak_${tb} AS SELECT * FROM ${tb}`));
  for (let i = 0; i < 3; i++) {
    await page.getByRole('link', { name: 'Meine Akte' }).click();
    await page.getByRole('heading', { name: 'Meine Akte' }).waitFor();
    await openProtocol(page);
    await page.getByTestId('protocol-verified').waitFor();
  }
  sql(srv, ...tables.flatMap((tb) => [`DELETE FROM ${tb}`, `INSERT INTO ${tb} SELECT * FROM bak_${tb}`]));
  await verifiedAgain(page);
  await failedWith(page, 'checkpoint_rollback');
});
