#!/usr/bin/env node
// Open-loop tail latency: vegeta sends at a constant arrival rate whatever the gateway's latency
// (no coordinated omission), on the load core; each gateway on core 0. Prints p50/p90/p99/p99.9/max
// and what each gateway adds over a direct call to the upstream. bench/README.md "Open loop".
// usage: node bench/run.mjs --open-loop [--rate 5000] [--duration 20s] [--warmup 3s] [--rounds 3]
//        [--protocol http|https|h2] [--only direct,node-pipe,…] [--connections 64] [--node-arg=--flag]
//        [--peer-node-arg=--flag] [--portcullis-arg=--flag] [--variant NAME=--flag,--flag] [--gc-stats]
//        [--no-install] [--no-build]
//        [--json FILE] [--keep]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { SCENARIOS, addNodeFlagVariants, prepareContext, sanityCheck } from './lib/scenarios.mjs';
import { TLS_SCENARIOS } from './lib/tls-scenarios.mjs';
import { makeTlsCertificate } from './lib/tls-certs.mjs';
import { h2Get } from './lib/h2-client.mjs';
import { httpGet } from './lib/processes.mjs';
import { portcullisHasTls } from './lib/servers.mjs';
import { gcPauses } from './lib/gc-trace.mjs';
import { installCleanup, stopProcess } from './lib/processes.mjs';
import { cpuSeconds } from './lib/procstat.mjs';
import { buildProject, ensureDebianPackages } from './lib/setup.mjs';
import { fmt, markdownTable, median } from './lib/stats.mjs';
import { ensureVegeta, runVegeta, writeTargets } from './lib/vegeta.mjs';

const { values: opt } = parseArgs({
  options: {
    'open-loop': { type: 'boolean' },
    rate: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '20s' },
    warmup: { type: 'string', default: '3s' },
    rounds: { type: 'string', default: '3' },
    protocol: { type: 'string', default: 'http' },
    only: { type: 'string' },
    connections: { type: 'string', default: '64' },
    'portcullis-arg': { type: 'string', multiple: true, default: [] },
    // NAME=--flag,--flag: one more Portcullis row started with these node flags (A/B in one run)
    variant: { type: 'string', multiple: true, default: [] },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'peer-node-arg': { type: 'string', multiple: true, default: [] },
    'gc-stats': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const seconds = (s) => Number(String(s).replace(/s$/, ''));
const RATE = Number(opt.rate);
const DURATION = seconds(opt.duration);
const WARMUP = seconds(opt.warmup);
const ROUNDS = Number(opt.rounds);
const TOKENS = 64;
const PROTOCOL = opt.protocol;
if (!['http', 'https', 'h2'].includes(PROTOCOL)) throw new Error('--protocol is http, https or h2');
const DEFAULT_IDS = {
  http: 'node-pipe,haproxy,nginx-njs,portcullis-hs256',
  https: 'node-https,haproxy-tls,nginx-njs-tls,portcullis-tls-hs256',
  h2: 'node-http2,haproxy-tls,nginx-njs-tls,portcullis-tls-hs256',
};
const ids = (opt.only ?? DEFAULT_IDS[PROTOCOL]).split(',');
const pool = PROTOCOL === 'http' ? SCENARIOS : TLS_SCENARIOS.filter((s) => s.protocols.includes(PROTOCOL));
const selected = pool.filter((s) => s.direct || ids.includes(s.id)); // always with the direct baseline
addNodeFlagVariants(selected, opt.variant);
installCleanup(120 + ROUNDS * selected.length * (DURATION + WARMUP + 15));

const dir = mkdtempSync(`${tmpdir()}/portcullis-open-loop-`);
// Tails are what this measures; on a shared machine other work shows up as gateway latency.
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (!opt['no-install']) ensureDebianPackages(PROTOCOL === 'http' ? {} : { openssl: 'openssl' });
const vegeta = ensureVegeta();
const unavailable = new Map();
if (selected.some((s) => s.kind === 'portcullis')) {
  const err = opt['no-build'] ? null : buildProject();
  if (err) unavailable.set('portcullis', err);
  else if (PROTOCOL !== 'http' && !portcullisHasTls()) unavailable.set('portcullis', 'this build has no TLS listener (--proxy-listen-tls)');
}
const ctx = await prepareContext(dir, TOKENS, { algorithms: ['HS256'], tls: PROTOCOL === 'http' ? undefined : makeTlsCertificate(dir) });
ctx.portcullisArgs = opt['portcullis-arg'];
const check = { http: httpGet, https: (port, path, headers) => httpGet(port, path, headers, 2000, true), h2: h2Get }[PROTOCOL];
const scheme = PROTOCOL === 'http' ? 'http' : 'https';
// --gc-stats: every Node gateway logs its GCs; the report shows the scavenges' pauses.
const gcArgs = opt['gc-stats'] ? ['--trace-gc'] : [];
ctx.nodeArgs = [...opt['node-arg'], ...gcArgs];
ctx.peerNodeArgs = [...opt['peer-node-arg'], ...gcArgs];

async function measure(s, round) {
  let server = null;
  try {
    const directPort = PROTOCOL === 'http' ? ctx.upstreamPort : ctx.upstream.tlsPort;
    server = s.direct ? { port: directPort, child: null } : await s.start(ctx);
    await sanityCheck(s, server.port, ctx, check);
    const targetsFile = `${dir}/${s.id}.targets`;
    writeTargets(targetsFile, `${scheme}://127.0.0.1:${server.port}/`, s.auth ? ctx.tokens[s.auth] : null);
    const pid = server.child?.pid;
    const cpu0 = pid ? cpuSeconds(pid) : 0;
    const t0 = performance.now();
    const r = await runVegeta({ vegeta, dir, name: `${s.id}-${round}`, targetsFile, rate: RATE, seconds: DURATION, warmup: WARMUP,
      connections: Number(opt.connections), http2: PROTOCOL === 'h2' });
    r.cpu = pid ? (100 * (cpuSeconds(pid) - cpu0)) / ((performance.now() - t0) / 1000) : NaN;
    if (opt['gc-stats'] && server.logFile) r.gc = gcPauses(readFileSync(server.logFile, 'utf8'));
    return r;
  } finally {
    if (server?.child) await stopProcess(server.child);
  }
}

const results = new Map(selected.map((s) => [s.id, []]));
const t0 = Date.now();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of selected) {
      if (unavailable.has(s.id) || unavailable.has(s.kind)) continue;
      process.stdout.write(`[open loop ${RATE}/s ${round}/${ROUNDS}] ${s.id.padEnd(18)} `);
      try {
        const r = await measure(s, round);
        results.get(s.id).push(r);
        const gc = r.gc ? `  scavenges ${r.gc.count} pause p50/p99/max ${fmt(r.gc.p50, 2)}/${fmt(r.gc.p99, 2)}/${fmt(r.gc.max, 2)} ms` : '';
        console.log(`${fmt(r.rps)} req/s  p50 ${fmt(r.p50ms, 3)}  p99 ${fmt(r.p99ms, 3)}  p99.9 ${fmt(r.p999ms, 3)}  max ${fmt(r.maxms, 2)} ms  cpu ${fmt(r.cpu)}%  errors ${r.errors}${gc}`);
      } catch (e) {
        console.log(`FAILED: ${e.message.split('\n')[0]}`);
        unavailable.set(s.id, e.message.split('\n')[0]);
      }
    }
  }
} finally {
  await stopProcess(ctx.upstream.child);
}

// Medians over rounds of each figure; "added" = the scenario's median minus the direct call's, and
// per round (same round, back to back) to show the spread.
const keys = ['rps', 'p50ms', 'p90ms', 'p99ms', 'p999ms', 'maxms', 'cpu'];
const S = Object.fromEntries([...results].map(([id, runs]) => [id, {
  runs: runs.length, errors: runs.reduce((a, r) => a + r.errors, 0),
  ...Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])),
}]));
const D = S.direct;
const addedPerRound = (id, k) => results.get(id).map((r, i) => r[k] - (results.get('direct')[i]?.[k] ?? NaN));

console.log(`\nOpen loop (${PROTOCOL === 'http' ? 'HTTP/1.1' : PROTOCOL === 'https' ? 'HTTP/1.1 over TLS' : 'HTTP/2 over TLS'}): vegeta at ${RATE} req/s (constant rate) over at most ${opt.connections} connections for ${DURATION} s after ${WARMUP} s warm-up, ${ROUNDS} round(s), `
  + `${TOKENS} HS256 tokens round-robin where auth applies; gateway on core 0, vegeta + upstream on core 1; medians, ms.`);
console.log(markdownTable(
  ['scenario', 'req/s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'added p50', 'added p99', 'added p99.9', 'added p99 per round', 'gw CPU %', 'errors'],
  selected.map((s) => {
    const r = S[s.id];
    if (!r?.runs) return [s.label, 'n/a', '', '', '', '', '', '', '', '', '', '', ''];
    const add = (k) => (s.direct ? '' : fmt(r[k] - D[k], 3));
    return [s.label, fmt(r.rps), fmt(r.p50ms, 3), fmt(r.p90ms, 3), fmt(r.p99ms, 3), fmt(r.p999ms, 3), fmt(r.maxms, 2),
      add('p50ms'), add('p99ms'), add('p999ms'), s.direct ? '' : addedPerRound(s.id, 'p99ms').map((x) => fmt(x, 2)).join(' '),
      fmt(r.cpu), fmt(r.errors)];
  }),
));
const [pcId, npId] = { http: ['portcullis-hs256', 'node-pipe'], https: ['portcullis-tls-hs256', 'node-https'], h2: ['portcullis-tls-hs256', 'node-http2'] }[PROTOCOL];
const [pc, np] = [S[pcId], S[npId]];
if (pc?.runs && np?.runs && D?.runs) {
  const a = pc.p99ms - D.p99ms;
  const b = np.p99ms - D.p99ms;
  console.log(`\nPortcullis HS256 added p99 ${fmt(a, 3)} ms vs ${npId} ${fmt(b, 3)} ms: ${a < b ? 'lower' : 'NOT lower'} (target: lower)`);
}
const behind = selected.filter((s) => S[s.id]?.runs && (S[s.id].rps < 0.97 * RATE || S[s.id].errors > 0));
if (behind.length) {
  console.log(`\nBelow the offered rate or with errors (overloaded gateway, or a busy machine: check the load average): ${behind.map((s) => s.id).join(', ')}`);
}
for (const [k, why] of unavailable) console.log(`\nskipped ${k}: ${why}`);
console.log(`\ntotal ${Math.round((Date.now() - t0) / 1000)} s`);

if (opt.json) writeFileSync(opt.json, JSON.stringify({ date: new Date().toISOString(), rate: RATE, duration: DURATION, rounds: ROUNDS, results: Object.fromEntries(results), summary: S }, null, 2));
if (!opt.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
