#!/usr/bin/env node
// Scale benchmark: Portcullis on a kong.yml with 100,000 consumers (one HS256 credential each) and
// 10,000 routes (hosts, prefixes, wildcard hosts, a few regexes) vs a 10-route config.
// Reports snapshot build time, time to /readyz, RSS, and req/s + p50/p99 + gateway CPU-µs per
// request with wrk on a sample. Rounds alternate small and big (A B A B …) and the table shows
// medians, so drift in the neighbours' load hits both configs alike.
// usage: node bench/scale.mjs [--consumers N] [--routes N] [--rounds N] [--duration S] [--no-build] [--keep]
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { consumersFor, kongYaml, makeHs256CredentialsSync, signToken } from './fixtures.mjs';
import { httpGet, installCleanup, stopProcess } from './lib/processes.mjs';
import { cpuSeconds, peakRssMiB, rssMiB } from './lib/procstat.mjs';
import { buildProject, ensureDebianPackages } from './lib/setup.mjs';
import { startPortcullis, startUpstream } from './lib/servers.mjs';
import { fmt, markdownTable, median } from './lib/stats.mjs';
import { runWrk, writeRequestFile } from './lib/wrk.mjs';

const { values: opt } = parseArgs({
  options: {
    consumers: { type: 'string', default: '100000' },
    routes: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    'no-build': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const N_CONSUMERS = Number(opt.consumers);
const N_ROUTES = Number(opt.routes);
const CONNECTIONS = Number(opt.connections);
installCleanup(600);

/** Route i of a big config and a request that matches it (pure). */
function routeAndRequest(i) {
  switch (i % 5) {
    case 0: return { route: { hosts: [`h${i}.bench.test`], paths: ['/'] }, req: { host: `h${i}.bench.test`, path: '/x' } };
    case 1: return { route: { paths: [`/p/${i}`] }, req: { path: `/p/${i}/item` } };
    case 2: return { route: { hosts: [`api${i % 100}.bench.test`], paths: [`/v${i}/`] }, req: { host: `api${i % 100}.bench.test`, path: `/v${i}/y` } };
    case 3: return { route: { hosts: [`*.w${i}.bench.test`], paths: [`/w/${i}`] }, req: { host: `a.w${i}.bench.test`, path: `/w/${i}` } };
    default:
      return i % 500 === 4 // a few regexes (20 per 10,000 routes)
        ? { route: { paths: [`~/r/${i}/\\d+$`] }, req: { path: `/r/${i}/42` } }
        : { route: { paths: [`/q/${i}/a`, `/q/${i}/b`] }, req: { path: `/q/${i}/b/z` } };
  }
}

/** kong.yml text: `nRoutes` routes over services of 100 routes, a global jwt plugin, the consumers. */
function scaleYaml(upstreamUrl, nRoutes, consumers) {
  const services = [];
  for (let i = 0; i < nRoutes; i++) {
    if (i % 100 === 0) services.push({ name: `svc-${i / 100}`, url: upstreamUrl, routes: [] });
    services.at(-1).routes.push({ name: `route-${i}`, ...routeAndRequest(i).route });
  }
  return kongYaml({ services, consumers, plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }] });
}

/** A log line (pino JSON or text) that reports the snapshot build duration, if the gateway prints one. */
function snapshotBuildFromLog(logFile) {
  let text = '';
  try { text = readFileSync(logFile, 'utf8'); } catch { return null; }
  for (const line of text.split('\n')) {
    if (!/snapshot/i.test(line)) continue;
    try {
      const j = JSON.parse(line);
      const k = Object.keys(j).find((x) => /(ms|duration|took|elapsed)/i.test(x) && typeof j[x] === 'number');
      if (k) return { ms: j[k], field: k, msg: j.msg };
    } catch {
      const m = /(\d+(?:\.\d+)?)\s*ms/.exec(line);
      if (m) return { ms: Number(m[1]), field: 'text', msg: line.slice(0, 120) };
    }
  }
  return null;
}

async function measure(label, dir, yamlFile, requestFile, upstreamPid) {
  console.log(`${label}: starting Portcullis on ${(statSync(yamlFile).size / 1e6).toFixed(1)} MB of kong.yml`);
  const gw = await startPortcullis(dir, yamlFile, { name: `portcullis-${label}`, readyTimeoutMs: 240000 });
  try {
    const readyRss = rssMiB(gw.child.pid);
    const build = snapshotBuildFromLog(gw.logFile);
    const first = readFileSync(requestFile, 'utf8').split('\n')[0].split('\t');
    const probe = await httpGet(gw.port, first[1], { host: first[0], authorization: `Bearer ${first[2]}` });
    if (probe.status !== 200) throw new Error(`sample request got ${probe.status}: ${probe.body.slice(0, 100)}`);
    await runWrk({ port: gw.port, requestFile, seconds: Number(opt.warmup), connections: CONNECTIONS, threads: CONNECTIONS });
    const c0 = cpuSeconds(gw.child.pid); const t0 = performance.now();
    const w = await runWrk({ port: gw.port, requestFile, seconds: Number(opt.duration), connections: CONNECTIONS, threads: CONNECTIONS });
    const cpuS = cpuSeconds(gw.child.pid) - c0;
    const cpu = (100 * cpuS) / ((performance.now() - t0) / 1000);
    return { label, readyMs: gw.readyMs, build, readyRss, peakRss: peakRssMiB(gw.child.pid), cpu, cpuUsPerRequest: (cpuS * 1e6) / w.requests, ...w };
  } finally {
    await stopProcess(gw.child);
  }
}

const dir = mkdtempSync(`${tmpdir()}/portcullis-scale-`);
if (!opt['no-install']) ensureDebianPackages();
if (!opt['no-build']) { const e = buildProject(); if (e) throw new Error(e); }

const upstream = await startUpstream(dir);
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
const results = [];
try {
  let t = performance.now();
  const creds = makeHs256CredentialsSync(N_CONSUMERS);
  const bigYaml = `${dir}/kong-big.yml`;
  writeFileSync(bigYaml, scaleYaml(upstreamUrl, N_ROUTES, consumersFor(creds)), { mode: 0o600 });
  console.log(`generated ${N_CONSUMERS} consumers and ${N_ROUTES} routes in ${fmt(performance.now() - t)} ms`);

  // Sample: one request line per connection, random route, random consumer.
  const sample = Array.from({ length: CONNECTIONS }, () => {
    const { req } = routeAndRequest(Math.floor(Math.random() * N_ROUTES));
    const cred = creds[Math.floor(Math.random() * N_CONSUMERS)];
    return { ...req, token: signToken(cred) };
  });
  const bigReqs = `${dir}/requests-big.tsv`;
  writeRequestFile(bigReqs, sample);

  // Baseline: 10 routes and the 64 sampled consumers only.
  const smallYaml = `${dir}/kong-small.yml`;
  const smallCreds = sample.map((s) => creds.find((c) => c.key === JSON.parse(Buffer.from(s.token.split('.')[1], 'base64url')).iss));
  writeFileSync(smallYaml, scaleYaml(upstreamUrl, 10, consumersFor(smallCreds)), { mode: 0o600 });
  const smallReqs = `${dir}/requests-small.tsv`;
  writeRequestFile(smallReqs, sample.map((s, i) => ({ ...routeAndRequest(i % 10).req, token: s.token })));

  const configs = [
    { label: '10 routes', yaml: smallYaml, reqs: smallReqs },
    { label: `${N_ROUTES} routes, ${N_CONSUMERS} consumers`, yaml: bigYaml, reqs: bigReqs },
  ];
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (const c of configs) results.push(await measure(c.label, dir, c.yaml, c.reqs, upstream.child.pid));
  }
} finally {
  await stopProcess(upstream.child);
}

/** Medians over the rounds of one config. */
function summarize(label) {
  const rs = results.filter((r) => r.label === label);
  const med = (k) => median(rs.map((r) => r[k]));
  return {
    label, rounds: rs, build: median(rs.map((r) => r.build?.ms ?? NaN)),
    readyMs: med('readyMs'), readyRss: med('readyRss'), peakRss: med('peakRss'), rps: med('rps'), p50ms: med('p50ms'),
    p99ms: med('p99ms'), cpu: med('cpu'), cpuUsPerRequest: med('cpuUsPerRequest'),
    non2xx: rs.reduce((a, r) => a + r.non2xx, 0), socketErrors: rs.reduce((a, r) => a + r.socketErrors, 0),
  };
}
const [small, big] = [...new Set(results.map((r) => r.label))].map(summarize);

console.log(`\n${opt.rounds} round(s) per config, alternating; medians (errors summed over rounds)`);
console.log(markdownTable(
  ['config', 'spawn → /readyz ms', 'snapshot build ms (log)', 'RSS ready MiB', 'peak RSS MiB', 'req/s', 'p50 ms', 'p99 ms', 'gw CPU %', 'gw CPU µs/req', 'non-2xx', 'sock err'],
  [small, big].filter(Boolean).map((r) => [r.label, fmt(r.readyMs), fmt(r.build), fmt(r.readyRss, 1), fmt(r.peakRss, 1),
    fmt(r.rps), fmt(r.p50ms, 2), fmt(r.p99ms, 2), fmt(r.cpu), fmt(r.cpuUsPerRequest, 1), fmt(r.non2xx), fmt(r.socketErrors)]),
));
if (small && big) {
  const perRound = big.rounds.map((b, i) => fmt(b.rps / small.rounds[i].rps, 2)).join(', ');
  console.log(`\nreq/s big / small: ${fmt(big.rps / small.rps, 2)} (medians; per round: ${perRound})`);
  console.log(`gw CPU-µs per request small / big: ${fmt(small.cpuUsPerRequest / big.cpuUsPerRequest, 2)} (1.00 = no cost from size)`);
}
if (!opt.keep) rmSync(dir, { recursive: true, force: true }); else console.log(`kept ${dir}`);
