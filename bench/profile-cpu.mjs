#!/usr/bin/env node
// Load-independent cost per request: gateway CPU-µs per request (utime+stime from /proc over a wrk
// run, divided by the requests wrk counted), side by side for several targets, rounds interleaved.
// Throughput on a shared machine swings with the neighbours; CPU time per request much less so.
//
// usage: node bench/profile-cpu.mjs [--targets t1,t2,…] [--cli label=path …] [--rounds N]
//          [--seconds S] [--warmup S] [--connections N] [--threads N] [--cpu-prof DIR] [--trace-gc]
// target: node-pipe | <auth>[:<cli label>[:<node flags, space separated>]]
//   auth: none | HS256 | RS256 | ES256   cli label: from --cli (default "cur" = dist/cli.js)
//   e.g. --cli base=bench/.base/dist/cli.js --targets node-pipe,HS256:base,HS256:cur,"HS256:cur:--max-semi-space-size=64"
// --cpu-prof DIR: every Portcullis run writes a V8 .cpuprofile there (summarise: bench/profile-summary.mjs).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchKongYaml, makeCredentials, signToken } from './fixtures.mjs';
import { freePorts } from './lib/ports.mjs';
import { httpGet, installCleanup, startProcess, stopProcess, waitForHttp } from './lib/processes.mjs';
import { cpuSeconds } from './lib/procstat.mjs';
import { parseProfileTargets } from './lib/profile-targets.mjs';
import { REPO_DIR } from './lib/setup.mjs';
import { GATEWAY_CPU, startNodePeer, startUpstream } from './lib/servers.mjs';
import { fmt, median } from './lib/stats.mjs';
import { runWrk, writeRequestFile } from './lib/wrk.mjs';

const { values: opt } = parseArgs({
  options: {
    targets: { type: 'string', default: 'node-pipe,HS256' },
    cli: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '8' },
    'cpu-prof': { type: 'string' },
    'trace-gc': { type: 'boolean', default: false },
    strace: { type: 'boolean', default: false },
  },
});
installCleanup(1800);

const targets = parseProfileTargets(opt.targets, opt.cli);
const CONNECTIONS = Number(opt.connections);
const dir = mkdtempSync(`${tmpdir()}/portcullis-profile-`);
if (opt['cpu-prof']) mkdirSync(opt['cpu-prof'], { recursive: true });

const algs = [...new Set(targets.map((t) => t.auth).filter((a) => a !== 'none'))];
const creds = Object.fromEntries(await Promise.all(algs.map(async (a) => [a, await makeCredentials(a, CONNECTIONS)])));
const upstream = await startUpstream(dir);
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
const files = { none: { kong: `${dir}/kong-none.yml`, req: `${dir}/req-none.tsv`, token: null } };
writeFileSync(files.none.kong, benchKongYaml({ upstreamUrl }));
writeRequestFile(files.none.req, [{ path: '/' }]);
for (const a of algs) {
  const tokens = creds[a].map((c) => signToken(c));
  files[a] = { kong: `${dir}/kong-${a}.yml`, req: `${dir}/req-${a}.tsv`, token: tokens[0] };
  writeFileSync(files[a].kong, benchKongYaml({ upstreamUrl, credentials: creds[a] }), { mode: 0o600 });
  writeRequestFile(files[a].req, tokens.map((token) => ({ path: '/', token })));
}

async function start(t, i, round) {
  if (t.kind === 'node-pipe') return startNodePeer(dir, 'node-pipe.mjs', [], upstream.port);
  const nodeArgs = [...t.nodeArgs];
  if (opt['cpu-prof']) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${resolve(opt['cpu-prof'])}`, `--cpu-prof-name=t${i}-r${round}-${t.auth}.cpuprofile`);
  if (opt['trace-gc']) nodeArgs.push('--trace-gc');
  // As bench/lib/servers.mjs startPortcullis, but with a selectable build.
  const [port, adminPort, statusPort] = await freePorts(3);
  const child = startProcess(`t${i}`, process.execPath, [...nodeArgs, t.cli, 'standalone', '--config', files[t.auth].kong,
    '--proxy-listen', `127.0.0.1:${port}`, '--admin-listen', `127.0.0.1:${adminPort}`,
    '--status-listen', `127.0.0.1:${statusPort}`, '--access-log', 'off'], { cpu: GATEWAY_CPU, logFile: `${dir}/t${i}-r${round}.log`, cwd: REPO_DIR });
  await waitForHttp(statusPort, { path: '/readyz', status: 200, child, timeoutMs: 30000 });
  return { port, child };
}

/** strace -c attached to the gateway (counts only; it slows the process, so ignore the µs then). */
async function startStrace(pid, file) {
  const child = spawn('strace', ['-c', '-f', '-o', file, '-p', String(pid)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  return {
    stop: async () => {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await done;
      return readFileSync(file, 'utf8');
    },
  };
}

function printSyscalls(text, requests) {
  const rows = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 5 && /^\d/.test(f[0]) && f.at(-1) !== 'total') rows.push([f.at(-1), Number(f[3])]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  console.log(`           syscalls/req: ${rows.slice(0, 8).map(([n, c]) => `${n} ${(c / requests).toFixed(2)}`).join(', ')}`);
}

const results = targets.map(() => []);
try {
  for (let round = 1; round <= Number(opt.rounds); round++) {
    for (const [i, t] of targets.entries()) {
      const s = await start(t, i, round);
      try {
        const f = files[t.auth];
        const ok = await httpGet(s.port, '/', f.token ? { authorization: `Bearer ${f.token}` } : {});
        if (ok.status !== 200) throw new Error(`${t.spec}: valid request got ${ok.status}`);
        const wrk = { port: s.port, requestFile: f.req, connections: CONNECTIONS, threads: Number(opt.threads) };
        await runWrk({ ...wrk, seconds: Number(opt.warmup) });
        const pid = s.child.pid;
        const tracer = opt.strace ? await startStrace(pid, `${dir}/strace-${i}-${round}.txt`) : null;
        const c0 = cpuSeconds(pid);
        const w = await runWrk({ ...wrk, seconds: Number(opt.seconds) });
        const cpu = cpuSeconds(pid) - c0;
        if (tracer) printSyscalls(await tracer.stop(), w.requests);
        const r = { usPerReq: (cpu * 1e6) / w.requests, rps: w.rps, perCore: w.requests / cpu, p99: w.p99ms, non2xx: w.non2xx, errors: w.socketErrors };
        results[i].push(r);
        console.log(`[round ${round}] ${t.spec.padEnd(40)} ${fmt(r.usPerReq, 1)} CPU-µs/req  ${fmt(r.rps)} req/s  ${fmt(r.perCore)} req/CPU-s  non-2xx ${r.non2xx}  err ${r.errors}`);
      } finally {
        await stopProcess(s.child, 15000);
      }
      if (opt['trace-gc'] && t.kind === 'portcullis') {
        const log = readFileSync(`${dir}/t${i}-r${round}.log`, 'utf8');
        const scav = (log.match(/Scavenge/g) ?? []).length;
        const ms = (log.match(/Mark-Compact|Mark-sweep/gi) ?? []).length;
        console.log(`           gc: ${scav} scavenges, ${ms} mark-compacts (whole run incl. warm-up)`);
      }
    }
  }
} finally {
  await stopProcess(upstream.child);
}

console.log('\nmedians:');
const base = median(results[0].map((r) => r.usPerReq));
for (const [i, t] of targets.entries()) {
  const us = median(results[i].map((r) => r.usPerReq));
  console.log(`${t.spec.padEnd(40)} ${fmt(us, 1).padStart(7)} CPU-µs/req  ${fmt(1e6 / us).padStart(7)} req/CPU-s  ×${fmt(base / us, 3)} vs ${targets[0].spec}  (runs: ${results[i].map((r) => fmt(r.usPerReq, 1)).join(' ')})`);
}
