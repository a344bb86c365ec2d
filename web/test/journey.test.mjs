// The whole journey of a newcomer in a real browser: register (mail from
// the development mailbox page), TOTP, recovery key, upload a PDF and an
// image, view, download identical, search, new version, delete, settings,
// log out — with axe on every page, screenshots at 360 and 1280 px, the
// network log checked for other origins and plaintext, and the CLI
// reading what the browser wrote and the other way round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { startServer, launch, code as nextCode, totpAt, cli, sha256, axe as axeCheck, shot as screenshot, minimalPDF, tempDir, lastMail, says, docAction, uploadFiles, confirmUpload } from './helpers.mjs';

// The first-time journey's figure (issue 12, acceptance; docs/benchmarks.md):
// machine time from the click on "Konto anlegen" to the first described
// document in the list. The test's own work on the way is kept off that
// clock: axe, screenshots, and waiting for an unused TOTP step (the server
// takes each step once; a patient's app shows a fresh code).
let offClock = 0;
const offTheClock = (f) => async (...args) => {
  const t0 = performance.now();
  try {
    return await f(...args);
  } finally {
    offClock += performance.now() - t0;
  }
};
const axe = offTheClock(axeCheck);
const shot = offTheClock(screenshot);
const code = offTheClock(nextCode);

function png(w, h) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + 3 * w);
    for (let x = 0; x < w; x++) row.set([(x * 255) / w, (y * 255) / h, 140], 1 + 3 * x);
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

test('register, upload, view, download, CLI cross-check, log out', async (t) => {
  const srv = await startServer(t);
  const base = srv.url;
  const browser = await launch(t);
  const ctx = await browser.newContext({ acceptDownloads: true, locale: 'de-DE', viewport: { width: 1280, height: 860 } });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await ctx.newPage();
  const requests = [];
  ctx.on('request', (r) => requests.push({ url: r.url(), method: r.method(), body: r.postDataBuffer() }));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

  const email = 'erika@example.org';
  const password = 'Lindenblüte-Morgentau-42';
  const title = 'Befund Lunge Oktober';
  const marker = 'Geheimer-Befundtext-4711';
  const pdf = minimalPDF(marker);
  const image = png(320, 200);

  // Cold first page: how long until the login form is usable, reported (not
  // asserted: a timed test fails on a busy machine; docs/benchmarks.md keeps
  // the figure). Best of two cold loads (fresh contexts, empty caches).
  const cold = [];
  for (let i = 0; i < 2; i++) {
    const c = await browser.newContext({ locale: 'de-DE' });
    const p = await c.newPage();
    const t0 = Date.now();
    await p.goto(base + '/');
    await p.getByLabel('E-Mail-Adresse').fill('erika@example.org');
    cold.push(Date.now() - t0);
    await c.close();
  }
  t.diagnostic(`first page interactive after ${cold.join(' ms, ')} ms (cold cache)`);
  await page.goto(base + '/');
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
  await axe(page, 'login', assert);
  await shot(page, 'login');

  // English and back.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await shot(page, 'login-en');
  await page.getByRole('button', { name: 'Deutsch' }).click();

  // Registration.
  const journeyStart = performance.now();
  offClock = 0;
  await page.getByRole('link', { name: 'Neu hier? Konto anlegen' }).click();
  await page.getByRole('heading', { name: 'Konto anlegen' }).waitFor();
  await page.getByLabel('E-Mail-Adresse').fill(email);
  await page.getByLabel('Krankenversichertennummer (KVNR)').fill('X110411675');
  await page.getByLabel('Geburtsdatum').fill('1980-04-01');
  await page.getByLabel('Passwort', { exact: true }).fill('passwort1234');
  await page.getByText('zu verbreitet').waitFor(); // policy feedback from the Go core
  await page.getByLabel('Passwort', { exact: true }).fill(password);
  await page.getByLabel('Passwort wiederholen').fill(password);
  await page.getByText('Das Passwort erfüllt die Regeln.').waitFor();
  await axe(page, 'register', assert);
  await shot(page, 'register');
  // Making the keys takes seconds: a sentence and a progress bar say so.
  const working = Promise.all([
    page.locator('progress').waitFor({ state: 'attached', timeout: 30000 }),
    page.getByText('Schlüssel werden auf diesem Gerät erzeugt').waitFor({ timeout: 30000 }),
  ]);
  await page.getByLabel('Ich willige in die Verarbeitung meiner Gesundheitsdaten ein.').check();
  await page.getByLabel('Ich habe die Datenschutzhinweise und die Nutzungsbedingungen gelesen.').check();
  await page.getByRole('button', { name: 'Konto anlegen' }).click();
  await working;

  // The confirmation code, read on the mailbox page like a newcomer does.
  await page.getByRole('heading', { name: 'E-Mail-Adresse bestätigen' }).waitFor({ timeout: 30000 });
  const mailbox = await ctx.newPage();
  await mailbox.goto(base + '/#/postfach');
  await mailbox.getByRole('button', { name: /Bestätigen Sie Ihre E-Mail-Adresse/ }).first().click();
  const mailText = await mailbox.getByTestId('mail-text').textContent();
  const mailCode = mailText.match(/Code: (\d{8})/)[1];
  await axe(mailbox, 'mailbox', assert);
  await shot(mailbox, 'mailbox');
  await page.bringToFront();
  await page.getByLabel('Code aus der E-Mail').fill(mailCode);
  await axe(page, 'e-mail confirmation', assert);
  await page.getByRole('button', { name: 'Bestätigen' }).click();

  // The recovery key: shown, downloadable, confirmed by typing two groups.
  await page.getByRole('heading', { name: 'Sicherheitsschlüssel sichern' }).waitFor();
  const groups = await page.locator('.rk-group').evaluateAll((els) => els.map((e) => e.lastChild.textContent.trim()));
  assert.equal(groups.length, 14);
  const recoveryKey = groups.join('-');
  await page.getByText('Niemand sonst kann ihn wiederherstellen').waitFor();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Als Datei speichern' }).click()]);
  const saved = readFileSync(await dl.path(), 'utf8');
  assert.match(saved, new RegExp(recoveryKey));
  assert.ok(saved.includes(email), 'the saved recovery key names the account');
  await page.locator('svg.qr').first().waitFor();
  await axe(page, 'recovery key', assert);
  await shot(page, 'register-recovery-key');
  for (const name of ['rk-group-1', 'rk-group-2']) {
    const input = page.locator(`input[name=${name}]`);
    const label = await page.locator(`label[for=${name}]`).textContent();
    await input.fill(groups[Number(label.match(/\d+/)[0]) - 1].toLowerCase());
  }
  await page.getByRole('button', { name: 'Weiter' }).click();

  // The authenticator, set up last.
  await page.getByRole('heading', { name: 'Zwei-Faktor-Anmeldung einrichten' }).waitFor({ timeout: 30000 });
  const secret = (await page.getByTestId('totp-secret').textContent()).replace(/\s/g, '');
  await page.locator('svg.qr').first().waitFor();
  // On a phone the app is on the same device: a link opens it, a button
  // copies the key.
  const otpauth = await page.getByRole('link', { name: 'In der Authenticator-App öffnen' }).getAttribute('href');
  assert.match(otpauth, new RegExp(`^otpauth://totp/.*[?&]secret=${secret}(&|$)`));
  await page.getByRole('button', { name: 'Schlüssel kopieren' }).click();
  await page.getByText('Kopiert.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await axe(page, 'totp', assert);
  await shot(page, 'register-totp');
  await page.getByLabel('Code aus der App').fill('000000' === totpAt(secret, Math.floor(Date.now() / 30000)) ? '111111' : '000000');
  await page.getByRole('button', { name: 'Akte öffnen' }).click();
  await page.getByText('Der Code stimmt nicht').waitFor();
  // The authenticator's first code is the first login: asked once.
  assert.equal(await page.locator('input[autocomplete=one-time-code]').count(), 1, 'one code is asked');
  await page.getByLabel('Code aus der App').fill(await code(secret));
  await page.getByRole('button', { name: 'Akte öffnen' }).click();

  // The record: upload two files by the picker.
  await page.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await uploadFiles(
    page,
    [
      { name: title + '.pdf', mimeType: 'application/pdf', buffer: pdf },
      { name: 'Röntgenbild Thorax.png', mimeType: 'image/png', buffer: image },
    ],
    (d) => d.getByLabel('Kategorie').selectOption('findings'),
  );
  await page
    .getByRole('button', { name: 'Ansehen: ' + title })
    .waitFor({ timeout: 60000 })
    .catch(async (e) => {
      // Seen once in CI (2026-12-01), not understood yet: what the page said.
      t.diagnostic(`uploads: ${await page.locator('ul.uploads').innerText().catch(() => '-')}`);
      t.diagnostic(`alerts: ${(await page.locator('[role=alert]').allInnerTexts()).join(' | ')}`);
      t.diagnostic(`documents: ${await page.locator('main').innerText().catch(() => '-')}`);
      throw e;
    });
  {
    const wall = (performance.now() - journeyStart) / 1000;
    const off = offClock / 1000;
    t.diagnostic(`first-time journey: registration to the first described document in ${(wall - off).toFixed(1)} s of machine time ` +
      `(${wall.toFixed(1)} s wall, ${off.toFixed(1)} s of it the test's own axe checks, screenshots and TOTP step waits; goal: under 90 s)`);
  }
  await page.getByRole('button', { name: 'Ansehen: Röntgenbild Thorax' }).waitFor();
  // The image and the PDF's first page have thumbnails, made in the page
  // (the PDF's by pdf.js in its workers) and sealed with their metadata
  // (160 px on the long side; A4 is 595 × 842 pt). The PDF's shows the
  // page: white with its dark text.
  const thumb = (name) => page.getByTestId('doc').filter({ has: page.getByRole('button', { name: 'Ansehen: ' + name }) }).locator('img.thumb');
  await thumb('Röntgenbild Thorax').waitFor();
  assert.deepEqual(await thumb('Röntgenbild Thorax').evaluate((i) => [i.complete, i.naturalWidth, i.naturalHeight]), [true, 160, 100]);
  const pdfThumb = await thumb(title).evaluate(async (i) => {
    await i.decode();
    const c = new OffscreenCanvas(i.naturalWidth, i.naturalHeight);
    const g = c.getContext('2d');
    g.drawImage(i, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let dark = 0, white = 0;
    for (let k = 0; k < d.length; k += 4) (d[k] < 128 ? dark++ : d[k] > 240 && white++);
    return { w: i.naturalWidth, h: i.naturalHeight, dark, white };
  });
  assert.equal(pdfThumb.w, 113);
  assert.equal(pdfThumb.h, 160);
  assert.ok(pdfThumb.white > 0.8 * 113 * 160 && pdfThumb.dark > 5, `the PDF's thumbnail shows its page: ${JSON.stringify(pdfThumb)}`);
  await page.getByText(/Speicher: .* von 1,1 GB belegt/).waitFor();
  await axe(page, 'record', assert);
  await shot(page, 'record');

  // Search over the decrypted titles.
  await page.getByLabel('Suche (Titel, Verfasser, Notiz)').fill('röntgen');
  await page.getByRole('button', { name: 'Ansehen: ' + title }).waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('doc').count(), 1);
  await page.getByLabel('Suche (Titel, Verfasser, Notiz)').fill('');

  // View the PDF and the image, decrypted in the page.
  await page.getByRole('button', { name: 'Ansehen: ' + title }).click();
  await page.getByRole('heading', { name: title }).waitFor();
  // A PDF is drawn in the page by pdf.js (browsers without a PDF viewer,
  // such as Android's Chrome, show it too), and opens in the browser's own
  // viewer in a new tab: the app has no frames (a sandboxed one cannot show
  // a PDF; docs/decisions/0010).
  const pdfPage = page.getByRole('img', { name: `${title}, Seite 1 von 1` });
  await pdfPage.waitFor({ timeout: 30000 });
  await page.getByText('Die Seiten werden dargestellt').waitFor({ state: 'detached', timeout: 30000 });
  const inked = await pdfPage.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128 && d[i + 3] > 0) n++;
    return n;
  });
  assert.ok(inked > 100, `the PDF's text is drawn (${inked} dark pixels)`);
  const pdfLink = page.getByRole('link', { name: 'PDF im Browser öffnen (neuer Tab)' });
  assert.match(await pdfLink.getAttribute('href'), /^blob:/);
  assert.equal(await page.locator('iframe').count(), 0);
  await axe(page, 'viewer', assert);
  await shot(page, 'viewer-pdf');
  const [pdfTab] = await Promise.all([ctx.waitForEvent('page'), pdfLink.click()]);
  for (let i = 0; i < 50 && !pdfTab.frames().some((f) => f.url().startsWith('chrome-extension:')); i++) await pdfTab.waitForTimeout(100);
  assert.ok(pdfTab.frames().some((f) => f.url().startsWith('chrome-extension:')), "the browser's PDF viewer shows the document");
  await pdfTab.close();
  const [pdfDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Herunterladen' }).click()]);
  assert.equal(pdfDl.suggestedFilename(), title + '.pdf');
  assert.equal(sha256(readFileSync(await pdfDl.path())), sha256(pdf), 'downloaded PDF is identical');
  await page.getByRole('button', { name: 'Zurück zur Akte' }).click();
  await page.getByRole('button', { name: 'Ansehen: Röntgenbild Thorax' }).click();
  const img = page.locator('img[data-testid=preview]');
  await img.waitFor();
  assert.equal(await img.evaluate((i) => i.complete && i.naturalWidth), 320);
  await shot(page, 'viewer-image');
  await page.getByRole('button', { name: 'Zurück zur Akte' }).click();

  // The CLI on another device reads what the browser wrote.
  const home = tempDir('akte-cli-');
  const env = { AKTE_PASSWORD: password };
  await assert.rejects(cli(base, home, ['login', '--email', email, '--totp', await code(secret, { use: false })], env), says('device_unconfirmed'));
  const link = (await lastMail(base, email, 'Neues Gerät')).text.match(/https?:\/\/\S+/)[0];
  // The link opens a page that shows the device; only the click confirms.
  await mailbox.goto(link);
  await mailbox.getByRole('heading', { name: 'Neues Gerät bestätigen' }).waitFor();
  assert.match(await mailbox.getByTestId('device-name').textContent(), /akte CLI/);
  await axe(mailbox, 'device confirmation', assert);
  await shot(mailbox, 'device-confirm');
  await mailbox.getByRole('button', { name: 'Gerät bestätigen' }).click();
  await mailbox.getByRole('heading', { name: 'Gerät bestätigt' }).waitFor();
  // Opened again, the used link says so.
  await mailbox.reload();
  await mailbox.getByText('bereits verwendet').waitFor();
  await mailbox.close();
  await page.bringToFront();
  await cli(base, home, ['login', '--email', email, '--totp', await code(secret)], env);
  const listed = JSON.parse(await cli(base, home, ['ls', '--json']));
  const pdfItem = listed.find((l) => l.title === title);
  assert.ok(pdfItem, 'the CLI lists the browser upload by its title');
  const out = join(home, 'from-browser.pdf');
  await cli(base, home, ['get', pdfItem.id, '-o', out]);
  assert.equal(sha256(readFileSync(out)), sha256(pdf), 'CLI download of the browser upload is identical');

  // ... and the browser reads what the CLI wrote.
  const letter = Buffer.from('Arztbrief aus der Kommandozeile\n'.repeat(5000));
  writeFileSync(join(home, 'brief.txt'), letter);
  await cli(base, home, ['upload', join(home, 'brief.txt'), '--category', 'letters', '--title', 'Brief von der CLI']);
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await page.getByRole('link', { name: 'Meine Akte' }).click();
  const [cliDl] = await Promise.all([page.waitForEvent('download'), docAction(page, 'Brief von der CLI', 'Herunterladen')]);
  assert.equal(sha256(readFileSync(await cliDl.path())), sha256(letter), 'browser download of the CLI upload is identical');

  // A whole folder by the folder picker, and a file dropped on the page.
  const folder = join(tempDir(), 'Arztbriefe');
  mkdirSync(folder);
  writeFileSync(join(folder, 'Brief Hausarzt.txt'), 'Brief 1');
  writeFileSync(join(folder, 'Brief Kardiologie.txt'), 'Brief 2');
  await uploadFiles(page, folder, undefined, 'folder-input');
  await page.getByRole('button', { name: 'Ansehen: Brief Kardiologie' }).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Ansehen: Brief Hausarzt' }).waitFor();
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    d.items.add(new File(['Notiz zum Termin'], 'Notiz.txt', { type: 'text/plain' }));
    d.items.add(new File(['Zweite Notiz'], 'Notiz 2.txt', { type: 'text/plain' }));
    return d;
  });
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: dt });
  await confirmUpload(page);
  await page.getByRole('button', { name: 'Ansehen: Notiz 2' }).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Ansehen: Notiz', exact: true }).waitFor();

  // A new version, then delete the image with confirmation.
  const pdf2 = minimalPDF(marker + ' korrigiert');
  await docAction(page, title, 'Neuere Fassung hochladen');
  await uploadFiles(page, { name: title + '.pdf', mimeType: 'application/pdf', buffer: pdf2 });
  await page.getByText('Fassung 2').waitFor({ timeout: 30000 });
  await docAction(page, 'Röntgenbild Thorax', 'Löschen');
  await page.getByRole('alertdialog').waitFor();
  await axe(page, 'delete confirmation', assert);
  await page.getByRole('button', { name: 'Endgültig löschen' }).click();
  await page.getByRole('button', { name: 'Ansehen: Röntgenbild Thorax' }).waitFor({ state: 'detached' });

  // Settings: the recovery key again, sessions and devices.
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await page.getByRole('heading', { name: 'Einstellungen' }).waitFor();
  // The account's data as registered.
  const facts = await page.getByTestId('account-facts').innerText();
  for (const want of [email, 'X110411675', '01.04.1980']) assert.ok(facts.includes(want), `settings show ${want}: ${facts}`);
  // Only with the password (a session left open does not give it away).
  await page.getByLabel('Passwort', { exact: true }).fill(password + 'x');
  await page.getByRole('button', { name: 'Sicherheitsschlüssel anzeigen' }).click();
  await page.getByText('Das Passwort ist falsch.').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('.rk-group').count(), 0);
  await page.getByLabel('Passwort', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sicherheitsschlüssel anzeigen' }).click();
  await page.locator('.rk-group').first().waitFor({ timeout: 30000 });
  const again = await page.locator('.rk-group').evaluateAll((els) => els.map((e) => e.lastChild.textContent.trim()).join('-'));
  assert.equal(again, recoveryKey);
  await page.getByText('(diese Sitzung)').waitFor();
  await axe(page, 'settings', assert);
  await shot(page, 'settings');

  // The account's language, kept with the account (decision 0031): the
  // page speaks it at once, and the password change below is mailed in it.
  assert.ok(await page.getByRole('radio', { name: 'Deutsch' }).isChecked(), 'the page registered the account in German');
  await page.getByRole('radio', { name: 'English' }).check();
  await page.getByText('Saved.').waitFor();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  assert.equal((await page.evaluate(() => fetch('/api/v1/account').then((r) => r.json()))).lang, 'en');

  // Change the password: the data stays readable, other sessions end.
  const newPassword = 'Ahornblatt-Abendstern-31';
  await page.getByLabel('Current password').fill(password);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat password').fill(newPassword);
  await page.locator('form', { has: page.getByLabel('Current password') }).getByLabel('Code from the authenticator app').fill(await code(secret));
  await page.getByRole('button', { name: 'Change password', exact: true }).click();
  await page.getByText('Password changed.').waitFor({ timeout: 30000 });
  await lastMail(base, email, 'Your password was changed');
  await assert.rejects(cli(base, home, ['whoami']), says('unauthenticated'), 'the CLI session ended with the password change');

  // Log out: the session cookie no longer works.
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByText('You are logged out.').waitFor();
  assert.equal(await page.evaluate(() => fetch('/api/v1/account').then((r) => r.status)), 401);

  // The network log: nothing to another origin, no plaintext or title in
  // any request body.
  const origin = new URL(base).origin;
  // (chrome:// and chrome-extension:// are the browser's own PDF viewer,
  // loaded from inside the browser, not from a network.)
  const foreign = requests.filter((r) => /^(https?|wss?|ftp):/.test(r.url) && !r.url.startsWith(origin + '/'));
  assert.deepEqual(foreign.map((r) => r.url), []);
  const puts = requests.filter((r) => r.method === 'PUT');
  assert.ok(puts.length >= 3, 'chunks were sent');
  for (const r of requests) {
    if (!r.body) continue;
    for (const secret of [marker, title, 'Röntgenbild', 'Thorax', 'Kardiologie', 'Notiz zum Termin', password, newPassword]) {
      assert.ok(!r.body.includes(Buffer.from(secret)), `${r.method} ${r.url} carries "${secret}" in plaintext`);
    }
    assert.ok(!r.body.includes(pdf.subarray(0, 200)), `${r.method} ${r.url} carries the PDF`);
  }
  assert.deepEqual(errors.filter((e) => !/401|Unauthorized/.test(e)), []);
});
