// Shared helpers of the browser tests: the real `akte serve` binary on a
// free port with its own data directory, Debian's Chromium through
// playwright-core, TOTP codes computed from the secret the page shows, the
// CLI for cross-checks, axe-core and screenshots.
import { spawn, execFile } from 'node:child_process';
import { createHmac, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { text } from '../src/catalog.js';

export const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = join(webDir, '..');
// Every temporary directory a test makes (data directories, CLI homes with
// session state, files to upload) is removed when the test process ends.
const temps = [];
process.on('exit', () => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

// Screenshots go to a temporary directory, so a test run leaves the tree as
// it found it; `make screenshots` sets AKTE_SCREENSHOTS=docs/screenshots to
// refresh the committed ones on purpose.
export const shotsDir = process.env.AKTE_SCREENSHOTS ? join(repoDir, process.env.AKTE_SCREENSHOTS) : tempDir('akte-shots-');

// akteBin is the binary under test: AKTE_BIN (set by web/browser_test.go),
// else built once into a temp dir.
let binP;
export function akteBin() {
  if (process.env.AKTE_BIN) return Promise.resolve(process.env.AKTE_BIN);
  binP ??= new Promise((resolve, reject) => {
    const out = join(tempDir('akte-bin-'), 'akte');
    execFile('go', ['build', '-o', out, './cmd/akte'], { cwd: repoDir }, (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve(out)));
  });
  return binP;
}

// evilProxy starts internal/evilproxy in front of the server at target: a
// lying server (docs/crypto.md, "Malicious server"). The page uses url;
// rule() adds a rewriting rule (evilproxy.Rule as JSON: method, path
// regexp, merge, from, drop_headers), requests() lists what passed
// (bodies as Buffers).
let evilP;
export async function evilProxy(t, target) {
  const bin = await (process.env.AKTE_EVILPROXY_BIN
    ? Promise.resolve(process.env.AKTE_EVILPROXY_BIN)
    : (evilP ??= new Promise((resolve, reject) => {
        const out = join(tempDir('akte-evil-'), 'evilproxy');
        execFile('go', ['build', '-o', out, './internal/evilproxy/cmd/evilproxy'], { cwd: repoDir }, (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve(out)));
      })));
  const proc = spawn(bin, ['--target', target], { stdio: ['pipe', 'pipe', 'inherit'] });
  const urls = await new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', (l) => resolve(JSON.parse(l)));
    proc.on('exit', (code) => reject(new Error(`evilproxy exited ${code}`)));
  });
  t.after(async () => {
    proc.stdin.end(); // it stops when its input closes
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
  });
  const control = async (method, path, body) => {
    const r = await fetch(urls.control + path, { method, body: body && JSON.stringify(body) });
    if (!r.ok) throw new Error(`evilproxy ${method} ${path}: ${r.status} ${await r.text()}`);
    return r.status === 200 ? r.json() : null;
  };
  return {
    url: urls.proxy,
    rule: (r) => control('POST', '/rules', r),
    reset: () => control('DELETE', '/rules'),
    requests: async () => ((await control('GET', '/requests')) || []).map((r) => ({ ...r, body: Buffer.from(r.body || '', 'base64') })),
    clearRequests: () => control('DELETE', '/requests'),
  };
}

export function tempDir(prefix = 'akte-web-') {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

// startServer runs `akte serve` on port 0 and resolves when it logged its
// "listening" line.
export async function startServer(t, args = []) {
  const bin = await akteBin();
  const data = tempDir('akte-data-');
  // No metrics listener: its fixed default port would clash between servers.
  const proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--metrics-addr', 'off', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + logs.join('\n'))), 30000);
    createInterface({ input: proc.stderr }).on('line', (l) => {
      logs.push(l);
      try {
        const j = JSON.parse(l);
        if (j.msg === 'listening') {
          clearTimeout(timer);
          resolve(j.base_url);
        }
      } catch {
        /* not JSON */
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}:\n${logs.join('\n')}`)));
  });
  t.after(async () => {
    proc.kill('SIGINT');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
    rmSync(data, { recursive: true, force: true });
  });
  return { url, data, logs };
}

export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

export const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export async function launch(t) {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  t.after(() => browser.close());
  return browser;
}

// TOTP (RFC 6238, SHA-1, 6 digits, 30 s). The server accepts each step
// once and the steps now-1, now, now+1: code() hands out unused ones and
// waits for the next step when all three are used.
function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let v = 0;
  const out = [];
  for (const c of s.replace(/[\s=]/g, '').toUpperCase()) {
    v = (v << 5) | abc.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((v >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totpAt(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeUInt32BE(step, 4);
  const mac = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = mac[19] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

const used = new Map();
export async function code(secret, { use = true } = {}) {
  for (;;) {
    const now = Date.now() / 1000;
    const step = Math.floor(now / 30);
    for (let c = step - 1; c <= step + 1; c++) {
      if (c <= (used.get(secret) ?? 0) || (c === step - 1 && now % 30 > 25)) continue;
      if (use) used.set(secret, c);
      return totpAt(secret, c);
    }
    await new Promise((r) => setTimeout(r, ((step + 1) * 30 - now) * 1000 + 50));
  }
}

// sameSteps makes code() treat the time steps used with secret `from` as
// used with `to` too: the server accepts each step once, whichever app of
// the account made the code (after the authenticator changed).
export function sameSteps(to, from) {
  used.set(to, Math.max(used.get(to) ?? 0, used.get(from) ?? 0));
}

// mails reads the development mailbox through its API.
export async function mails(base) {
  const r = await fetch(base + '/api/v1/dev/mailbox');
  return r.json();
}

export async function lastMail(base, to, subject) {
  for (let i = 0; i < 50; i++) {
    const m = (await mails(base)).find((x) => x.to === to && x.subject.includes(subject));
    if (m) return (await fetch(base + '/api/v1/dev/mailbox/' + m.name)).json();
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} about ${subject}`);
}

// confirmDevice does what the page of the newest device link mailed to
// `to` sends when the person clicks (journey.test.mjs clicks through it);
// subject is the mail's in the account's language.
export async function confirmDevice(base, to, subject = 'Neues Gerät') {
  const link = (await lastMail(base, to, subject)).text.match(/https?:\/\/\S+/)[0];
  const r = await fetch(base + '/api/v1/devices/confirm', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: new URL(link).hash.slice(1) }),
  });
  if (!r.ok) throw new Error(`confirm device: ${r.status} ${await r.text()}`);
}

// sessions holds the AKTE_SESSION each home's last login printed: the CLI
// keeps the local share of its session key nowhere else (no keyring here),
// so later commands get it as a shell that took it would.
const sessions = new Map();

// cli runs the akte CLI with its own AKTE_HOME.
export async function cli(base, home, args, env = {}) {
  const bin = await akteBin();
  const baseEnv = { ...process.env, AKTE_LANG: 'de', AKTE_SERVER: base, AKTE_HOME: home, AKTE_KEYRING: 'off', AKTE_SESSION: sessions.get(home) ?? '' };
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env: { ...baseEnv, ...env }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`akte ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      const session = args[0] === 'login' && stdout.match(/^export AKTE_SESSION=(\S+)$/m);
      if (session) sessions.set(home, session[1]);
      resolve(stdout);
    });
  });
}

// says matches the catalogue's text of a reason in either language, up to
// its first parameter: what the CLI prints, whichever language it speaks.
export function says(reason) {
  const esc = (s) => s.split('{')[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${esc(text('de', reason))}|${esc(text('en', reason))}`);
}

export const sha256 = (b) => createHash('sha256').update(b).digest('hex');

// axe runs axe-core on the page and fails on serious or critical
// violations.
export async function axe(page, label, assert) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `axe on ${label}`,
  );
}

// shot writes NAME-360.png and NAME-1280.png into shotsDir.
export async function shot(page, name) {
  mkdirSync(shotsDir, { recursive: true });
  const size = page.viewportSize();
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 860 });
    // Works on a phone: nothing wider than the screen.
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > w) throw new Error(`${name}: page is ${wide} px wide at a ${w} px viewport`);
    await page.screenshot({ path: join(shotsDir, `${name}-${w}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}

// minimalPDF returns a small valid one-page PDF showing the text.
export function minimalPDF(text) {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = `BT /F1 28 Tf 72 740 Td (${text}) Tj ET`;
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = '%PDF-1.4\n';
  const offs = [];
  objs.forEach((o, i) => {
    offs.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offs.map((o) => String(o).padStart(10, '0') + ' 00000 n \n').join('');
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export { readFileSync };

// account registers and confirms an account with the CLI (the browser
// registration has its own test) and returns what a person would know.
export async function account(base, email, password = 'Lindenblüte-Morgentau-42', kvnr = 'X110411675') {
  const home = tempDir('akte-cli-');
  const env = { AKTE_PASSWORD: password };
  const reg = JSON.parse(await cli(base, home, ['register', '--email', email, '--kvnr', kvnr, '--birthdate', '1980-04-01', '--accept', '--json'], env));
  const m = await lastMail(base, email, 'Bestätigen');
  await cli(base, home, ['verify-email', '--code', m.text.match(/Code: (\d{8})/)[1]], env);
  return { email, password, home, env, secret: reg.totp_secret, recoveryKey: reg.recovery_key };
}

// login logs in through the page.
export async function login(page, base, a, totp) {
  await page.goto(base + '/anmelden');
  await page.getByLabel('E-Mail-Adresse').fill(a.email);
  await page.getByLabel('Passwort', { exact: true }).fill(a.password);
  await page.getByLabel('Code aus der Authenticator-App').fill(totp);
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
}

// unlock answers the page a reload of a logged-in tab shows: the UMK lived
// only in the old page's worker, so the password is asked again (not the
// TOTP code: the session is live).
export async function unlock(page, password) {
  // In either language of the page.
  await page.getByRole('heading', { name: /^(Entsperren|Unlock)$/ }).waitFor({ timeout: 30000 });
  await page.getByLabel(/^(Passwort|Password)$/).fill(password);
  await page.getByRole('button', { name: /^(Entsperren|Unlock)$/ }).click();
}

// uploadFiles picks files on the record page and uploads them from the
// upload dialog; describe(dialog) may fill its fields first (else the
// defaults from the files stand).
export async function uploadFiles(page, files, describe = async () => {}, input = 'file-input') {
  await page.getByTestId(input).setInputFiles(files);
  await confirmUpload(page, describe);
}

// confirmUpload describes and uploads what the upload dialog shows.
export async function confirmUpload(page, describe = async () => {}) {
  const d = page.getByTestId('upload-dialog');
  const go = d.getByRole('button', { name: /^(Hochladen|Upload)$/ });
  await go.waitFor();
  await describe(d);
  await go.click();
}

// docAction runs an action from a document's menu ("Aktionen: TITLE").
export async function docAction(page, title, action) {
  await page.getByRole('button', { name: `Aktionen: ${title}`, exact: true }).click();
  await page.getByRole('menuitem', { name: action, exact: true }).click();
}
