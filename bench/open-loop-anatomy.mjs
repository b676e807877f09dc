#!/usr/bin/env node
// What an open-loop tail is made of, in figures that a busy machine does not move much: per request
// JS-heap bytes allocated and gateway CPU, GCs and their pauses, event-loop delay, and what an
// injected stall (SIGSTOP for --stall-ms, then SIGCONT) leaves behind: backlog drain time, the most
// requests in flight in the gateway and to the upstream, and the latency of the following second.
// Each Node gateway runs with bench/lib/gw-probe.cjs preloaded. docs/performance.md has the figures.
// usage: node bench/open-loop-anatomy.mjs [--rate 5000] [--duration 10] [--warmup 3] [--stall-at 5]
//        [--stall-ms 200] [--rounds 3] [--only node-pipe,portcullis-hs256] [--connections 64]
//        [--variant NAME=--node-flag,…] [--alloc-sites] [--no-install] [--no-build] [--json FILE] [--keep]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { SCENARIOS, addNodeFlagVariants, prepareContext, sanityCheck } from './lib/scenarios.mjs';
import { installCleanup, stopProcess } from './lib/processes.mjs';
import { cpuSeconds } from './lib/procstat.mjs';
import { buildProject, ensureDebianPackages } from './lib/setup.mjs';
import { fmt, markdownTable, median } from './lib/stats.mjs';
import { attackCsv, ensureVegeta, percentile, writeTargets } from './lib/vegeta.mjs';

const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'stall-at': { type: 'string', default: '5' },
    'stall-ms': { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'node-pipe,portcullis-hs256' },
    connections: { type: 'string', default: '64' },
    variant: { type: 'string', multiple: true, default: [] },
    // top allocation sites of each gateway's steady window (bench/lib/alloc-sites.cjs); slows the gateways
    'alloc-sites': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const RATE = Number(opt.rate);
const DURATION = Number(opt.duration);
const WARMUP = Number(opt.warmup);
const STALL_AT = Number(opt['stall-at']);
const STALL_MS = Number(opt['stall-ms']);
const ROUNDS = Number(opt.rounds);
if (!(STALL_AT > 1 && STALL_AT + 2 < DURATION)) throw new Error('--stall-at must leave > 1 s before and > 2 s after it within --duration');
const PROBE = fileURLToPath(new URL('./lib/gw-probe.cjs', import.meta.url));
const ALLOC = fileURLToPath(new URL('./lib/alloc-sites.cjs', import.meta.url));

const ids = opt.only.split(',');
const selected = SCENARIOS.filter((s) => !s.direct && ids.includes(s.id));
addNodeFlagVariants(selected, opt.variant);
installCleanup(120 + ROUNDS * selected.length * (DURATION + WARMUP + 20));

const dir = mkdtempSync(`${tmpdir()}/portcullis-anatomy-`);
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (!opt['no-install']) ensureDebianPackages({});
const vegeta = ensureVegeta();
if (!opt['no-build'] && selected.some((s) => s.kind === 'portcullis')) {
  const err = buildProject();
  if (err) throw new Error(`build failed: ${err}`);
}
const ctx = await prepareContext(dir, 64, { algorithms: ['HS256'] });
ctx.nodeArgs = ['--require', PROBE, ...(opt['alloc-sites'] ? ['--require', ALLOC] : [])];
ctx.peerNodeArgs = ctx.nodeArgs;

/** Pure: vegeta CSV rows [sent ms, status, latency ms]. */
function rowsOf(csv) {
  const rows = [];
  for (const line of csv.split('\n')) {
    const m = /^(\d+),(\d+),(\d+),/.exec(line);
    if (m) rows.push([Number(m[1]) / 1e6, Number(m[2]), Number(m[3]) / 1e6]);
  }
  return rows;
}

/** Latency percentiles of the requests sent in [from, to) ms. */
function latencies(rows, from, to) {
  const lat = rows.filter(([t]) => t >= from && t < to).map((r) => r[2]).sort((a, b) => a - b);
  return { n: lat.length, p50: percentile(lat, 50), p99: percentile(lat, 99), p999: percentile(lat, 99.9), max: lat.at(-1) ?? NaN };
}

/** Most requests outstanding at once (vegeta's side), over the requests sent in [from, to). */
function maxOutstanding(rows, from, to) {
  const ev = [];
  for (const [t, , l] of rows) if (t >= from && t < to) ev.push([t, 1], [t + l, -1]);
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let best = 0;
  for (const [, d] of ev) best = Math.max(best, (cur += d));
  return best;
}

/**
 * After SIGCONT: `drainMs` = when the last request sent before it completed; `recoverMs` = start
 * of the first 10 ms bin of sends (after SIGCONT) whose slowest request is within the steady p99.
 */
function stallRecovery(rows, stop, cont, steadyP99) {
  let drainMs = 0;
  for (const [t, , l] of rows) if (t < cont && t >= stop - 1000) drainMs = Math.max(drainMs, t + l - cont);
  const bins = new Map();
  for (const [t, , l] of rows) {
    if (t < cont || t >= cont + 3000) continue;
    const b = Math.floor((t - cont) / 10);
    bins.set(b, Math.max(bins.get(b) ?? 0, l));
  }
  let recoverMs = NaN;
  for (const b of [...bins.keys()].sort((x, y) => x - y)) if (bins.get(b) <= steadyP99) { recoverMs = b * 10; break; }
  return { drainMs, recoverMs };
}

function gcSummary(gcs, seconds) {
  const young = gcs.filter((g) => g.type === 'Scavenge' || g.type === 'MinorMarkSweep');
  const pauses = young.map((g) => g.us / 1000).sort((a, b) => a - b);
  const total = gcs.reduce((a, g) => a + g.us / 1000, 0);
  return {
    scavengesPerS: young.length / seconds, pauseP50: percentile(pauses, 50), pauseP99: percentile(pauses, 99), pauseMax: pauses.at(-1) ?? NaN,
    otherGcs: gcs.length - young.length, gcMsPerS: total / seconds, newSpaceMiB: (young.at(-1)?.newSpace ?? NaN) / 2 ** 20,
  };
}

async function measure(s, round) {
  const probeFile = `${dir}/${s.id}-${round}.probe.jsonl`;
  writeFileSync(probeFile, '');
  process.env.PORTCULLIS_BENCH_PROBE = probeFile; // inherited by the gateway started next
  process.env.PORTCULLIS_BENCH_ALLOC = `${dir}/${s.id}-${round}.alloc.txt`;
  const server = await s.start(ctx);
  try {
    await sanityCheck(s, server.port, ctx);
    const targetsFile = `${dir}/${s.id}.targets`;
    writeTargets(targetsFile, `http://127.0.0.1:${server.port}/`, s.auth ? ctx.tokens[s.auth] : null);
    const pid = server.child.pid;
    const attack = attackCsv({ vegeta, dir, name: `${s.id}-${round}`, targetsFile, rate: RATE, seconds: DURATION, warmup: WARMUP,
      connections: Number(opt.connections) });
    const t = {};
    await sleep(WARMUP * 1000);
    process.kill(pid, 'SIGUSR2'); // end of warm-up window
    t.steady0 = Date.now();
    const cpu0 = cpuSeconds(pid);
    await sleep(STALL_AT * 1000);
    process.kill(pid, 'SIGUSR2'); // end of the steady window
    t.steady1 = Date.now();
    const cpu1 = cpuSeconds(pid);
    process.kill(pid, 'SIGSTOP');
    t.stop = Date.now();
    await sleep(STALL_MS);
    process.kill(pid, 'SIGCONT');
    t.cont = Date.now();
    const rows = rowsOf(await attack);
    process.kill(pid, 'SIGUSR2'); // end of the stall window
    await sleep(300);
    let allocSites;
    if (opt['alloc-sites']) {
      try { allocSites = readFileSync(process.env.PORTCULLIS_BENCH_ALLOC, 'utf8'); } catch { allocSites = '(not written in time)\n'; }
    }
    const [, steady, after] = readFileSync(probeFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    if (!after) throw new Error('the gateway probe wrote no stall window (is --require allowed?)');
    const lat = latencies(rows, t.steady0, t.steady1);
    const errors = rows.filter(([, code]) => code < 200 || code >= 300).length;
    return {
      steady: {
        ...lat, rps: lat.n / ((t.steady1 - t.steady0) / 1000), requests: steady.requests,
        bytesPerReq: steady.allocated / steady.requests, cpuUsPerReq: ((cpu1 - cpu0) * 1e6) / steady.requests,
        cpuPct: (100 * (cpu1 - cpu0)) / ((t.steady1 - t.steady0) / 1000),
        ...gcSummary(steady.gcs, steady.seconds), eld: steady.eld, maxInflight: steady.maxInflight, maxUpInflight: steady.maxUpInflight,
        maxSockets: steady.maxSockets,
      },
      stall: {
        ms: t.cont - t.stop, ...stallRecovery(rows, t.stop, t.cont, lat.p99),
        next: latencies(rows, t.stop, t.cont + 1000), outstanding: maxOutstanding(rows, t.stop - 100, t.cont + 1000),
        maxInflight: after.maxInflight, maxUpInflight: after.maxUpInflight, maxSockets: after.maxSockets, socketsOpened: after.socketsOpened,
      },
      errors, allocSites,
    };
  } finally {
    await stopProcess(server.child);
  }
}

const results = new Map(selected.map((s) => [s.id, []]));
const started = Date.now();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of selected) {
      process.stdout.write(`[anatomy ${RATE}/s ${round}/${ROUNDS}] ${s.id.padEnd(24)} `);
      try {
        const r = await measure(s, round);
        results.get(s.id).push(r);
        const a = r.steady;
        const b = r.stall;
        console.log(`p99 ${fmt(a.p99, 2)} ms  ${fmt(a.bytesPerReq)} B/req  ${fmt(a.cpuUsPerReq)} µs CPU/req  `
          + `scavenges ${fmt(a.scavengesPerS, 1)}/s p99 ${fmt(a.pauseP99, 2)} ms  ELD p99 ${fmt(a.eld.p99, 2)} ms  | `
          + `stall ${b.ms} ms: drain ${fmt(b.drainMs)} ms recover ${fmt(b.recoverMs)} ms, next-second p99 ${fmt(b.next.p99, 1)} ms, `
          + `in flight ${b.maxInflight} (upstream ${b.maxUpInflight}, sockets ${b.maxSockets}, +${b.socketsOpened} opened)  errors ${r.errors}`);
        if (r.allocSites && round === 1) console.log(`${s.id}: allocation sites of the steady window (share of sampled bytes)\n${r.allocSites}`);
      } catch (e) {
        console.log(`FAILED: ${e.message.split('\n')[0]}`);
      }
    }
  }
} finally {
  await stopProcess(ctx.upstream.child);
}

const med = (id, f) => median(results.get(id).map(f));
console.log(`\nSteady window: ${STALL_AT} s at ${RATE} req/s after ${WARMUP} s warm-up, vegeta ≤ ${opt.connections} connections; medians over ${ROUNDS} round(s).`);
console.log(markdownTable(
  ['scenario', 'req/s', 'p99 ms', 'JS heap B/req', 'CPU µs/req', 'CPU %', 'scavenges/s', 'young gen MiB', 'scavenge p50/p99/max ms', 'GC ms/s', 'ELD p50/p99/max ms', 'in flight max (gw/upstream/sockets)'],
  selected.filter((s) => results.get(s.id).length).map((s) => {
    const g = (f, d = 0) => fmt(med(s.id, (r) => f(r.steady)), d);
    return [s.label, g((a) => a.rps), g((a) => a.p99, 2), g((a) => a.bytesPerReq), g((a) => a.cpuUsPerReq), g((a) => a.cpuPct),
      g((a) => a.scavengesPerS, 1), g((a) => a.newSpaceMiB, 1), `${g((a) => a.pauseP50, 2)}/${g((a) => a.pauseP99, 2)}/${g((a) => a.pauseMax, 2)}`,
      g((a) => a.gcMsPerS, 1), `${g((a) => a.eld.p50, 2)}/${g((a) => a.eld.p99, 2)}/${g((a) => a.eld.max, 1)}`,
      `${g((a) => a.maxInflight)}/${g((a) => a.maxUpInflight)}/${g((a) => a.maxSockets)}`];
  }),
));
console.log(`\nAfter a ${STALL_MS} ms SIGSTOP at ${STALL_AT} s (the ${fmt((RATE * STALL_MS) / 1000)} requests that arrive meanwhile queue); medians, per round in ().`);
console.log(markdownTable(
  ['scenario', 'drain ms', 'recover ms', 'p99 stall + 1 s ms', 'max ms', 'vegeta outstanding', 'gw in flight', 'upstream in flight', 'upstream sockets (opened)'],
  selected.filter((s) => results.get(s.id).length).map((s) => {
    const per = (f, d = 0) => `${fmt(med(s.id, (r) => f(r.stall)), d)} (${results.get(s.id).map((r) => fmt(f(r.stall), d)).join(' ')})`;
    return [s.label, per((b) => b.drainMs), per((b) => b.recoverMs), per((b) => b.next.p99, 1), per((b) => b.next.max, 1), per((b) => b.outstanding),
      per((b) => b.maxInflight), per((b) => b.maxUpInflight), `${per((b) => b.maxSockets)} +${fmt(med(s.id, (r) => r.stall.socketsOpened))}`];
  }),
));
console.log(`\ntotal ${Math.round((Date.now() - started) / 1000)} s; load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (opt.json) writeFileSync(opt.json, JSON.stringify({ date: new Date().toISOString(), rate: RATE, results: Object.fromEntries(results) }, null, 2));
if (!opt.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
