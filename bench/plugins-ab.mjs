/**
 * Kong plugins on top of jwt, A/B on one build: req/s through route `/` with jwt alone vs jwt + acl
 * + cors (a browser-style request with an Origin that matches), rounds alternating A B A B ….
 * Prints per-round and median req/s and B/A (docs/acl.md#cost, docs/cors.md#cost). Loopback only;
 * every child is killed on exit.
 *
 *   node bench/plugins-ab.mjs [--rounds 3] [--seconds 5] [--cli dist/cli.js]
 *
 * The load generator runs in this process (64 keep-alive connections), so on a small machine the
 * absolute numbers are low; compare A with B from the same run. Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i === -1 ? dflt : argv[i + 1];
};
const rounds = Number(opt('--rounds', 3));
const seconds = Number(opt('--seconds', 5));
const cli = opt('--cli', 'dist/cli.js');
const { mintToken } = await import(pathToFileURL(path.resolve(path.dirname(cli), 'tokens/mint.js')).href);

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

const freePort = () =>
  new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const SECRET = 'plugins-ab-secret-0123456789abcdef';
const token = mintToken({ algorithm: 'HS256', key: 'bench-key', secret: SECRET, expiresInSeconds: 6 * 3600, claims: {} });
const ORIGIN = 'https://app.example.com';
const upstream = http.createServer((_req, res) => res.end('Hello world!'));
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const dir = mkdtempSync(path.join(os.tmpdir(), 'pc-plugins-ab-'));
const yml = (plugins) => `_format_version: "3.0"
services:
  - name: s
    url: http://127.0.0.1:${upstream.address().port}
    routes:
      - name: root
        paths: [/]
        plugins:
${plugins}
consumers:
  - username: bench
    acls:
      - group: dev
      - group: ops
    jwt_secrets:
      - key: bench-key
        secret: ${SECRET}
`;
const JWT = '          - name: jwt\n            config: { claims_to_verify: [exp] }\n';
const variants = [
  { name: 'jwt', file: path.join(dir, 'jwt.yml'), plugins: JWT },
  {
    name: 'jwt+acl+cors',
    file: path.join(dir, 'jwt-acl-cors.yml'),
    plugins: `${JWT}          - name: acl\n            config: { allow: [dev] }\n          - name: cors\n            config: { origins: ['${ORIGIN}', 'https://.*\\.partner\\.example'], credentials: true, exposed_headers: [X-Total] }\n`,
  },
];
for (const v of variants) writeFileSync(v.file, yml(v.plugins));

async function startGateway(config) {
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
  throw new Error(`${config}: not ready`);
}

async function load(port, ms) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const headers = { authorization: `Bearer ${token}`, origin: ORIGIN };
  let done = 0;
  let bad = 0;
  const end = Date.now() + ms;
  const one = () =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent, headers }, (res) => {
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
    Array.from({ length: 64 }, async () => {
      while (Date.now() < end) {
        await one();
        done++;
      }
    }),
  );
  agent.destroy();
  return { rps: done / (ms / 1000), bad };
}

const results = variants.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (const [k, v] of variants.entries()) {
    const gw = await startGateway(v.file);
    await load(gw.port, 1000); // warm-up
    const { rps, bad } = await load(gw.port, seconds * 1000);
    gw.child.kill('SIGKILL');
    children.delete(gw.child);
    results[k].push(rps);
    console.log(`round ${r + 1} ${v.name}: ${rps.toFixed(0)} req/s${bad ? ` (${bad} non-200!)` : ''}`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [k, v] of variants.entries()) console.log(`median ${v.name}: ${median(results[k]).toFixed(0)} req/s`);
console.log(`B/A: ${(median(results[1]) / median(results[0])).toFixed(3)}`);
upstream.close();
rmSync(dir, { recursive: true, force: true });
