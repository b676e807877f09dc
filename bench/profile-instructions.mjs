#!/usr/bin/env node
// Instructions per proxied request, counted by valgrind (callgrind): independent of what else the
// machine runs, unlike req/s or even CPU time. The gateway runs under valgrind with instrumentation
// off; wrk drives it closed-loop (64 connections keep it saturated, as in the throughput bench); after
// the warm-up (JIT settled) instrumentation is switched on for a window, and Ir / requests counted by
// the upstream in that window is the figure. Counting is per process, all threads (GC helpers too).
//
// usage: node bench/profile-instructions.mjs [--targets …] [--cli label=path …] [--warmup S] [--window S]
//   targets as bench/profile-cpu.mjs: node-pipe | <none|HS256|RS256|ES256>[:<cli label>[:<node flags>]]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchKongYaml, makeCredentials, signToken } from './fixtures.mjs';
import { freePorts } from './lib/ports.mjs';
import { installCleanup, startProcess, stopProcess, waitForHttp } from './lib/processes.mjs';
import { parseProfileTargets } from './lib/profile-targets.mjs';
import { REPO_DIR } from './lib/setup.mjs';
import { fmt } from './lib/stats.mjs';
import { writeRequestFile } from './lib/wrk.mjs';

const { values: opt } = parseArgs({
  options: {
    targets: { type: 'string', default: 'node-pipe,HS256' },
    cli: { type: 'string', multiple: true, default: [] },
    warmup: { type: 'string', default: '40' },
    window: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
  },
});
installCleanup(3600);

const targets = parseProfileTargets(opt.targets, opt.cli);
const CONNECTIONS = Number(opt.connections);
const dir = mkdtempSync(`${tmpdir()}/portcullis-instr-`);
const LUA = fileURLToPath(new URL('./lua/requests.lua', import.meta.url));

// Upstream: a counting node:http server (the count is what we divide by).
let served = 0;
const upstream = http.createServer((req, res) => {
  served++;
  req.resume();
  res.end('Hello world!');
});
upstream.keepAliveTimeout = 120_000;
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

const algs = [...new Set(targets.map((t) => t.auth).filter((a) => a !== 'none'))];
const creds = Object.fromEntries(await Promise.all(algs.map(async (a) => [a, await makeCredentials(a, CONNECTIONS)])));
const files = { none: { kong: `${dir}/kong-none.yml`, req: `${dir}/req-none.tsv` } };
writeFileSync(files.none.kong, benchKongYaml({ upstreamUrl }));
writeRequestFile(files.none.req, [{ path: '/' }]);
for (const a of algs) {
  files[a] = { kong: `${dir}/kong-${a}.yml`, req: `${dir}/req-${a}.tsv` };
  writeFileSync(files[a].kong, benchKongYaml({ upstreamUrl, credentials: creds[a] }), { mode: 0o600 });
  writeRequestFile(files[a].req, creds[a].map((c) => ({ path: '/', token: signToken(c) })));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const VALGRIND = ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--dump-instr=no'];

async function measure(t, i) {
  const [port, adminPort, statusPort] = await freePorts(3);
  const out = `${dir}/cg-${i}.out`;
  const args = t.kind === 'node-pipe'
    ? [process.execPath, fileURLToPath(new URL('./peers/node-pipe.mjs', import.meta.url)), String(port), String(upstream.address().port)]
    : [process.execPath, ...t.nodeArgs, t.cli, 'standalone', '--config', files[t.auth].kong, '--proxy-listen', `127.0.0.1:${port}`,
      '--admin-listen', `127.0.0.1:${adminPort}`, '--status-listen', `127.0.0.1:${statusPort}`, '--access-log', 'off'];
  const child = startProcess(`vg-${i}`, VALGRIND[0], [...VALGRIND.slice(1), `--callgrind-out-file=${out}`, ...args],
    { logFile: `${dir}/vg-${i}.log`, cwd: REPO_DIR });
  try {
    await waitForHttp(t.kind === 'node-pipe' ? port : statusPort, { path: t.kind === 'node-pipe' ? '/' : '/readyz', status: 200, child, timeoutMs: 180_000 });
    const warm = Number(opt.warmup);
    const window = Number(opt.window);
    const wrk = spawn('wrk', ['-t', '4', '-c', String(CONNECTIONS), '-d', `${warm + window + 10}s`, '--timeout', '10s', '-s', LUA,
      `http://127.0.0.1:${port}/`, '--', files[t.auth].req, '0', '4'], { stdio: 'ignore', detached: true });
    await sleep(warm * 1000);
    const c0 = served;
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
    await sleep(window * 1000);
    execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { stdio: 'ignore' });
    const requests = served - c0;
    try { process.kill(-wrk.pid, 'SIGKILL'); } catch { /* done */ }
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
    await sleep(1000);
    let ir = 0;
    for (const f of execFileSync('sh', ['-c', `ls ${out}*`]).toString().trim().split('\n')) {
      for (const m of readFileSync(f, 'utf8').matchAll(/^(?:summary|totals): (\d+)/gm)) ir = Math.max(ir, Number(m[1]));
    }
    return { requests, irPerReq: ir / requests };
  } finally {
    await stopProcess(child, 20000);
  }
}

try {
  for (const [i, t] of targets.entries()) {
    const r = await measure(t, i);
    t.result = r;
    console.log(`${t.spec.padEnd(40)} ${fmt(r.irPerReq / 1000, 1).padStart(7)} k instr/req  (${r.requests} requests in the window)`);
  }
} finally {
  upstream.close();
  upstream.closeAllConnections();
}
const base = targets[0].result.irPerReq;
console.log('\nratio vs first target (instructions per request; >1 = cheaper than it):');
for (const t of targets) console.log(`${t.spec.padEnd(40)} ×${fmt(base / t.result.irPerReq, 3)}`);
