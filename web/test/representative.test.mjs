// Representatives in the web app (issue 14, items 6 and 7; decision 0036):
// the patient names a representative in the settings; the representative,
// in a second browser in English, accepts with its KVNR (another is
// refused) and reads out its key's fingerprint; the patient compares it
// and hands over the record key (a wrong fingerprint hands over nothing);
// the representative switches to the patient's record and reads the
// document there. An emergency representative requests access in the
// page, the patient refuses it in the settings. German and English,
// axe-clean at 360 and 1280 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, cli, axe, confirmDevice, shot, tempDir } from './helpers.mjs';

const bobKVNR = 'K220635158';
const carolKVNR = 'X110407071';

async function loggedIn(browser, srv, a, locale, heading, subject = 'Neues Gerät') {
  const ctx = await browser.newContext({ locale, viewport: { width: 1280, height: 860 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, srv.url, a, await code(a.secret, { use: false }));
  await page.getByText(/Neues Gerät|New device/).waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email, subject);
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: heading }).waitFor({ timeout: 60000 });
  return { page, errors };
}

test('a patient names a representative, hands over the key, the representative switches to the record', async (t) => {
  const srv = await startServer(t);
  const alice = await account(srv.url, 'alice-rep@example.org');
  const bob = await account(srv.url, 'bob-rep@example.org', 'Lindenblüte-Morgentau-42', bobKVNR);
  await cli(srv.url, alice.home, ['login', '--email', alice.email, '--totp', await code(alice.secret)], alice.env);
  await cli(srv.url, bob.home, ['login', '--email', bob.email, '--totp', await code(bob.secret)], bob.env);
  const doc = join(tempDir(), 'blutbild.txt');
  writeFileSync(doc, 'Hb 14,1');
  await cli(srv.url, alice.home, ['upload', doc, '--category', 'findings', '--title', 'Blutbild Alice'], alice.env);
  const rid = JSON.parse(await cli(srv.url, alice.home, ['records', '--json'], alice.env))[0].record_id;

  const browser = await launch(t);
  const { page, errors } = await loggedIn(browser, srv, alice, 'de-DE', 'Meine Akte');
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  const section = page.getByTestId('representatives');
  await section.getByRole('heading', { name: 'Vertretungen' }).waitFor({ timeout: 30000 });
  await section.getByText('Sie haben noch keine Vertretung benannt.').waitFor({ timeout: 30000 });
  await section.getByLabel('E-Mail-Adresse der Vertretung').fill(bob.email);
  await section.getByLabel('KVNR der Vertretung').fill(bobKVNR);
  await section.getByRole('button', { name: 'Vertretung benennen' }).click();
  await section.getByText(`${bob.email} ist als Vertretung benannt`).waitFor({ timeout: 30000 });
  await section.getByTestId('representative-list').getByText(/wartet auf Annahme/).waitFor();
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(page, `representatives, named, at ${w} px`, assert);
  }

  // Bob, whose account speaks English (the app takes it at the login),
  // accepts with his KVNR and reads out his key's fingerprint.
  await cli(srv.url, bob.home, ['language', 'en'], bob.env);
  const b = await loggedIn(browser, srv, bob, 'de-DE', 'My record', 'new device');
  const invitation = b.page.getByTestId('representation');
  await invitation.getByText(`${alice.email} named you representative.`).waitFor({ timeout: 30000 });
  for (const w of [360, 1280]) {
    await b.page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(b.page, `invitation at ${w} px`, assert);
  }
  await invitation.getByLabel('Your KVNR to confirm').fill(carolKVNR);
  await invitation.getByRole('button', { name: 'Accept' }).click();
  await invitation.getByRole('alert').filter({ hasText: 'The KVNR does not match' }).waitFor({ timeout: 30000 });
  await invitation.getByLabel('Your KVNR to confirm').fill(bobKVNR);
  await invitation.getByRole('button', { name: 'Accept' }).click();
  await b.page.getByTestId('own-fingerprint').waitFor({ timeout: 30000 });
  const accepted = { key_fingerprint: await b.page.getByTestId('own-fingerprint').textContent() };
  assert.match(accepted.key_fingerprint, /^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
  await page.getByRole('link', { name: 'Meine Akte' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor();
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await section.getByTestId('fingerprint').waitFor({ timeout: 30000 });
  assert.equal(await section.getByTestId('fingerprint').textContent(), accepted.key_fingerprint, 'the page shows the key the representative has');
  const fp = section.getByLabel(`Fingerabdruck, den ${bob.email} Ihnen selbst nennt`);
  await fp.fill('0000 0000 0000 0000 0000 0000 0000 0000');
  await section.getByRole('button', { name: 'Vergleichen und Schlüssel übergeben' }).click();
  await section.getByRole('alert').filter({ hasText: 'Der Fingerabdruck stimmt nicht überein' }).waitFor({ timeout: 30000 });
  await axe(page, 'representatives, fingerprint to compare', assert);
  await shot(page, 'representatives-settings');
  await fp.fill(accepted.key_fingerprint.toUpperCase());
  await section.getByRole('button', { name: 'Vergleichen und Schlüssel übergeben' }).click();
  await section.getByText(`Schlüssel an ${bob.email} übergeben.`).waitFor({ timeout: 30000 });
  await section.getByTestId('representative-list').getByText(/· aktiv/).waitFor();

  // Bob switches to Alice's record and reads the document.
  const choice = b.page.getByLabel('Record', { exact: true });
  await choice.waitFor({ timeout: 30000 });
  for (const w of [360, 1280]) {
    await b.page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(b.page, `record switcher at ${w} px`, assert);
  }
  await choice.selectOption({ label: `Record of ${alice.email} (representative)` });
  await b.page.getByRole('heading', { name: `Record of ${alice.email}` }).waitFor({ timeout: 30000 });
  await b.page.getByRole('button', { name: 'View: Blutbild Alice' }).waitFor({ timeout: 60000 });
  await axe(b.page, 'a represented record', assert);
  await shot(b.page, 'representatives-switch');
  // Back to his own record, which is empty.
  await choice.selectOption({ label: 'My record' });
  await b.page.getByRole('heading', { name: 'My record' }).waitFor({ timeout: 30000 });
  await b.page.getByRole('button', { name: 'View: Blutbild Alice' }).waitFor({ state: 'detached', timeout: 30000 });

  // An emergency representative requests access in the page; the
  // patient refuses it in the settings.
  const carol = await account(srv.url, 'carol-rep@example.org', 'Lindenblüte-Morgentau-42', carolKVNR);
  await cli(srv.url, carol.home, ['login', '--email', carol.email, '--totp', await code(carol.secret)], carol.env);
  await cli(srv.url, alice.home, ['representative', 'add', '--email', carol.email, '--kvnr', carolKVNR, '--emergency-wait', '3'], alice.env);
  await cli(srv.url, carol.home, ['--record', rid, 'representative', 'accept', '--kvnr', carolKVNR], carol.env);
  const c = await loggedIn(browser, srv, carol, 'de-DE', 'Meine Akte');
  const emergency = c.page.getByTestId('representation');
  await emergency.getByText(`Sie sind Notfall-Vertretung von ${alice.email}.`).waitFor({ timeout: 30000 });
  await axe(c.page, 'an emergency representative before the request', assert);
  await emergency.getByRole('button', { name: 'Notfallzugriff beantragen' }).click();
  await emergency.getByText(new RegExp(`Notfallzugriff auf die Akte von ${alice.email} öffnet sich am`)).waitFor({ timeout: 30000 });
  await page.getByRole('link', { name: 'Meine Akte' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor();
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await section.getByTestId('representative-list').getByText(/Notfallzugriff beantragt, öffnet am/).waitFor({ timeout: 30000 });
  await axe(page, 'representatives with a request', assert);
  await section.getByRole('button', { name: `Notfallzugriff von ${carol.email} ablehnen` }).click();
  await section.getByText(`Notfallzugriff von ${carol.email} abgelehnt.`).waitFor({ timeout: 30000 });
  // The list is read again after the answer: the request's button goes.
  await section.getByRole('button', { name: `Notfallzugriff von ${carol.email} ablehnen` }).waitFor({ state: 'detached', timeout: 30000 });
  assert.deepEqual([...errors, ...b.errors, ...c.errors], [], 'no page errors');
});
