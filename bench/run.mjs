#!/usr/bin/env node
// One-command benchmark: Portcullis vs peers, gateway on core 0, wrk + upstream nginx on core 1.
// usage: node bench/run.mjs [--quick] [--rounds N] [--duration S] [--warmup S] [--only a,b]
//        [--threads N] [--with-express] [--no-install] [--no-build] [--no-paced] [--paced-think exp|fixed]
//        [--node-arg=--flag] [--json FILE] [--keep]
//        node bench/run.mjs --open-loop …   (bench/open-loop.mjs)
//        node bench/run.mjs --tls …         (bench/tls.mjs)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { SCENARIOS, prepareContext, sanityCheck } from './lib/scenarios.mjs';
import { installCleanup, stopProcess } from './lib/processes.mjs';
import { coreBusyPct, coreTimes, cpuSeconds, peakRssMiB } from './lib/procstat.mjs';
import { buildProject, ensureDebianPackages, ensurePeers } from './lib/setup.mjs';
import { fmt, markdownTable, max, median } from './lib/stats.mjs';
import { runWrk } from './lib/wrk.mjs';

// `npm run bench -- --open-loop …` and `-- --tls …` are their own scripts with their own options.
for (const [flag, script] of [['--open-loop', './open-loop.mjs'], ['--tls', './tls.mjs']]) {
  if (process.argv.includes(flag)) {
    await import(script);
    process.exit(process.exitCode ?? 0);
  }
}

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
    'paced-think': { type: 'string', default: 'exp' },
    'node-arg': { type: 'string', multiple: true, default: [] }, // passed to the Portcullis node process
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
// exp: exponentially distributed think times (mean 10 ms), so arrivals bunch as in real traffic; a
// fixed think time per connection spaces them out and hides queueing (README "Open loop").
const PACED_THINK = opt['paced-think'];
if (!['exp', 'fixed'].includes(PACED_THINK)) throw new Error('--paced-think is exp or fixed');

installCleanup(opt.quick ? 300 : 720);

const PACED_IDS = ['direct', 'node-pipe', 'haproxy', 'portcullis-hs256'];

const only = opt.only ? new Set(opt.only.split(',')) : null;
const selected = SCENARIOS.filter((s) => (only ? only.has(s.id) : !s.optional || opt['with-express']));

// --- measuring ------------------------------------------------------------------------------------
async function measure(s, ctx, { seconds, warmup, connections, threads, delayMs = 0, think }) {
  let server = null;
  try {
    server = s.direct ? { port: ctx.upstreamPort, child: null } : await s.start(ctx);
    await sanityCheck(s, server.port, ctx);
    const requestFile = ctx.requestFiles[s.auth ?? 'none'];
    if (warmup > 0) await runWrk({ port: server.port, requestFile, seconds: warmup, connections, threads, delayMs, think });
    const pid = server.child?.pid ?? ctx.upstream.child.pid;
    const upPid = ctx.upstream.child.pid;
    const [cpu0, up0, cores0, t0] = [cpuSeconds(pid), cpuSeconds(upPid), coreTimes(), performance.now()];
    const w = await runWrk({ port: server.port, requestFile, seconds, connections, threads, delayMs, think });
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

const ctx = await prepareContext(dir, CONNECTIONS);
ctx.nodeArgs = opt['node-arg'];
const { upstream } = ctx;

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
          seconds: DURATION, warmup: WARMUP, connections: PACED_CONNECTIONS, threads: PACED_CONNECTIONS, delayMs: PACED_DELAY_MS, think: PACED_THINK,
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
  // docs/jwks.md#performance (--only …,portcullis-rs256-jwks,portcullis-es256-jwks).
  ['Portcullis RS256 JWKS / RS256 PEM', ratio('portcullis-rs256-jwks', 'portcullis-rs256'), (x) => x >= 0.95, '≥ 0.95'],
  ['Portcullis ES256 JWKS / ES256 PEM', ratio('portcullis-es256-jwks', 'portcullis-es256'), (x) => x >= 0.95, '≥ 0.95'],
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
  console.log(`\nAdded latency at a paced ~${PACED_RATE} req/s (wrk ${PACED_CONNECTIONS} connections, ${PACED_THINK === 'exp' ? 'exponential think times, mean' : 'fixed think time'} ${PACED_DELAY_MS} ms each; medians):`);
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
