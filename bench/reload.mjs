#!/usr/bin/env node
// Reload under load: Portcullis (HS256, one token per connection) measured in alternating windows,
// steady and while its kong.yml is rewritten 100 times, every 100 ms (a consumer and a route added
// each time, so every rewrite is a real change), for --rounds rounds. Reports non-2xx and socket
// errors, req/s and p99 of each window and the ratio of the median p99s.
// usage: node bench/reload.mjs [--rounds N] [--rewrites N] [--interval MS] [--atomic] [--no-build] [--keep] [--node-arg=--flag]
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { consumersFor, kongYaml } from './fixtures.mjs';
import { prepareHs256Bench } from './lib/hs256-bench.mjs';
import { installCleanup, stopProcess } from './lib/processes.mjs';
import { peakRssMiB } from './lib/procstat.mjs';
import { startPortcullis } from './lib/servers.mjs';
import { fmt, markdownTable, median } from './lib/stats.mjs';
import { runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({
  options: {
    rewrites: { type: 'string', default: '100' },
    interval: { type: 'string', default: '100' },
    connections: { type: 'string', default: '64' },
    atomic: { type: 'boolean', default: false }, // write a temp file and rename (ConfigMap-style) instead of in place
    'no-build': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    'node-arg': { type: 'string', multiple: true, default: [] }, // e.g. --node-arg=--trace-gc (output goes to the gateway log)
  },
});
const REWRITES = Number(opt.rewrites);
const INTERVAL = Number(opt.interval);
const ROUNDS = Number(opt.rounds);
const CONNECTIONS = Number(opt.connections);
const RUN_S = Math.ceil((REWRITES * INTERVAL) / 1000) + 2; // the rewrites fit inside the loaded run
installCleanup(300);

const { dir, creds, requestFile, upstream, upstreamUrl, yamlFile } = await prepareHs256Bench('reload', opt, CONNECTIONS);

/** Version n of the file: the benchmark's route and consumers plus n extra consumers and routes. */
function version(n) {
  const extra = Array.from({ length: n }, (_, i) => ({ username: `reload-${i}`, jwt_secrets: [{ key: `reload-key-${i}`, algorithm: 'HS256', secret: `reload-secret-${i}-0123456789abcdef` }] }));
  return kongYaml({
    services: [
      { name: 'bench-upstream', url: upstreamUrl, routes: [{ name: 'bench-root', paths: ['/'] }], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }] },
      { name: 'reload-extra', url: upstreamUrl, routes: Array.from({ length: n }, (_, i) => ({ name: `reload-route-${i}`, paths: [`/reload-${i}`] })) },
    ],
    consumers: [...consumersFor(creds), ...extra],
  });
}

function rewrite(n) {
  if (!opt.atomic) return writeFileSync(yamlFile, version(n), { mode: 0o600 });
  writeFileSync(`${yamlFile}.tmp`, version(n), { mode: 0o600 });
  renameSync(`${yamlFile}.tmp`, yamlFile);
}

const rows = [];
let gw;
let written = 0;
try {
  gw = await startPortcullis(dir, yamlFile, { nodeArgs: opt['node-arg'] });
  await runWrk({ port: gw.port, requestFile, seconds: 2, connections: CONNECTIONS, threads: CONNECTIONS });
  // Steady and reload windows alternate: a steady window only right after start would run before
  // V8's first major GC (its initial old-generation limit is generous) and look better than any
  // later window, reloads or not.
  for (let round = 1; round <= ROUNDS; round++) {
    const steady = await runWrk({ port: gw.port, requestFile, seconds: RUN_S, connections: CONNECTIONS, threads: CONNECTIONS });
    rows.push({ kind: 'steady', name: `steady (round ${round})`, w: steady });

    const loaded = runWrk({ port: gw.port, requestFile, seconds: RUN_S, connections: CONNECTIONS, threads: CONNECTIONS });
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    let inRound = 0;
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        rewrite(++written);
        if (++inRound >= REWRITES) { clearInterval(timer); resolve(); }
      }, INTERVAL);
    });
    const rewriteS = (performance.now() - t0) / 1000;
    rows.push({ kind: 'reload', name: `${inRound} rewrites in ${rewriteS.toFixed(1)} s${opt.atomic ? ' (rename)' : ' (in place)'} (round ${round})`, w: await loaded });
  }
  console.log(`peak RSS ${fmt(peakRssMiB(gw.child.pid), 1)} MiB; gateway still running: ${gw.child.exitCode === null}`);
} finally {
  if (gw) await stopProcess(gw.child);
  await stopProcess(upstream.child);
}

console.log(`\nwrk ${CONNECTIONS} threads × ${CONNECTIONS} connections (one token per connection), ${RUN_S} s each, ${ROUNDS} round(s)`);
console.log(markdownTable(['run', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'socket errors (c/r/w/t)'],
  rows.map(({ name, w }) => [name, fmt(w.rps), fmt(w.p50ms, 2), fmt(w.p99ms, 2), fmt(w.maxms, 1), fmt(w.non2xx),
    `${w.errors.connect}/${w.errors.read}/${w.errors.write}/${w.errors.timeout}`])));
const p99 = (kind) => median(rows.filter((r) => r.kind === kind).map((r) => r.w.p99ms));
if (rows.length >= 2) {
  console.log(`p99 under reload / steady (medians over rounds): ${fmt(p99('reload'), 2)} / ${fmt(p99('steady'), 2)} ms = ${fmt(p99('reload') / p99('steady'), 2)}`);
}
if (!opt.keep) rmSync(dir, { recursive: true, force: true }); else console.log(`kept ${dir}`);
