// Every error the page can reach is said in the app's language only, from
// the catalogues the server and the CLI share: the English app triggers a
// short password and an invalid KVNR (the Go core's refusals, at their
// fields),
// a wrong code from the e-mail, a wrong TOTP code and a document over the
// quota, and shows each catalogue text exactly and no text of German; the
// German app the same the other way round. The account's mails follow the
// language the page registered it in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import de from '../../catalog/de.json' with { type: 'json' };
import en from '../../catalog/en.json' with { type: 'json' };
import { text } from '../src/catalog.js';
import { startServer, launch, account, cli, code, lastMail, confirmDevice, axe, uploadFiles } from './helpers.mjs';

const ui = {
  de: {
    locale: 'de-DE', email: 'E-Mail-Adresse', kvnr: 'Krankenversichertennummer (KVNR)', birth: 'Geburtsdatum', password: 'Passwort',
    repeat: 'Passwort wiederholen', createTitle: 'Konto anlegen', create: 'Konto anlegen', mailCode: 'Code aus der E-Mail',
    confirm: 'Bestätigen', totp: 'Code aus der Authenticator-App', login: 'Anmelden', record: 'Meine Akte', newDevice: 'Neues Gerät',
    codeMail: 'Bestätigen Sie Ihre E-Mail-Adresse', failed: 'fehlgeschlagen: ',
  },
  en: {
    locale: 'en-GB', email: 'E-mail address', kvnr: 'Health insurance number (KVNR)', birth: 'Date of birth', password: 'Password',
    repeat: 'Repeat password', createTitle: 'Create an account', create: 'Create account', mailCode: 'Code from the e-mail',
    confirm: 'Confirm', totp: 'Code from the authenticator app', login: 'Log in', record: 'My record', newDevice: 'New device',
    codeMail: 'Confirm your e-mail address', failed: 'failed: ',
  },
};

// The other language's texts, up to their first parameter: none may show.
const foreign = (lang) =>
  Object.values(lang === 'en' ? de : en)
    .map((s) => s.split('{')[0])
    .filter((s) => s.length >= 12);

async function onlyIn(page, lang, what) {
  const body = await page.locator('main').innerText();
  for (const s of foreign(lang)) assert.ok(!body.includes(s), `${lang} app, ${what}: shows "${s}"`);
}

// alertSays waits until the form's alert shows exactly the reason's text.
async function alertSays(page, lang, reason, params, what) {
  const want = text(lang, reason, params);
  const alert = page.locator('[role=alert].alert');
  await alert.filter({ hasText: want }).waitFor({ timeout: 60000 });
  assert.equal((await alert.innerText()).trim(), want, what);
  await onlyIn(page, lang, what);
}

for (const lang of ['en', 'de']) {
  test(`the ${lang === 'en' ? 'English' : 'German'} app says every error in its language only`, async (t) => {
    const l = ui[lang];
    const quota = 1 << 20;
    const srv = await startServer(t, ['--quota', '1MiB']);
    const browser = await launch(t);
    const ctx = await browser.newContext({ locale: l.locale });
    await ctx.addInitScript((x) => localStorage.setItem('akte.lang', x), lang);
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const email = `fehler-${lang}@example.org`;
    const password = 'Lindenblüte-Morgentau-42';

    // Registration: a password the Go core refuses, at the field.
    await page.goto(srv.url + '/#/registrieren');
    await page.getByRole('heading', { name: l.createTitle }).waitFor();
    await page.getByLabel(l.email).fill(email);
    await page.getByLabel(l.kvnr).fill('A123456789');
    await page.getByLabel(l.birth).fill('1980-04-01');
    await page.getByLabel(l.password, { exact: true }).fill('kurz123');
    await t.test('a short password', async () => {
      const short = text(lang, 'password_too_short', { min: 12, got: 7 });
      await page.locator('p.error').filter({ hasText: short }).waitFor({ timeout: 5000 });
      assert.equal((await page.locator('p.error').innerText()).trim(), short);
      await onlyIn(page, lang, 'short password');
    });

    // A KVNR with a wrong check digit, refused by the Go core at its field
    // before any key is made (the server refuses it too: the CLI's tests).
    await page.getByLabel(l.password, { exact: true }).fill(password);
    await page.getByLabel(l.repeat).fill(password);
    await page.getByLabel(/^ ?(Ich willige|I consent)/).check();
    await page.getByLabel(/^ ?(Ich habe die Datenschutzhinweise|I have read the privacy notice)/).check();
    await page.getByRole('button', { name: l.create }).click();
    const kvnrErr = page.locator('p.error').filter({ hasText: text(lang, 'kvnr_invalid') });
    await kvnrErr.waitFor({ timeout: 60000 });
    assert.equal((await kvnrErr.innerText()).trim(), text(lang, 'kvnr_invalid'));
    assert.equal(await page.getByLabel(l.kvnr).getAttribute('aria-invalid'), 'true', 'the field says it is invalid');
    await onlyIn(page, lang, 'invalid KVNR');
    await axe(page, `${lang} registration error`, assert);

    // The right KVNR; then a wrong code from the e-mail.
    await page.getByLabel(l.kvnr).fill('X110411675');
    await page.getByRole('button', { name: l.create }).click();
    await page.getByLabel(l.mailCode).fill('00000000', { timeout: 60000 });
    await page.getByRole('button', { name: l.confirm, exact: true }).click();
    await alertSays(page, lang, 'code_wrong', null, 'wrong e-mail code');
    // The mail is in the language the page registered the account in.
    const mail = await lastMail(srv.url, email, l.codeMail);
    assert.match(mail.text, lang === 'en' ? /^Hello,/ : /^Guten Tag,/);

    // A wrong TOTP code at login (an account made with the CLI, which
    // registers in German; an English patient's account speaks English:
    // after the login the app speaks the account's language, decision 0031).
    const a = await account(srv.url, `cli-${lang}@example.org`);
    if (lang === 'en') {
      await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
      await cli(srv.url, a.home, ['language', 'en']);
    }
    await page.goto(srv.url + '/#/anmelden');
    await page.getByLabel(l.email).fill(a.email);
    await page.getByLabel(l.password, { exact: true }).fill(a.password);
    const right = await code(a.secret, { use: false });
    await page.getByLabel(l.totp).fill(right === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: l.login, exact: true }).click();
    await alertSays(page, lang, 'login_failed', null, 'wrong TOTP code');

    // A document over the quota.
    await page.getByLabel(l.totp).fill(await code(a.secret, { use: false }));
    await page.getByRole('button', { name: l.login, exact: true }).click();
    await page.getByText(l.newDevice).waitFor({ timeout: 30000 });
    await confirmDevice(srv.url, a.email, lang === 'en' ? 'Confirm a new device' : 'Neues Gerät');
    await page.getByLabel(l.totp).fill(await code(a.secret));
    await page.getByRole('button', { name: l.login, exact: true }).click();
    await page.getByRole('heading', { name: l.record }).waitFor({ timeout: 30000 });
    await uploadFiles(page, { name: 'scan.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1_500_000, 7) });
    // The size is the ciphertext's, which the page computed.
    const [before, after] = text(lang, 'quota_exceeded', { left: quota }).split('{size:bytes}');
    const state = page.locator('.uploads .state');
    await state.filter({ hasText: before }).waitFor({ timeout: 30000 });
    const said = (await state.innerText()).trim();
    assert.ok(said.startsWith(l.failed + before) && said.endsWith(after), `over the quota: ${said}`);
    assert.match(said.slice((l.failed + before).length, said.length - after.length), lang === 'en' ? /^1\.5 MB$/ : /^1,5 MB$/);
    await onlyIn(page, lang, 'over the quota');
    assert.deepEqual(errors, []);
  });
}
