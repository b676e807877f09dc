/**
 * rate-limiting's cost (docs/rate-limiting.md#cost): req/s of HS256 jwt alone, jwt + rate-limiting
 * local, and jwt + rate-limiting redis (a real redis-server), rounds alternating. Gateway on core 0,
 * wrk and the upstream on core 1 (redis-server too: its cost is part of the redis policy's).
 * Limits are high enough never to refuse: this measures counting, not 429s.
 *
 *   node bench/rate-limiting.mjs [--rounds 3] [--seconds 5]
 *
 * Needs wrk, taskset and redis-server; loopback only; every child is killed on exit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { consumersFor, kongYaml, makeHs256CredentialsSync, signToken } from './fixtures.mjs';
import { runWrk, writeRequestFile } from './lib/wrk.mjs';
import { middle, startStandaloneGateway, stopGateway, trackChildren } from './lib/ab-rounds.mjs';
import { freePort } from './lib/ports.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i === -1 ? dflt : Number(argv[i + 1]);
};
const rounds = opt('--rounds', 3);
const seconds = opt('--seconds', 5);

const children = trackChildren();

const run = (cmd, args) => {
  const child = spawn('taskset', ['-c', '1', cmd, ...args], { stdio: 'ignore' });
  children.add(child);
  return child;
};

const upstreamPort = await freePort();
run(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('Hello world!')).listen(${upstreamPort}, '127.0.0.1')`]);
const redisPort = await freePort();
run('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);

const dir = mkdtempSync(path.join(os.tmpdir(), 'pc-rl-bench-'));
const creds = makeHs256CredentialsSync(64);
const requestFile = path.join(dir, 'requests.txt');
writeRequestFile(requestFile, creds.map((c) => ({ path: '/', token: signToken(c) })));

const big = { second: 1e9, minute: 1e10 };
const scenarios = {
  'jwt': [],
  'jwt + rate-limiting local': [{ name: 'rate-limiting', config: big }],
  'jwt + rate-limiting redis': [{ name: 'rate-limiting', config: { ...big, policy: 'redis', redis: { host: '127.0.0.1', port: redisPort } } }],
};
const configs = Object.fromEntries(
  Object.entries(scenarios).map(([name, extra], i) => {
    const file = path.join(dir, `kong-${i}.yml`);
    const service = { name: 's', url: `http://127.0.0.1:${upstreamPort}`, routes: [{ name: 'root', paths: ['/'] }], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }, ...extra] };
    writeFileSync(file, kongYaml({ services: [service], consumers: consumersFor(creds) }));
    return [name, file];
  }),
);

async function startGateway(config) {
  const gw = await startStandaloneGateway(children, 'dist/cli.js', config, { prefix: ['taskset', '-c', '0'] });
  const p = gw.port;
  const probe = await new Promise((resolve) =>
    http.get({ host: '127.0.0.1', port: p, path: '/', headers: { authorization: `Bearer ${signToken(creds[0])}` } }, (res) => {
      res.resume();
      resolve(res);
    }).on('error', () => resolve(undefined)),
  );
  if (probe?.statusCode !== 200 || (config !== configs.jwt && probe.headers['x-ratelimit-limit-second'] === undefined)) throw new Error(`${config}: probe failed`);
  return gw;
}

const results = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, config] of Object.entries(configs)) {
    const gw = await startGateway(config);
    await runWrk({ port: gw.port, requestFile, seconds: 2 });
    const res = await runWrk({ port: gw.port, requestFile, seconds });
    stopGateway(children, gw);
    results[name].push(res);
    console.log(`round ${r + 1} ${name}: ${res.rps.toFixed(0)} req/s, p50 ${res.p50ms.toFixed(2)} ms, p99 ${res.p99ms.toFixed(2)} ms${res.non2xx ? ` (${res.non2xx} non-2xx!)` : ''}`);
  }
}
const median = middle;
const base = median(results.jwt.map((x) => x.rps));
for (const [name, rs] of Object.entries(results)) {
  const rps = median(rs.map((x) => x.rps));
  console.log(`median ${name}: ${rps.toFixed(0)} req/s (${(rps / base).toFixed(3)}× jwt), p99 ${median(rs.map((x) => x.p99ms)).toFixed(2)} ms`);
}
rmSync(dir, { recursive: true, force: true });
process.exit(0);
