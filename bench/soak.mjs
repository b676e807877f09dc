#!/usr/bin/env node
// Soak: the real gateway (standalone, built dist/) under mixed traffic for --minutes, with its
// kong.yml rewritten every --reload-every seconds. Every minute it prints the gateway's resident
// set (from /proc), its V8 heap as /metrics reports it (prom-client default metrics) and its heap
// after a forced full GC (bench/heap-probe.cjs, on SIGUSR2), and at the end a verdict: memory is
// flat after the warm-up when both growths stay within the stated bounds.
//
// Traffic (weighted, paced to --rate req/s over --concurrency keep-alive connections), each kind
// with the one status it must get; any other status is counted as unexpected and fails the run:
//   valid        a token from a fixed pool (one per credential: the verified-token cache hits)  200
//   distinct     a freshly minted valid token (unique jti: cache misses and evictions)          200
//   expired      exp in the past                                                                 401
//   forged       signed with the wrong secret                                                    401
//   unknown-iss  iss names no credential                                                         401
//   garbage      not a JWT                                                                       401
//   no-token     no Authorization header                                                         401
//   no-route     a path no route matches                                                         404
// Reloads alternate in-place writes and atomic renames and change the set of consumers and routes
// each time, so every reload builds and swaps a new snapshot.
//
// Loopback only; every process it starts is stopped on exit, Ctrl-C, SIGTERM and after a hard
// time limit (--minutes + 3 min).
// usage: node bench/soak.mjs [--minutes 30] [--rate 200] [--concurrency 16] [--reload-every 15]
//          [--warmup 5] [--rss-bound 32] [--heap-bound 8] [--credentials 200] [--no-build] [--keep] [--json FILE]
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { consumersFor, kongYaml, makeHs256CredentialsSync, signToken } from './fixtures.mjs';
import { freePorts } from './lib/ports.mjs';
import { installCleanup, startProcess, stopProcess, waitForHttp } from './lib/processes.mjs';
import { rssMiB } from './lib/procstat.mjs';
import { buildProject, PORTCULLIS_CLI, REPO_DIR } from './lib/setup.mjs';
import { fmt, markdownTable } from './lib/stats.mjs';

const { values: opt } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    'reload-every': { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    'rss-bound': { type: 'string', default: '16' },
    'heap-bound': { type: 'string', default: '4' },
    credentials: { type: 'string', default: '200' },
    'no-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const MINUTES = Number(opt.minutes);
const RATE = Number(opt.rate);
const CONCURRENCY = Number(opt.concurrency);
const RELOAD_MS = Number(opt['reload-every']) * 1000;
// The warm-up never takes the whole run: a 2-minute check run still has a window to judge.
const WARMUP = Math.min(Number(opt.warmup), Math.max(1, MINUTES - 1));
const RSS_BOUND = Number(opt['rss-bound']);
const HEAP_BOUND = Number(opt['heap-bound']);
const CREDENTIALS = Number(opt.credentials);
installCleanup(MINUTES * 60 + 180);

const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.cjs', import.meta.url));
const MiB = 1024 * 1024;

if (!opt['no-build']) {
  const failed = buildProject();
  if (failed) throw new Error(failed);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'pc-soak-'));
const yamlFile = path.join(dir, 'kong.yml');
const logFile = path.join(dir, 'portcullis.log');

// ---- upstream: a plain node:http server on loopback (in this process; it does almost nothing) ----
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('Hello world!'));
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

// ---- configuration: fixed credentials, plus consumers and routes that change with every reload ----
const creds = makeHs256CredentialsSync(CREDENTIALS, `soak-${randomBytes(3).toString('hex')}`);
function version(n) {
  const churn = 20 + (n % 7) * 10; // 20..80 extra consumers and routes, different every reload
  return kongYaml({
    services: [
      {
        name: 'soak',
        url: upstreamUrl,
        routes: [{ name: 'api', paths: ['/api'] }],
        plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }],
      },
      {
        name: 'churn',
        url: upstreamUrl,
        routes: Array.from({ length: churn }, (_, i) => ({ name: `churn-${n}-${i}`, paths: [`/churn-${n}-${i}`] })),
      },
    ],
    consumers: [
      ...consumersFor(creds),
      ...Array.from({ length: churn }, (_, i) => ({
        username: `churn-${n}-${i}`,
        jwt_secrets: [{ key: `churn-key-${n}-${i}`, algorithm: 'HS256', secret: randomBytes(24).toString('base64url') }],
      })),
    ],
  });
}
let reloads = 0;
function reload() {
  reloads++;
  const text = version(reloads);
  if (reloads % 2 === 0) return writeFileSync(yamlFile, text, { mode: 0o600 });
  writeFileSync(`${yamlFile}.tmp`, text, { mode: 0o600 });
  renameSync(`${yamlFile}.tmp`, yamlFile);
}
writeFileSync(yamlFile, version(0), { mode: 0o600 });

// ---- the gateway ----
const [proxyPort, adminPort, statusPort] = await freePorts(3);
const gw = startProcess('portcullis', process.execPath, [
  '--require', HEAP_PROBE, '--expose-gc', PORTCULLIS_CLI, 'standalone', '--config', yamlFile,
  '--proxy-listen', `127.0.0.1:${proxyPort}`, '--admin-listen', `127.0.0.1:${adminPort}`,
  '--status-listen', `127.0.0.1:${statusPort}`, '--access-log', 'off',
], { logFile, cwd: REPO_DIR });
await waitForHttp(statusPort, { path: '/readyz', status: 200, child: gw, timeoutMs: 30_000 });

// ---- traffic ----
const b64url = (s) => Buffer.from(s).toString('base64url');
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const pool = creds.map((c) => signToken(c, { ttlSeconds: MINUTES * 60 + 3600 }));
const forgedSecret = randomBytes(32).toString('base64url');
function hs256(payload, secret) {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const exp = (s) => Math.floor(Date.now() / 1000) + s;
const KINDS = [
  { name: 'valid', weight: 40, status: 200, token: () => pick(pool) },
  { name: 'distinct', weight: 20, status: 200, token: () => { const c = pick(creds); return hs256({ iss: c.key, exp: exp(600), jti: randomUUID() }, c.secret); } },
  { name: 'expired', weight: 10, status: 401, token: () => { const c = pick(creds); return hs256({ iss: c.key, exp: exp(-60), jti: randomUUID() }, c.secret); } },
  { name: 'forged', weight: 10, status: 401, token: () => hs256({ iss: pick(creds).key, exp: exp(600), jti: randomUUID() }, forgedSecret) },
  { name: 'unknown-iss', weight: 5, status: 401, token: () => hs256({ iss: `nobody-${randomUUID()}`, exp: exp(600) }, forgedSecret) },
  { name: 'garbage', weight: 5, status: 401, token: () => `${randomBytes(12).toString('base64url')}.${randomBytes(20).toString('base64url')}` },
  { name: 'no-token', weight: 5, status: 401, token: () => undefined },
  { name: 'no-route', weight: 5, status: 404, path: () => `/nothing-${randomBytes(4).toString('hex')}`, token: () => pick(pool) },
];
const totalWeight = KINDS.reduce((s, k) => s + k.weight, 0);
function pickKind() {
  let r = Math.random() * totalWeight;
  for (const k of KINDS) if ((r -= k.weight) < 0) return k;
  return KINDS[0];
}

const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
const proxyBase = `http://127.0.0.1:${proxyPort}`;
let minute = { sent: 0, unexpected: 0, errors: 0, byKind: new Map() };
const totals = { sent: 0, unexpected: 0, errors: 0 };
const unexpectedSamples = [];

async function one() {
  const kind = pickKind();
  const token = kind.token();
  const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
  minute.sent++;
  try {
    const res = await request(`${proxyBase}${kind.path?.() ?? '/api'}`, { dispatcher: agent, headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const body = await res.body.text();
    if (res.statusCode !== kind.status) {
      minute.unexpected++;
      if (unexpectedSamples.length < 10) unexpectedSamples.push(`${kind.name}: ${res.statusCode} ${body.slice(0, 120)}`);
    }
    minute.byKind.set(kind.name, (minute.byKind.get(kind.name) ?? 0) + 1);
  } catch (err) {
    minute.errors++;
    if (unexpectedSamples.length < 10) unexpectedSamples.push(`${kind.name}: ${err.code ?? err.message}`);
  }
}

// Paced open loop: every 10 ms start the requests due, never more than CONCURRENCY in flight
// (a slow machine lowers the achieved rate rather than piling up requests).
let inFlight = 0;
let due = 0;
let running = true;
const pacer = setInterval(() => {
  due = Math.min(due + RATE / 100, CONCURRENCY * 4);
  while (running && due >= 1 && inFlight < CONCURRENCY) {
    due--;
    inFlight++;
    one().finally(() => inFlight--);
  }
}, 10);
const reloader = setInterval(reload, RELOAD_MS);

// ---- sampling ----
async function metricsText() {
  const res = await request(`http://127.0.0.1:${statusPort}/metrics`);
  return res.body.text();
}
const metric = (text, name) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
};
/** Heap used after a forced full GC: SIGUSR2 to the gateway, whose preloaded probe logs one JSON line. */
async function heapAfterGc() {
  const before = (await readFile(logFile, 'utf8')).length;
  process.kill(gw.pid, 'SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const added = (await readFile(logFile, 'utf8')).slice(before);
    const line = added.split('\n').find((l) => l.includes('"heap probe"'));
    if (line) return JSON.parse(line).heap_used_bytes / MiB;
  }
  return NaN;
}

const samples = [];
async function sample(m) {
  const text = await metricsText();
  const s = {
    minute: m,
    requests: minute.sent,
    reqPerS: minute.sent / 60,
    unexpected: minute.unexpected,
    errors: minute.errors,
    reloadsWritten: reloads,
    reloadsApplied: metric(text, 'portcullis_snapshot_reloads_total'),
    reloadFailures: metric(text, 'portcullis_snapshot_reload_failures_total'),
    rssMiB: rssMiB(gw.pid),
    heapUsedMiB: metric(text, 'nodejs_heap_size_used_bytes') / MiB,
    heapTotalMiB: metric(text, 'nodejs_heap_size_total_bytes') / MiB,
    heapAfterGcMiB: await heapAfterGc(),
  };
  totals.sent += minute.sent;
  totals.unexpected += minute.unexpected;
  totals.errors += minute.errors;
  minute = { sent: 0, unexpected: 0, errors: 0, byKind: new Map() };
  samples.push(s);
  console.log(
    `min ${String(m).padStart(2)}  ${fmt(s.reqPerS).padStart(4)} req/s  unexpected ${s.unexpected}  errors ${s.errors}  ` +
      `reloads ${s.reloadsApplied}/${s.reloadsWritten + 1}  RSS ${fmt(s.rssMiB, 1)} MiB  heap ${fmt(s.heapUsedMiB, 1)}/${fmt(s.heapTotalMiB, 1)} MiB  ` +
      `heap after GC ${fmt(s.heapAfterGcMiB, 1)} MiB`,
  );
}

console.log(`soak: ${MINUTES} min, ~${RATE} req/s over ${CONCURRENCY} connections, reload every ${RELOAD_MS / 1000} s, ` +
  `${CREDENTIALS} credentials; gateway pid ${gw.pid}, log ${logFile}`);
console.log(`bound: after minute ${WARMUP}, RSS grows ≤ ${RSS_BOUND} MiB and heap after GC ≤ ${HEAP_BOUND} MiB (last sample − warm-up sample, and the largest sample − warm-up sample)`);
const t0 = Date.now();
let exitCode = 0;
try {
  for (let m = 1; m <= MINUTES; m++) {
    await new Promise((r) => setTimeout(r, t0 + m * 60_000 - Date.now()));
    if (gw.exitCode !== null || gw.signalCode !== null) throw new Error(`gateway exited (${gw.exitCode ?? gw.signalCode}); see ${logFile}`);
    await sample(m);
  }
} catch (err) {
  console.error(`soak failed: ${err.message}`);
  exitCode = 1;
} finally {
  running = false;
  clearInterval(pacer);
  clearInterval(reloader);
}

// ---- verdict ----
const warm = samples.find((s) => s.minute === WARMUP);
const last = samples.at(-1);
const after = samples.filter((s) => s.minute >= WARMUP);
/** Least-squares slope in MiB per minute. */
function slope(points, key) {
  if (points.length < 2) return NaN;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.minute, 0) / n;
  const my = points.reduce((a, p) => a + p[key], 0) / n;
  const num = points.reduce((a, p) => a + (p.minute - mx) * (p[key] - my), 0);
  const den = points.reduce((a, p) => a + (p.minute - mx) ** 2, 0);
  return num / den;
}
if (warm && last) {
  const rssGrowth = last.rssMiB - warm.rssMiB;
  const rssPeakGrowth = Math.max(...after.map((s) => s.rssMiB)) - warm.rssMiB;
  const heapGrowth = last.heapAfterGcMiB - warm.heapAfterGcMiB;
  const heapPeakGrowth = Math.max(...after.map((s) => s.heapAfterGcMiB)) - warm.heapAfterGcMiB;
  console.log('');
  console.log(markdownTable(
    ['minute', 'req/s', 'unexpected', 'errors', 'reloads applied', 'RSS MiB', 'heap used MiB', 'heap after GC MiB'],
    samples.map((s) => [s.minute, fmt(s.reqPerS), s.unexpected, s.errors, s.reloadsApplied, fmt(s.rssMiB, 1), fmt(s.heapUsedMiB, 1), fmt(s.heapAfterGcMiB, 1)]),
  ));
  console.log('');
  console.log(`requests ${totals.sent}, unexpected statuses ${totals.unexpected}, transport errors ${totals.errors}, reloads written ${reloads}, applied ${last.reloadsApplied - 1}, failed ${last.reloadFailures}`);
  console.log(`after minute ${WARMUP}: RSS ${fmt(warm.rssMiB, 1)} → ${fmt(last.rssMiB, 1)} MiB (growth ${fmt(rssGrowth, 1)}, peak growth ${fmt(rssPeakGrowth, 1)}, slope ${fmt(slope(after, 'rssMiB'), 2)} MiB/min); ` +
    `heap after GC ${fmt(warm.heapAfterGcMiB, 1)} → ${fmt(last.heapAfterGcMiB, 1)} MiB (growth ${fmt(heapGrowth, 1)}, peak growth ${fmt(heapPeakGrowth, 1)}, slope ${fmt(slope(after, 'heapAfterGcMiB'), 2)} MiB/min)`);
  for (const u of unexpectedSamples) console.log(`  unexpected: ${u}`);
  const flat = rssPeakGrowth <= RSS_BOUND && heapPeakGrowth <= HEAP_BOUND;
  const clean = totals.unexpected === 0 && totals.errors === 0 && last.reloadFailures === 0;
  console.log(`verdict: memory ${flat ? 'FLAT' : 'GROWING'} (bounds RSS ${RSS_BOUND} MiB, heap after GC ${HEAP_BOUND} MiB); traffic ${clean ? 'CLEAN' : 'NOT CLEAN'}`);
  if (!flat || !clean) exitCode = 1;
  if (opt.json) writeFileSync(opt.json, JSON.stringify({ options: opt, samples, totals, reloads }, null, 2));
}

await agent.close().catch(() => {});
await stopProcess(gw);
await new Promise((r) => upstream.close(r));
if (!opt.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
process.exit(exitCode);
