#!/usr/bin/env node
/**
 * What tracing costs (docs/tracing.md#cost): the jwt HS256 scenario of run.mjs, rounds
 * alternating between
 *   base           BASE_CLI (e.g. a build of main), tracing off          (only when BASE_CLI is given)
 *   base-otel-1%   BASE_CLI, tracing on at 1 %                           (only when BASE_CLI is given)
 *   off            this build (dist/cli.js), tracing off
 *   otel-1%        this build, --otel-endpoint to a local OTLP sink, --otel-sample-ratio 0.01
 *   otel-100%      this build, every request recorded and exported       (--with-100)
 * Prints median req/s, the gateway's CPU microseconds per request (less sensitive to a shared
 * machine than req/s), its peak RSS, and each variant's req/s over the jwt-alone one of its build.
 * Gateway pinned to core 0, nginx upstream and wrk to core 1; loopback only; every child killed on exit.
 *
 *   node bench/tracing-ab.mjs [BASE_CLI] [--rounds 3] [--seconds 5] [--with-100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOtlpSink } from './lib/otlp-sink.mjs';
import { freePorts } from './lib/ports.mjs';
import { cpuSeconds, peakRssMiB } from './lib/procstat.mjs';
import { installCleanup, startProcess, stopProcess, waitForHttp } from './lib/processes.mjs';
import { prepareContext } from './lib/scenarios.mjs';
import { GATEWAY_CPU } from './lib/servers.mjs';
import { runWrk } from './lib/wrk.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  if (i === -1) return dflt;
  const v = Number(argv[i + 1]);
  argv.splice(i, 2);
  return v;
};
const with100 = argv.includes('--with-100');
if (with100) argv.splice(argv.indexOf('--with-100'), 1);
const rounds = opt('--rounds', 3);
const seconds = opt('--seconds', 5);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const thisCli = path.join(repo, 'dist/cli.js');
const baseCli = argv[0];

installCleanup(60 + rounds * 3 * (seconds + 20));
const dir = mkdtempSync(`${tmpdir()}/portcullis-tracing-ab-`);
const ctx = await prepareContext(dir, 64, { algorithms: ['HS256'] });
const sink = await startOtlpSink();
const otel = (ratio) => ['--otel-endpoint', sink.url, '--otel-sample-ratio', ratio];
const variants = [
  ...(baseCli ? [{ id: 'base', cli: path.resolve(baseCli), args: [] }, { id: 'base-otel-1%', cli: path.resolve(baseCli), args: otel('0.01'), alone: 'base' }] : []),
  { id: 'off', cli: thisCli, args: [] },
  { id: 'otel-1%', cli: thisCli, args: otel('0.01'), alone: 'off' },
  ...(with100 ? [{ id: 'otel-100%', cli: thisCli, args: otel('1'), alone: 'off' }] : []),
];
const results = Object.fromEntries(variants.map((v) => [v.id, []]));

async function measure(v) {
  const [port, admin, status] = await freePorts(3);
  const child = startProcess(`portcullis ${v.id}`, process.execPath, [v.cli, 'standalone', '--config', ctx.kongFiles.HS256,
    '--proxy-listen', `127.0.0.1:${port}`, '--proxy-listen-tls', 'off', '--admin-listen', `127.0.0.1:${admin}`,
    '--status-listen', `127.0.0.1:${status}`, '--access-log', 'off', ...v.args], { cpu: GATEWAY_CPU, logFile: `${dir}/${v.id}.log` });
  try {
    await waitForHttp(status, { path: '/readyz', status: 200, child, timeoutMs: 30_000 });
    await runWrk({ port, requestFile: ctx.requestFiles.HS256, seconds: 2 });
    const cpu0 = cpuSeconds(child.pid);
    const r = await runWrk({ port, requestFile: ctx.requestFiles.HS256, seconds });
    const cpu = cpuSeconds(child.pid) - cpu0;
    return { rps: r.rps, cpuUsPerReq: (cpu * 1e6) / r.requests, peakRss: peakRssMiB(child.pid) };
  } finally {
    await stopProcess(child);
  }
}

try {
  for (let round = 1; round <= rounds; round++) {
    for (const v of variants) {
      const m = await measure(v);
      results[v.id].push(m);
      console.log(`[round ${round}/${rounds}] ${v.id.padEnd(12)} ${Math.round(m.rps)} req/s  ${m.cpuUsPerReq.toFixed(1)} µs CPU/request  ${Math.round(m.peakRss)} MiB peak RSS`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const med = (id, k) => median(results[id].map((m) => m[k]));
  // Per round: this variant's req/s over its build's tracing-off run of the same round (paired).
  const ratio = (v) => (v.alone === undefined ? '' : median(results[v.id].map((m, i) => m.rps / results[v.alone][i].rps)).toFixed(3));
  console.log(`\n| variant | req/s (median) | ÷ tracing off, same build and round (median) | gateway CPU µs / request (median) | peak RSS MiB (median) |\n| --- | ---: | ---: | ---: | ---: |`);
  for (const v of variants) {
    console.log(`| ${v.id} | ${Math.round(med(v.id, 'rps'))} | ${ratio(v)} | ${med(v.id, 'cpuUsPerReq').toFixed(1)} | ${Math.round(med(v.id, 'peakRss'))} |`);
  }
  console.log(`\nOTLP sink: ${sink.requests} export requests, ${sink.bytes} bytes`);
} finally {
  await stopProcess(ctx.upstream.child);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
