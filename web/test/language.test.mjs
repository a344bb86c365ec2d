// The language is kept with the account (issue 12, item 8; decision
// 0029): switched in the web app, it is the account's (its mails' too),
// and the app speaks it after a login on any device; a stale language of
// one browser gives way to the account's, while a switch made before the
// login in the same tab is the newer choice and goes to the account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, account, login, code, cli, confirmDevice, axe } from './helpers.mjs';

// loginIn logs in through the page in the language it shows.
async function loginIn(page, a, totp, en) {
  await page.getByLabel(en ? 'E-mail address' : 'E-Mail-Adresse').fill(a.email);
  await page.getByLabel(en ? 'Password' : 'Passwort', { exact: true }).fill(a.password);
  await page.getByLabel(en ? 'Code from the authenticator app' : 'Code aus der Authenticator-App').fill(totp);
  await page.getByRole('button', { name: en ? 'Log in' : 'Anmelden', exact: true }).click();
}

test('the language is kept with the account and applied after a login on any device', async (t) => {
  const srv = await startServer(t);
  const a = await account(srv.url, 'sprache@example.org');
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const accountLang = async () => JSON.parse(await cli(srv.url, a.home, ['whoami', '--json'])).lang;
  const eventually = async (want, what) => {
    let got;
    for (let i = 0; i < 50 && (got = await accountLang()) !== want; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(got, want, what);
  };
  assert.equal(await accountLang(), 'de', 'registered in German');
  const browser = await launch(t);

  // Browser 1: German, switched to English by the header's switch.
  const one = await browser.newContext({ locale: 'de-DE', viewport: { width: 360, height: 780 } });
  const p1 = await one.newPage();
  await login(p1, srv.url, a, await code(a.secret, { use: false }));
  await p1.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email);
  await login(p1, srv.url, a, await code(a.secret));
  await p1.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await p1.getByRole('button', { name: 'Menü' }).click();
  await p1.getByRole('button', { name: 'English' }).click();
  await p1.getByRole('heading', { name: 'My record' }).waitFor();
  await eventually('en', 'the switch is kept with the account');
  await p1.getByRole('button', { name: 'Menu' }).click();
  await p1.getByRole('button', { name: 'Log out' }).click();
  await p1.getByRole('heading', { name: 'Log in' }).waitFor();

  // Browser 2, new: German until the login, then the account's English;
  // the mail about the new device came in English too.
  const two = await browser.newContext({ locale: 'de-DE' });
  const p2 = await two.newPage();
  await p2.goto(srv.url + '/anmelden');
  await p2.getByRole('heading', { name: 'Anmelden' }).waitFor();
  await loginIn(p2, a, await code(a.secret, { use: false }), false);
  await p2.getByText('Neues Gerät').waitFor({ timeout: 60000 });
  await confirmDevice(srv.url, a.email, 'Confirm a new device');
  await loginIn(p2, a, await code(a.secret), false);
  await p2.getByRole('heading', { name: 'My record' }).waitFor({ timeout: 30000 });
  assert.equal(await p2.evaluate(() => document.documentElement.lang), 'en');
  // A reload asks for the password in the account's language.
  await p2.reload();
  await p2.getByRole('heading', { name: 'Unlock' }).waitFor({ timeout: 30000 });
  await p2.getByLabel('Password').fill(a.password);
  await p2.getByRole('button', { name: 'Unlock' }).click();
  await p2.getByRole('heading', { name: 'My record' }).waitFor({ timeout: 30000 });

  // The settings choose it as well: German, at once and for the account.
  await p2.goto(srv.url + '/einstellungen');
  await p2.getByRole('heading', { name: 'Unlock' }).waitFor({ timeout: 30000 });
  await p2.getByLabel('Password').fill(a.password);
  await p2.getByRole('button', { name: 'Unlock' }).click();
  await p2.getByRole('heading', { name: 'Settings' }).waitFor({ timeout: 30000 });
  await axe(p2, 'settings, language', assert);
  await p2.getByRole('group', { name: 'Akte speaks and writes to you in' }).getByLabel('Deutsch').check();
  await p2.getByRole('heading', { name: 'Einstellungen' }).waitFor();
  await p2.getByText('Gespeichert.').waitFor();
  await eventually('de', 'the settings keep it with the account');

  // Browser 1 again, still English from before: the login page speaks
  // this browser's last language, the record the account's German.
  await loginIn(p1, a, await code(a.secret), true);
  await p1.getByRole('heading', { name: 'Meine Akte' }).waitFor({ timeout: 30000 });
  await p1.getByRole('button', { name: 'Menü' }).click();
  await p1.getByRole('button', { name: 'Abmelden' }).click();

  // A switch before the login, in this tab, is the newer choice: it stays,
  // and the account takes it.
  await p1.getByRole('heading', { name: 'Anmelden' }).waitFor();
  await p1.getByRole('button', { name: 'Menü' }).click();
  await p1.getByRole('button', { name: 'English' }).click();
  await loginIn(p1, a, await code(a.secret), true);
  await p1.getByRole('heading', { name: 'My record' }).waitFor({ timeout: 30000 });
  await eventually('en', 'a switch before the login goes to the account');
});
