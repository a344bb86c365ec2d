// Apps and the inbox in the web app (issue 15, items 4, 6 and 8;
// decision 0043): the patient connects a health app after its consent
// screen, which shows the record's fingerprint; the app (the CLI with its
// credential) pushes a PDF sealed to the record key it verified with that
// fingerprint; the page shows it in the inbox and opens it like the
// patient's own; at the next login the page files it under the category
// key (the inbox is empty, the CLI sees the item under a category key);
// disconnected, the app adds nothing more. German and English, axe-clean
// at 360 and 1280 px, keyboard only for connecting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, account, login, code, cli, axe, confirmDevice, shot, tempDir, minimalPDF } from './helpers.mjs';

async function loggedIn(ctx, srv, a, heading, first) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (first) {
    await login(page, srv.url, a, await code(a.secret, { use: false }));
    await page.getByText(/Neues Gerät|New device/).waitFor({ timeout: 60000 });
    await confirmDevice(srv.url, a.email);
  }
  await login(page, srv.url, a, await code(a.secret));
  await page.getByRole('heading', { name: heading }).waitFor({ timeout: 60000 });
  return { page, errors };
}

test('a patient connects an app, sees its push in the inbox, and it is filed at the next login', async (t) => {
  const srv = await startServer(t);
  const alice = await account(srv.url, 'alice-apps@example.org');
  const reg = JSON.parse(await cli(srv.url, tempDir(), ['admin', 'app', 'register', '--name', 'Zucker-Tagebuch', '--data', srv.data, '--operator', 'test', '--json']));
  const appHome = tempDir();
  const appEnv = { AKTE_CREDENTIAL: reg.credential };

  const browser = await launch(t);
  const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 860 } });
  const { page, errors } = await loggedIn(ctx, srv, alice, 'Meine Akte', true);
  await page.getByRole('link', { name: 'Apps und Eingang' }).click();
  await page.getByRole('heading', { name: 'Apps und Eingang' }).waitFor({ timeout: 30000 });
  const row = page.locator(`[data-app="${reg.id}"]`);
  await row.waitFor({ timeout: 30000 });
  assert.equal(await row.getAttribute('data-connected'), 'false');
  await page.getByTestId('inbox-empty').waitFor();

  // Connecting by keyboard: the button, then the consent screen.
  await row.getByRole('button', { name: 'Zucker-Tagebuch verbinden' }).focus();
  await page.keyboard.press('Enter');
  const consent = page.getByTestId('app-consent');
  await consent.getByText('Darf nicht: etwas lesen oder auflisten').waitFor();
  const fingerprint = (await consent.getByTestId('record-fingerprint').textContent()).trim();
  const rid = (await consent.getByTestId('record-id').textContent()).trim();
  assert.match(fingerprint, /^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(page, `app consent at ${w} px`, assert);
  }
  await shot(page, 'apps-consent');
  await consent.getByRole('button', { name: 'Verbinden', exact: true }).focus();
  await page.keyboard.press('Enter');
  await page.getByText('Zucker-Tagebuch ist verbunden.').waitFor({ timeout: 30000 });
  await page.locator(`[data-app="${reg.id}"][data-connected="true"]`).waitFor({ timeout: 30000 });

  // The app pushes a PDF, sealed to the key with the fingerprint the page
  // showed; it waits in the inbox and opens like one's own document.
  const pdf = join(tempDir(), 'bericht.pdf');
  writeFileSync(pdf, minimalPDF('Glukose 104'));
  await cli(srv.url, appHome, ['push', pdf, '--record', rid, '--fingerprint', fingerprint, '--title', 'Wochenbericht'], appEnv);
  await page.getByRole('link', { name: 'Meine Akte' }).click();
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor();
  await page.getByRole('link', { name: 'Apps und Eingang' }).click();
  const inbox = page.getByTestId('inbox');
  await inbox.getByRole('link', { name: 'Wochenbericht' }).waitFor({ timeout: 30000 });
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    await axe(page, `apps and inbox at ${w} px`, assert);
  }
  await shot(page, 'apps-inbox');
  // In English.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Apps and inbox' }).waitFor();
  await page.getByTestId('inbox').getByText('App data (DiGA)').waitFor();
  await page.getByRole('button', { name: 'Deutsch' }).click();
  await page.getByTestId('inbox').getByRole('link', { name: 'Wochenbericht' }).click();
  await page.getByRole('heading', { name: 'Wochenbericht' }).waitFor({ timeout: 30000 });

  // The next login files it: the inbox is empty, the item is under a
  // category key.
  await ctx.close();
  const ctx2 = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 740 } });
  const again = await loggedIn(ctx2, srv, alice, 'Meine Akte', true); // a new browser is a new device
  await again.page.getByText('Wochenbericht').first().waitFor({ timeout: 30000 });
  await again.page.getByRole('button', { name: 'Menü' }).click();
  await again.page.getByRole('link', { name: 'Apps und Eingang' }).click();
  await again.page.getByTestId('inbox-empty').waitFor({ timeout: 30000 });
  await cli(srv.url, alice.home, ['login', '--email', alice.email, '--totp', await code(alice.secret)], alice.env);
  const events = JSON.parse(await cli(srv.url, alice.home, ['audit', '--json'], alice.env));
  assert.ok(events.some((e) => e.operation === 'item.file'), 'the filing is in the protocol');
  assert.ok(events.some((e) => e.operation === 'app.push' && e.actor_role === 'app'), 'the push is in the protocol');

  // Disconnected, the app adds nothing.
  await again.page.getByRole('button', { name: 'Zucker-Tagebuch trennen' }).click();
  await again.page.getByText('Zucker-Tagebuch ist getrennt.').waitFor({ timeout: 30000 });
  await assert.rejects(cli(srv.url, appHome, ['push', pdf, '--record', rid], appEnv));
  assert.deepEqual([...errors, ...again.errors], []);
});
