#!/usr/bin/env node
// --workers scaling: Portcullis HS256 (one token per connection) as one process pinned to one core,
// then with --workers 2 on two cores, rounds alternating. Besides req/s it prints the gateway's CPU
// (primary + workers, from /proc) and requests per gateway CPU-second: on a machine where wrk and the
// upstream must share the cores with the gateway, req/s cannot double, but equal requests per
// CPU-second show that each added core carries a full process's share (the scaling is in the cores
// given, not lost to coordination).
// usage: node bench/workers.mjs [--workers N] [--rounds N] [--duration S] [--no-build] [--no-install]
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { prepareHs256Bench } from './lib/hs256-bench.mjs';
import { installCleanup, stopProcess } from './lib/processes.mjs';
import { cpuSeconds, peakRssMiB } from './lib/procstat.mjs';
import { startPortcullis } from './lib/servers.mjs';
import { fmt, markdownTable, median } from './lib/stats.mjs';
import { runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({
  options: {
    workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    'no-build': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
  },
});
const WORKERS = Number(opt.workers);
const CONNECTIONS = Number(opt.connections);
const cores = (n) => Array.from({ length: n }, (_, i) => i).join(',');
installCleanup(600);

const { dir, requestFile, upstream, yamlFile } = await prepareHs256Bench('workers', opt, CONNECTIONS);

const scenarios = [
  { id: 'one process, 1 core', cpu: '0', loadCpu: '1', args: [] },
  { id: `--workers ${WORKERS}, ${WORKERS} cores`, cpu: cores(WORKERS), loadCpu: cores(WORKERS), args: ['--workers', String(WORKERS)] },
];
const results = [];
try {
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (const s of scenarios) {
      const gw = await startPortcullis(dir, yamlFile, { name: `portcullis-${round}`, cpu: s.cpu, args: s.args });
      try {
        await runWrk({ port: gw.port, requestFile, seconds: 2, connections: CONNECTIONS, threads: CONNECTIONS, cpu: s.loadCpu });
        const c0 = cpuSeconds(gw.child.pid);
        const t0 = performance.now();
        const w = await runWrk({ port: gw.port, requestFile, seconds: Number(opt.duration), connections: CONNECTIONS, threads: CONNECTIONS, cpu: s.loadCpu });
        const seconds = (performance.now() - t0) / 1000;
        const cpuS = cpuSeconds(gw.child.pid) - c0;
        results.push({ id: s.id, ...w, cpuPct: (100 * cpuS) / seconds, perCpuSecond: w.requests / cpuS, peakRss: peakRssMiB(gw.child.pid) });
      } finally {
        await stopProcess(gw.child);
      }
    }
  }
} finally {
  await stopProcess(upstream.child);
  rmSync(dir, { recursive: true, force: true });
}

const rows = scenarios.map((s) => {
  const rs = results.filter((r) => r.id === s.id);
  const med = (k) => median(rs.map((r) => r[k]));
  return { id: s.id, rps: med('rps'), p99: med('p99ms'), cpu: med('cpuPct'), per: med('perCpuSecond'), rss: med('peakRss'), errors: rs.reduce((a, r) => a + r.non2xx + r.socketErrors, 0) };
});
console.log(`\n${opt.rounds} round(s) × ${opt.duration} s, wrk ${CONNECTIONS} threads × ${CONNECTIONS} connections (one token per connection); medians`);
console.log(markdownTable(['gateway', 'req/s', 'p99 ms', 'gw CPU % (all processes)', 'req per gw CPU-second', 'peak RSS MiB (all)', 'non-2xx + sock err'],
  rows.map((r) => [r.id, fmt(r.rps), fmt(r.p99, 2), fmt(r.cpu), fmt(r.per), fmt(r.rss, 1), fmt(r.errors)])));
const [one, many] = rows;
console.log(`\nreq/s ${WORKERS} workers / 1 process: ${fmt(many.rps / one.rps, 2)}; requests per gateway CPU-second: ${fmt(many.per / one.per, 2)}× the single process's`);
