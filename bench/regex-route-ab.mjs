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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { keepAliveLoad, middle, startStandaloneGateway, stopGateway, trackChildren } from './lib/ab-rounds.mjs';

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

const children = trackChildren();

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

const load = (port, ms) => keepAliveLoad(port, ms, { path: (i) => `/api/v2/items/item-${i % 1000}` });

const results = clis.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (const [k, cli] of clis.entries()) {
    const gw = await startStandaloneGateway(children, cli, config);
    await load(gw.port, 1000); // warm-up
    const { rps, bad } = await load(gw.port, seconds * 1000);
    stopGateway(children, gw);
    results[k].push(rps);
    console.log(`round ${r + 1} ${cli}: ${rps.toFixed(0)} req/s${bad ? ` (${bad} non-200!)` : ''}`);
  }
}
const median = middle;
for (const [k, cli] of clis.entries()) console.log(`median ${cli}: ${median(results[k]).toFixed(0)} req/s`);
if (clis.length === 2) console.log(`B/A: ${(median(results[1]) / median(results[0])).toFixed(3)}`);
upstream.close();
rmSync(dir, { recursive: true, force: true });
