#!/usr/bin/env node
// One-command benchmark: Portcullis vs peers, gateway on core 0, wrk + upstream nginx on core 1.
// usage: node bench/run.mjs [--quick] [--rounds N] [--duration S] [--warmup S] [--only a,b]
//        [--threads N] [--with-express] [--no-install] [--no-build] [--no-paced] [--json FILE] [--keep]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { benchKongYaml, makeCredentials, signToken } from './fixtures.mjs';
import { httpGet, installCleanup, stopProcess } from './lib/processes.mjs';
import { coreBusyPct, coreTimes, cpuSeconds, peakRssMiB } from './lib/procstat.mjs';
import { buildProject, ensureDebianPackages, ensurePeers } from './lib/setup.mjs';
import { startHaproxy, startNginxNjs, startNodePeer, startPortcullis, startUpstream } from './lib/servers.mjs';
import { fmt, markdownTable, max, median } from './lib/stats.mjs';
import { runWrk, writeRequestFile } from './lib/wrk.mjs';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string' },
    only: { type: 'string' },
    'with-express': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'no-paced': { type: 'boolean', default: false },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const ROUNDS = Number(opt.rounds ?? (opt.quick ? 1 : 3));
const DURATION = Number(opt.duration ?? (opt.quick ? 5 : 10));
const WARMUP = Number(opt.warmup ?? (opt.quick ? 1 : 2));
const CONNECTIONS = Number(opt.connections);
// One wrk thread per connection = one token per connection (wrk gives Lua no connection identity).
const THREADS = Number(opt.threads ?? CONNECTIONS);
const PACED_RATE = 5000;
const PACED_CONNECTIONS = 50;
const PACED_DELAY_MS = Math.round((1000 * PACED_CONNECTIONS) / PACED_RATE); // 10 ms per connection
const PACED_ROUNDS = opt.quick ? 1 : 2;

installCleanup(opt.quick ? 300 : 720);

// --- scenarios ------------------------------------------------------------------------------------
// auth: which request file (token algorithm) the scenario is driven with, null = no token.
const SCENARIOS = [
  { id: 'direct', label: 'upstream direct (nginx, no gateway)', auth: null, direct: true },
  { id: 'node-pipe', label: 'bare node:http pipe proxy', auth: null, kind: 'peer',
    start: (c) => startNodePeer(c.dir, 'node-pipe.mjs', [], c.upstreamPort) },
  { id: 'fast-gateway', label: 'fast-gateway 3.4.7 + jsonwebtoken 9 HS256', auth: 'HS256', kind: 'peer',
    start: (c) => startNodePeer(c.dir, 'fast-gateway.mjs', [c.credFile], c.upstreamPort) },
  { id: 'express-hpm', label: 'express 5 + http-proxy-middleware 3 + jsonwebtoken', auth: 'HS256', kind: 'peer', optional: true,
    start: (c) => startNodePeer(c.dir, 'express-hpm.mjs', [c.credFile], c.upstreamPort) },
  { id: 'haproxy', label: 'HAProxy 2.6 1 thread + jwt_verify HS256', auth: 'HS256', kind: 'peer',
    start: (c) => startHaproxy(c.dir, c.upstreamPort, c.creds.HS256) },
  { id: 'nginx-njs', label: 'nginx 1 worker + njs HS256', auth: 'HS256', kind: 'peer',
    start: (c) => startNginxNjs(c.dir, c.upstreamPort, c.creds.HS256) },
  { id: 'portcullis-noauth', label: 'Portcullis, no auth', auth: null, kind: 'portcullis',
    start: (c) => startPortcullis(c.dir, c.kongFiles.none, { name: 'portcullis-noauth' }) },
  { id: 'portcullis-hs256', label: 'Portcullis jwt HS256', auth: 'HS256', kind: 'portcullis',
    start: (c) => startPortcullis(c.dir, c.kongFiles.HS256, { name: 'portcullis-hs256' }) },
  // Trusted proxies configured (docs/client-ip.md): the per-request trust check and header lookup.
  { id: 'portcullis-hs256-trusted', label: 'Portcullis jwt HS256, --trusted-ips + X-Forwarded-For', auth: 'HS256', kind: 'portcullis', optional: true,
    start: (c) => startPortcullis(c.dir, c.kongFiles.HS256, { name: 'portcullis-hs256-trusted', args: ['--trusted-ips', '127.0.0.1,10.0.0.0/8', '--real-ip-header', 'X-Forwarded-For'] }) },
  { id: 'portcullis-rs256', label: 'Portcullis jwt RS256', auth: 'RS256', kind: 'portcullis',
    start: (c) => startPortcullis(c.dir, c.kongFiles.RS256, { name: 'portcullis-rs256' }) },
  { id: 'portcullis-es256', label: 'Portcullis jwt ES256', auth: 'ES256', kind: 'portcullis',
    start: (c) => startPortcullis(c.dir, c.kongFiles.ES256, { name: 'portcullis-es256' }) },
];
const PACED_IDS = ['direct', 'node-pipe', 'haproxy', 'portcullis-hs256'];

const only = opt.only ? new Set(opt.only.split(',')) : null;
const selected = SCENARIOS.filter((s) => (only ? only.has(s.id) : !s.optional || opt['with-express']));

// --- checks ---------------------------------------------------------------------------------------
function tamper(token) {
  const i = token.length - 10; // a middle character of the signature (the last one may be padding bits)
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

/** Before measuring: a valid request reaches the upstream; for auth scenarios, bad tokens are refused. */
async function sanityCheck(s, port, ctx) {
  const token = s.auth ? ctx.tokens[s.auth][0] : null;
  const ok = await httpGet(port, '/', token ? { authorization: `Bearer ${token}` } : {});
  if (ok.status !== 200 || ok.body !== 'Hello world!') throw new Error(`valid request got ${ok.status} ${ok.body.slice(0, 80)}`);
  if (!s.auth) return;
  const none = await httpGet(port, '/');
  const bad = await httpGet(port, '/', { authorization: `Bearer ${tamper(token)}` });
  if (none.status !== 401 || bad.status !== 401) throw new Error(`auth not enforced: no token → ${none.status}, tampered → ${bad.status}`);
}

// --- measuring ------------------------------------------------------------------------------------
async function measure(s, ctx, { seconds, warmup, connections, threads, delayMs = 0 }) {
  let server = null;
  try {
    server = s.direct ? { port: ctx.upstreamPort, child: null } : await s.start(ctx);
    await sanityCheck(s, server.port, ctx);
    const requestFile = ctx.requestFiles[s.auth ?? 'none'];
    if (warmup > 0) await runWrk({ port: server.port, requestFile, seconds: warmup, connections, threads, delayMs });
    const pid = server.child?.pid ?? ctx.upstream.child.pid;
    const upPid = ctx.upstream.child.pid;
    const [cpu0, up0, cores0, t0] = [cpuSeconds(pid), cpuSeconds(upPid), coreTimes(), performance.now()];
    const w = await runWrk({ port: server.port, requestFile, seconds, connections, threads, delayMs });
    const wall = (performance.now() - t0) / 1000;
    const cores1 = coreTimes();
    const cpu = (100 * (cpuSeconds(pid) - cpu0)) / wall;
    const upCpu = (100 * (cpuSeconds(upPid) - up0)) / wall;
    return { ...w, cpu: s.direct ? NaN : cpu, upCpu, core0: coreBusyPct(cores0, cores1, 0), core1: coreBusyPct(cores0, cores1, 1), rssMiB: s.direct ? NaN : peakRssMiB(pid) };
  } finally {
    if (server?.child) await stopProcess(server.child);
  }
}

// --- main -----------------------------------------------------------------------------------------
const t0 = Date.now();
const dir = mkdtempSync(`${tmpdir()}/portcullis-bench-`);
const unavailable = new Map(); // scenario kind or id -> reason

if (!opt['no-install']) {
  ensureDebianPackages();
  ensurePeers();
}
if (selected.some((s) => s.kind === 'portcullis') && !opt['no-build']) {
  const err = buildProject();
  if (err) unavailable.set('portcullis', err);
}

console.log(`generating ${CONNECTIONS} HS256, RS256 and ES256 credentials and tokens`);
const creds = {
  HS256: await makeCredentials('HS256', CONNECTIONS),
  RS256: await makeCredentials('RS256', CONNECTIONS),
  ES256: await makeCredentials('ES256', CONNECTIONS),
};
const tokens = Object.fromEntries(Object.entries(creds).map(([alg, cs]) => [alg, cs.map((c) => signToken(c))]));
const requestFiles = { none: `${dir}/requests-none.tsv` };
writeRequestFile(requestFiles.none, [{ path: '/' }]);
for (const alg of Object.keys(tokens)) {
  requestFiles[alg] = `${dir}/requests-${alg}.tsv`;
  writeRequestFile(requestFiles[alg], tokens[alg].map((token) => ({ path: '/', token })));
}
const credFile = `${dir}/hs256-credentials.json`;
writeFileSync(credFile, JSON.stringify(creds.HS256.map(({ key, secret }) => ({ key, secret }))), { mode: 0o600 });

const upstream = await startUpstream(dir);
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
const kongFiles = { none: `${dir}/kong-noauth.yml` };
writeFileSync(kongFiles.none, benchKongYaml({ upstreamUrl }));
for (const alg of Object.keys(creds)) {
  kongFiles[alg] = `${dir}/kong-${alg}.yml`;
  writeFileSync(kongFiles[alg], benchKongYaml({ upstreamUrl, credentials: creds[alg] }), { mode: 0o600 });
}
const ctx = { dir, upstream, upstreamPort: upstream.port, creds, tokens, requestFiles, credFile, kongFiles };

const results = new Map(selected.map((s) => [s.id, []]));
const paced = new Map();
const skipReason = (s) => unavailable.get(s.id) ?? unavailable.get(s.kind);

async function runOne(s, label, params, sink) {
  if (skipReason(s)) return;
  process.stdout.write(`${label} ${s.id.padEnd(18)} `);
  try {
    const r = await measure(s, ctx, params);
    sink.push(r);
    console.log(`${fmt(r.rps)} req/s  p50 ${fmt(r.p50ms, 2)} ms  p99 ${fmt(r.p99ms, 2)} ms  cpu ${fmt(r.cpu)}%  non-2xx ${r.non2xx}  sock-err ${r.socketErrors}`);
  } catch (e) {
    console.log(`FAILED: ${e.message.split('\n')[0]}`);
    unavailable.set(s.id, e.message.split('\n')[0]);
  }
}

try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of selected) {
      await runOne(s, `[round ${round}/${ROUNDS}]`, { seconds: DURATION, warmup: WARMUP, connections: CONNECTIONS, threads: THREADS }, results.get(s.id));
    }
  }
  if (!opt['no-paced']) {
    for (let round = 1; round <= PACED_ROUNDS; round++) {
      for (const s of selected.filter((x) => PACED_IDS.includes(x.id))) {
        if (!paced.has(s.id)) paced.set(s.id, []);
        await runOne(s, `[paced ${PACED_RATE}/s ${round}/${PACED_ROUNDS}]`, {
          seconds: DURATION, warmup: WARMUP, connections: PACED_CONNECTIONS, threads: PACED_CONNECTIONS, delayMs: PACED_DELAY_MS,
        }, paced.get(s.id));
      }
    }
  }
} finally {
  await stopProcess(upstream.child);
}

// --- report ---------------------------------------------------------------------------------------
const summary = (runs) => ({
  rps: median(runs.map((r) => r.rps)), p50ms: median(runs.map((r) => r.p50ms)), p99ms: median(runs.map((r) => r.p99ms)),
  cpu: median(runs.map((r) => r.cpu)), perCore: median(runs.map((r) => r.rps / (r.cpu / 100))), upCpu: median(runs.map((r) => r.upCpu)),
  core0: median(runs.map((r) => r.core0)), core1: median(runs.map((r) => r.core1)), rssMiB: max(runs.map((r) => r.rssMiB)),
  non2xx: runs.reduce((a, r) => a + r.non2xx, 0), socketErrors: runs.reduce((a, r) => a + r.socketErrors, 0), runs: runs.length,
});
const S = Object.fromEntries(selected.map((s) => [s.id, summary(results.get(s.id))]));
const base = S['node-pipe']?.rps;

console.log(`\nThroughput: ${ROUNDS} round(s) × ${DURATION} s after ${WARMUP} s warm-up, wrk ${THREADS} thread(s) × ${CONNECTIONS} connections `
  + `(${THREADS === CONNECTIONS ? 'one token per connection' : `${CONNECTIONS} tokens cycled per request`}); medians.`);
console.log(markdownTable(
  ['scenario', 'req/s', '× node pipe', 'p50 ms', 'p99 ms', 'gw CPU %', 'req/s ÷ gw CPU', 'peak RSS MiB', 'upstream CPU %', 'core0/core1 busy %', 'non-2xx', 'sock err'],
  selected.map((s) => {
    const r = S[s.id];
    if (!r.runs) return [s.label, 'n/a', '', '', '', '', '', '', '', '', '', ''];
    return [s.label, fmt(r.rps), fmt(r.rps / base, 2), fmt(r.p50ms, 2), fmt(r.p99ms, 2), fmt(r.cpu), fmt(r.perCore), fmt(r.rssMiB, 1), fmt(r.upCpu), `${fmt(r.core0)}/${fmt(r.core1)}`, fmt(r.non2xx), fmt(r.socketErrors)];
  }),
));

const ratio = (a, b) => (S[a]?.runs && S[b]?.runs ? S[a].rps / S[b].rps : NaN);
const checks = [
  ['Portcullis HS256 / bare node pipe', ratio('portcullis-hs256', 'node-pipe'), (x) => x >= 0.95, '≥ 0.95'],
  ['Portcullis HS256 / fast-gateway', ratio('portcullis-hs256', 'fast-gateway'), (x) => x >= 1.5, '≥ 1.5'],
  ['Portcullis RS256 / HS256', ratio('portcullis-rs256', 'portcullis-hs256'), (x) => x >= 0.9, '≥ 0.90'],
  ['Portcullis ES256 / HS256', ratio('portcullis-es256', 'portcullis-hs256'), (x) => x >= 0.9, '≥ 0.90'],
];
const starved = selected.filter((s) => !s.direct && S[s.id].runs && S[s.id].cpu < 85);
if (starved.length) {
  console.log(`\nNot gateway-bound (gateway CPU < 85 %: the core was shared or the load side saturated): ${starved.map((s) => s.id).join(', ')}.`
    + ' Their req/s understate what the gateway can do; rerun on a quiet machine.');
}
console.log('\nRatios (req/s; run-to-run noise is 4–11 %, so differences under ~0.07 are noise):');
for (const [name, x, ok, target] of checks) {
  console.log(`  ${name.padEnd(36)} ${Number.isFinite(x) ? fmt(x, 2).padStart(5) : '  n/a'}  target ${target}  ${Number.isFinite(x) ? (ok(x) ? 'PASS' : 'FAIL') : ''}`);
}

const P = Object.fromEntries([...paced].map(([id, runs]) => [id, summary(runs)]));
if (P.direct?.runs) {
  console.log(`\nAdded latency at a paced ~${PACED_RATE} req/s (wrk ${PACED_CONNECTIONS} connections, ${PACED_DELAY_MS} ms think time each; medians):`);
  for (const [id, r] of Object.entries(P)) {
    if (!r.runs) continue;
    const added = id === 'direct' ? '' : `  added p50 ${fmt(r.p50ms - P.direct.p50ms, 3)} ms  added p99 ${fmt(r.p99ms - P.direct.p99ms, 3)} ms`;
    console.log(`  ${id.padEnd(18)} ${fmt(r.rps)} req/s  p50 ${fmt(r.p50ms, 3)} ms  p99 ${fmt(r.p99ms, 3)} ms${added}`);
  }
}
for (const [k, why] of unavailable) console.log(`\nskipped ${k}: ${why}`);
console.log(`\ntotal ${Math.round((Date.now() - t0) / 1000)} s`);

if (opt.json) writeFileSync(opt.json, JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, duration: DURATION, threads: THREADS, connections: CONNECTIONS, throughput: S, paced: P, skipped: Object.fromEntries(unavailable) }, null, 2));
if (!opt.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
