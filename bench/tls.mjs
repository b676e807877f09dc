#!/usr/bin/env node
// The TLS / HTTP/2 edge: each gateway terminates TLS (RSA 2048 certificate generated per run) on
// core 0 and forwards HTTP/1.1 to the nginx upstream; load generators on core 1. Three parts:
//   https       HTTPS keep-alive throughput, wrk 64 threads × 64 connections, one token per connection
//   h2          HTTP/2 client → HTTP/1.1 upstream throughput, h2load (one token for every request)
//   handshakes  new TLS connections per second: full handshakes (no resumption), one GET each
// bench/README.md "TLS and HTTP/2". Open-loop latency over TLS: bench/run.mjs --open-loop --protocol https|h2.
// usage: node bench/run.mjs --tls [--parts https,h2,handshakes] [--quick] [--rounds N] [--duration S]
//        [--warmup S] [--only id,id] [--h2-connections N] [--h2-streams N] [--handshake-concurrency N]
//        [--node-arg=--flag] [--portcullis-arg=--flag] [--no-install] [--no-build] [--json FILE] [--keep]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { h2Get } from './lib/h2-client.mjs';
import { runH2load } from './lib/h2load.mjs';
import { httpGet, installCleanup, stopProcess } from './lib/processes.mjs';
import { cpuSeconds } from './lib/procstat.mjs';
import { prepareContext, sanityCheck } from './lib/scenarios.mjs';
import { LOAD_CPU, portcullisHasTls } from './lib/servers.mjs';
import { buildProject, ensureDebianPackages } from './lib/setup.mjs';
import { fmt, markdownTable, median } from './lib/stats.mjs';
import { makeTlsCertificate } from './lib/tls-certs.mjs';
import { BASELINE, TLS_SCENARIOS } from './lib/tls-scenarios.mjs';
import { runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({
  options: {
    tls: { type: 'boolean' },
    parts: { type: 'string', default: 'https,h2,handshakes' },
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    connections: { type: 'string', default: '64' },
    'h2-connections': { type: 'string', default: '64' },
    'h2-streams': { type: 'string', default: '1' },
    'handshake-concurrency': { type: 'string', default: '16' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'portcullis-arg': { type: 'string', multiple: true, default: [] },
    'no-install': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(opt.rounds ?? (opt.quick ? 1 : 3));
const DURATION = Number(opt.duration ?? (opt.quick ? 5 : 10));
const WARMUP = Number(opt.warmup ?? (opt.quick ? 1 : 2));
const CONNECTIONS = Number(opt.connections);
const PARTS = opt.parts.split(',');
const only = opt.only ? new Set(opt.only.split(',')) : null;
const selected = TLS_SCENARIOS.filter((s) => !only || only.has(s.id) || s.direct);
installCleanup(120 + ROUNDS * PARTS.length * selected.length * (DURATION + WARMUP + 15));

const HANDSHAKE_LOAD = fileURLToPath(new URL('./lib/tls-handshakes.mjs', import.meta.url));

const dir = mkdtempSync(`${tmpdir()}/portcullis-tls-`);
if (!opt['no-install']) ensureDebianPackages({ h2load: 'nghttp2-client', openssl: 'openssl' });
const unavailable = new Map();
if (selected.some((s) => s.kind === 'portcullis')) {
  const err = opt['no-build'] ? null : buildProject();
  if (err) unavailable.set('portcullis', err);
  else if (!portcullisHasTls()) unavailable.set('portcullis', 'this build has no TLS listener (--proxy-listen-tls)');
}
const tls = makeTlsCertificate(dir);
const ctx = await prepareContext(dir, CONNECTIONS, { algorithms: ['HS256'], tls });
ctx.nodeArgs = opt['node-arg'];
ctx.portcullisArgs = opt['portcullis-arg'];

const httpsGet = (port, path, headers) => httpGet(port, path, headers, 2000, true);

/** The handshake load generator on the load core; resolves its BENCH-JSON result. */
function runHandshakes(port, token) {
  const args = ['-c', String(LOAD_CPU), process.execPath, HANDSHAKE_LOAD, String(port), String(DURATION), String(WARMUP),
    opt['handshake-concurrency'], token ?? '-'];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { timeout: (DURATION + WARMUP + 30) * 1000 }, (err, stdout, stderr) => {
      const m = /BENCH-JSON (\{.*\})/.exec(stdout);
      if (err || !m) return reject(new Error(`handshake load failed: ${err?.message ?? 'no result'}\n${stderr}`));
      resolve(JSON.parse(m[1]));
    });
  });
}

// Each part: which protocol's scenarios, how to check one, how to load it, what to print.
const PARTS_DEF = {
  https: {
    protocol: 'https', check: httpsGet,
    load: async (s, port) => {
      const requestFile = ctx.requestFiles[s.auth ?? 'none'];
      const p = { port, requestFile, connections: CONNECTIONS, threads: CONNECTIONS, scheme: 'https' };
      if (WARMUP > 0) await runWrk({ ...p, seconds: WARMUP });
      const w = await runWrk({ ...p, seconds: DURATION });
      return { rate: w.rps, p50ms: w.p50ms, p99ms: w.p99ms, errors: w.non2xx + w.socketErrors };
    },
  },
  h2: {
    protocol: 'h2', check: (port, path, headers) => h2Get(port, path, headers),
    load: async (s, port) => {
      const h = await runH2load({ port, token: s.auth ? ctx.tokens[s.auth][0] : null, seconds: DURATION, warmup: WARMUP,
        connections: Number(opt['h2-connections']), streams: Number(opt['h2-streams']) });
      return { rate: h.rps, meanMs: h.meanMs, errors: h.failed + h.non2xx };
    },
  },
  handshakes: {
    protocol: 'https', check: httpsGet, noDirect: true,
    load: async (s, port) => {
      const h = await runHandshakes(port, s.auth ? ctx.tokens[s.auth][0] : null);
      return { rate: h.perSecond, errors: h.failed + h.non200, resumed: h.resumed, version: h.protocol };
    },
  },
};

async function measure(part, s) {
  let server = null;
  try {
    server = s.direct ? { port: ctx.upstream.tlsPort, child: null } : await s.start(ctx);
    await sanityCheck(s, server.port, ctx, part.check);
    const pid = server.child?.pid;
    const [cpu0, t0] = [pid ? cpuSeconds(pid) : 0, performance.now()];
    const r = await part.load(s, server.port);
    r.cpu = pid ? (100 * (cpuSeconds(pid) - cpu0)) / ((performance.now() - t0) / 1000) : NaN;
    return r;
  } finally {
    if (server?.child) await stopProcess(server.child);
  }
}

const results = {}; // part -> id -> runs
const t0 = Date.now();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of PARTS) {
      const part = PARTS_DEF[name];
      if (!part) throw new Error(`unknown part ${name} (https, h2, handshakes)`);
      results[name] ??= {};
      for (const s of selected.filter((x) => x.protocols.includes(part.protocol) && !(x.direct && part.noDirect))) {
        const key = `${name}:${s.id}`;
        if (unavailable.has(key) || unavailable.has(s.kind)) continue;
        process.stdout.write(`[${name} ${round}/${ROUNDS}] ${s.id.padEnd(22)} `);
        try {
          const r = await measure(part, s);
          (results[name][s.id] ??= []).push(r);
          console.log(`${fmt(r.rate)} ${name === 'handshakes' ? 'conn/s' : 'req/s'}  cpu ${fmt(r.cpu)}%  errors ${r.errors}`
            + (r.p99ms !== undefined ? `  p50 ${fmt(r.p50ms, 2)} p99 ${fmt(r.p99ms, 2)} ms` : '')
            + (r.meanMs !== undefined ? `  mean ${fmt(r.meanMs, 2)} ms` : '')
            + (r.version ? `  ${r.version}, resumed ${r.resumed}` : ''));
        } catch (e) {
          console.log(`FAILED: ${e.message.split('\n')[0]}`);
          unavailable.set(key, e.message.split('\n')[0]);
        }
      }
    }
  }
} finally {
  await stopProcess(ctx.upstream.child);
}

const TITLES = {
  https: `HTTPS keep-alive (HTTP/1.1 over TLS), wrk ${CONNECTIONS} threads × ${CONNECTIONS} connections, one token per connection`,
  h2: `HTTP/2 over TLS → HTTP/1.1 upstream, h2load ${opt['h2-connections']} connections × ${opt['h2-streams']} stream(s), one token`,
  handshakes: `New TLS connections per second (full handshake, RSA 2048 certificate, one GET with Connection: close each; ${opt['handshake-concurrency']} concurrent)`,
};
const summary = {};
for (const name of PARTS) {
  const byId = results[name] ?? {};
  const S = Object.fromEntries(Object.entries(byId).map(([id, runs]) => [id, {
    rate: median(runs.map((r) => r.rate)), cpu: median(runs.map((r) => r.cpu)), p50ms: median(runs.map((r) => r.p50ms)),
    p99ms: median(runs.map((r) => r.p99ms)), meanMs: median(runs.map((r) => r.meanMs)),
    errors: runs.reduce((a, r) => a + r.errors, 0), runs: runs.length,
  }]));
  summary[name] = S;
  const base = S[name === 'h2' ? BASELINE.h2 : BASELINE.https]?.rate;
  const latency = name === 'https' ? ['p50 ms', 'p99 ms'] : name === 'h2' ? ['mean ms'] : [];
  console.log(`\n${TITLES[name]}; ${ROUNDS} round(s) × ${DURATION} s after ${WARMUP} s warm-up; medians.`);
  console.log(markdownTable(
    ['scenario', name === 'handshakes' ? 'conn/s' : 'req/s', `× ${name === 'h2' ? BASELINE.h2 : BASELINE.https}`, ...latency, 'gw CPU %', 'errors'],
    Object.entries(S).map(([id, r]) => [TLS_SCENARIOS.find((s) => s.id === id).label, fmt(r.rate), fmt(r.rate / base, 2),
      ...(name === 'https' ? [fmt(r.p50ms, 2), fmt(r.p99ms, 2)] : name === 'h2' ? [fmt(r.meanMs, 2)] : []), fmt(r.cpu), fmt(r.errors)]),
  ));
}
const ratio = (part, a, b) => summary[part]?.[a]?.rate / summary[part]?.[b]?.rate;
const checks = [
  ['HTTPS keep-alive: Portcullis HS256 / node:https pipe', ratio('https', 'portcullis-tls-hs256', 'node-https'), (x) => x >= 0.95, '≥ 0.95'],
  ['h2 → HTTP/1.1: Portcullis HS256 / node:http2 pipe', ratio('h2', 'portcullis-tls-hs256', 'node-http2'), (x) => x >= 0.9, '≥ 0.90'],
  ['new TLS conn/s: Portcullis / node:https pipe', ratio('handshakes', 'portcullis-tls-hs256', 'node-https'), (x) => x >= 0.9, '≥ 0.90'],
];
console.log('\nRatios (run-to-run noise is 4–11 %):');
for (const [name, x, ok, target] of checks) {
  if (!Number.isFinite(x)) continue;
  console.log(`  ${name.padEnd(52)} ${fmt(x, 2).padStart(5)}  target ${target}  ${ok(x) ? 'PASS' : 'FAIL'}`);
}
for (const [k, why] of unavailable) console.log(`\nskipped ${k}: ${why}`);
console.log(`\ntotal ${Math.round((Date.now() - t0) / 1000)} s`);

if (opt.json) writeFileSync(opt.json, JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, duration: DURATION, results, summary, skipped: Object.fromEntries(unavailable) }, null, 2));
if (!opt.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
