/**
 * Request path with a regex route, A/B between two builds: req/s through
 * `~/api/v\d+/items/[^/]+$` (no auth) to a node:http upstream, rounds alternating A B A B ….
 * Prints per-round and median req/s. Loopback only; every child is killed on exit.
 *
 *   node bench/regex-route-ab.mjs [A_CLI=dist/cli.js] [B_CLI] [--rounds 3] [--seconds 5]
 *
 * The load generator runs in this process (64 keep-alive connections), so on a small machine the
 * absolute numbers are low; compare A with B from the same run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  if (i === -1) return dflt;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return Number(v);
};
const rounds = opt('--rounds', 3);
const seconds = opt('--seconds', 5);
const clis = argv.length > 0 ? argv : ['dist/cli.js'];

const children = new Set();
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

const freePort = () =>
  new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const upstream = http.createServer((_req, res) => res.end('Hello world!'));
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const dir = mkdtempSync(path.join(os.tmpdir(), 'pc-regex-ab-'));
const config = path.join(dir, 'kong.yml');
writeFileSync(
  config,
  `_format_version: "3.0"
services:
  - name: s
    url: http://127.0.0.1:${upstream.address().port}
    routes:
      - name: items
        paths: ['~/api/v\\d+/items/[^/]+$']
`,
);

async function startGateway(cli) {
  const [p, a, s] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [cli, 'standalone', '--config', config, '--proxy-listen', `127.0.0.1:${p}`,
    '--admin-listen', `127.0.0.1:${a}`, '--status-listen', `127.0.0.1:${s}`, '--access-log', 'off', '--log-level', 'warn'], { stdio: 'inherit' });
  children.add(child);
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${s}/readyz`)).ok) return { port: p, child };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${cli}: not ready`);
}

async function load(port, ms) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let done = 0;
  let bad = 0;
  const end = Date.now() + ms;
  const one = (i) =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/api/v2/items/item-${i % 1000}`, agent }, (res) => {
        if (res.statusCode !== 200) bad++;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        bad++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: 64 }, async (_, k) => {
      for (let i = k; Date.now() < end; i += 64) {
        await one(i);
        done++;
      }
    }),
  );
  agent.destroy();
  return { rps: done / (ms / 1000), bad };
}

const results = clis.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (const [k, cli] of clis.entries()) {
    const gw = await startGateway(cli);
    await load(gw.port, 1000); // warm-up
    const { rps, bad } = await load(gw.port, seconds * 1000);
    gw.child.kill('SIGKILL');
    children.delete(gw.child);
    results[k].push(rps);
    console.log(`round ${r + 1} ${cli}: ${rps.toFixed(0)} req/s${bad ? ` (${bad} non-200!)` : ''}`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [k, cli] of clis.entries()) console.log(`median ${cli}: ${median(results[k]).toFixed(0)} req/s`);
if (clis.length === 2) console.log(`B/A: ${(median(results[1]) / median(results[0])).toFixed(3)}`);
upstream.close();
rmSync(dir, { recursive: true, force: true });
