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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { keepAliveLoad, middle, startStandaloneGateway, stopGateway, trackChildren } from './lib/ab-rounds.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i === -1 ? dflt : argv[i + 1];
};
const rounds = Number(opt('--rounds', 3));
const seconds = Number(opt('--seconds', 5));
const cli = opt('--cli', 'dist/cli.js');
const { mintToken } = await import(pathToFileURL(path.resolve(path.dirname(cli), 'tokens/mint.js')).href);

const children = trackChildren();

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

const load = (port, ms) => keepAliveLoad(port, ms, { headers: { authorization: `Bearer ${token}`, origin: ORIGIN } });

const results = variants.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (const [k, v] of variants.entries()) {
    const gw = await startStandaloneGateway(children, cli, v.file);
    await load(gw.port, 1000); // warm-up
    const { rps, bad } = await load(gw.port, seconds * 1000);
    stopGateway(children, gw);
    results[k].push(rps);
    console.log(`round ${r + 1} ${v.name}: ${rps.toFixed(0)} req/s${bad ? ` (${bad} non-200!)` : ''}`);
  }
}
const median = middle;
for (const [k, v] of variants.entries()) console.log(`median ${v.name}: ${median(results[k]).toFixed(0)} req/s`);
console.log(`B/A: ${(median(results[1]) / median(results[0])).toFixed(3)}`);
upstream.close();
rmSync(dir, { recursive: true, force: true });
