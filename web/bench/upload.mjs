// make bench-web: the app's upload of a 200 MiB file in Chromium against
// the CLI's on the same machine and server. The browser part runs in a
// plain headless Chromium (no DevTools attached: DevTools' network capture
// slows request bodies down about tenfold) on the self-test page's bench
// mode, which reports back by navigating to a local URL. The figures go
// into docs/benchmarks.md by hand.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, account, code, cli, sha256, tempDir, chromiumPath } from '../test/helpers.mjs';

const MiB = 1 << 20;
const mib = Number(process.env.BENCH_MIB || 200);
const cleanups = [];
const t = { after: (f) => cleanups.push(f) };
const rate = (ms) => `${(mib / (ms / 1000)).toFixed(0).padStart(4)} MiB/s (${(ms / 1000).toFixed(2)} s)`;

try {
  const srv = await startServer(t, ['--quota', '4GiB']);

  // Browser.
  let done;
  const result = new Promise((r) => (done = r));
  const rx = http.createServer((req, res) => {
    done(Object.fromEntries(new URL(req.url, 'http://x').searchParams));
    res.end('ok');
  });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  const report = `http://127.0.0.1:${rx.address().port}/result`;
  const profile = tempDir('akte-chromium-');
  const chrome = spawn(chromiumPath, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-quic', '--no-first-run', '--user-data-dir=' + profile, `${srv.url}/selftest#bench=${mib},${encodeURIComponent(report)}`], { stdio: 'ignore' });
  const timer = setTimeout(() => done({ error: 'timeout' }), 600000);
  const b = await result;
  clearTimeout(timer);
  const exited = new Promise((r) => chrome.on('exit', r));
  chrome.kill();
  await exited;
  rx.close();
  rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
  if (b.error) throw new Error('browser bench: ' + b.error);

  // CLI, same server, same size.
  const a = await account(srv.url, 'bench-cli@example.org', undefined, 'A123456780');
  await cli(srv.url, a.home, ['login', '--email', a.email, '--totp', await code(a.secret)], a.env);
  const dir = tempDir();
  const file = join(dir, 'bench.bin');
  const buf = randomBytes(mib * MiB);
  writeFileSync(file, buf);
  let t0 = Date.now();
  await cli(srv.url, a.home, ['upload', file, '--category', 'findings', '--title', 'bench']);
  const up = Date.now() - t0;
  const id = JSON.parse(await cli(srv.url, a.home, ['ls', '--json']))[0].id;
  t0 = Date.now();
  await cli(srv.url, a.home, ['get', id, '-o', join(dir, 'back.bin')]);
  const down = Date.now() - t0;
  const same = sha256(readFileSync(join(dir, 'back.bin'))) === sha256(buf);
  rmSync(dir, { recursive: true, force: true });

  console.log(`${mib} MiB, server on loopback, chunk size 8 MiB, 1 MiB segments`);
  console.log(`browser: ${b.ua}`);
  console.log(`browser upload   (slice, WebCrypto, PUT):       ${rate(Number(b.up))}`);
  console.log(`browser download (fetch, WebCrypto, Blob):      ${rate(Number(b.down))}  identical: ${b.identical}`);
  console.log(`browser AES-256-GCM alone (WebCrypto, 1 MiB):   ${rate(Number(b.gcm))}`);
  console.log(`browser main thread during the upload: ${b.long_tasks} long tasks (> 50 ms), longest ${b.long_max} ms, ${b.long_over_200} over 200 ms; progress moved ${b.progress_steps} times`);
  console.log(`CLI upload       (read, seal, PUT):             ${rate(up)}`);
  console.log(`CLI download     (GET, open, write):            ${rate(down)}  identical: ${same}`);
  console.log(`browser upload throughput / CLI's: ${(up / Number(b.up)).toFixed(2)}`);
} finally {
  for (const f of cleanups.reverse()) await f();
}
