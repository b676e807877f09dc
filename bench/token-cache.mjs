#!/usr/bin/env node
// The verified-token cache under a flood of distinct valid tokens: one HS256 consumer, N routes
// each with its own jwt plugin instance, honest clients reusing a few hundred ordinary tokens, and
// an attacker (holding a valid credential) sending tens of thousands of distinct large tokens,
// interleaved with the honest traffic. Prints the gateway's resident memory (VmRSS summed over
// the process tree: primary + workers) before and after each attack wave, and the cache's hit rate
// for the honest requests and its bytes/entries/budget from /metrics. One process, then --workers 2.
// usage: node bench/token-cache.mjs [--attack 60000] [--routes 6] [--token-bytes 3900] [--honest 300]
//          [--waves 2] [--workers 2] [--concurrency 32] [--only one|workers] [--pod-memory MiB] [--no-build]
//          [-- gateway args...]
// --pod-memory M gives every gateway process the V8 heap Node 20 picks in a container limited to M MiB
// (old space = M/4, as V8 sizes it from the cgroup limit Node passes it), e.g. --pod-memory 512 for
// the chart's default limit.
// PORTCULLIS_BENCH_CLI=/path/cli.js measures another build (e.g. main's, for a before/after).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { consumersFor, kongYaml, makeHs256CredentialsSync, signToken } from './fixtures.mjs';
import { installCleanup, stopProcess } from './lib/processes.mjs';
import { processTree, rssMiB } from './lib/procstat.mjs';
import { startPortcullis } from './lib/servers.mjs';
import { buildProject, PORTCULLIS_CLI } from './lib/setup.mjs';
import { fmt, markdownTable } from './lib/stats.mjs';

const { values: opt, positionals: gatewayArgs } = parseArgs({
  allowPositionals: true,
  options: {
    attack: { type: 'string', default: '60000' },
    routes: { type: 'string', default: '6' },
    'token-bytes': { type: 'string', default: '3900' },
    honest: { type: 'string', default: '300' },
    waves: { type: 'string', default: '2' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
    only: { type: 'string' },
    'pod-memory': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
const ATTACK = Number(opt.attack);
const ROUTES = Number(opt.routes);
const TOKEN_BYTES = Number(opt['token-bytes']);
const HONEST = Number(opt.honest);
const WAVES = Number(opt.waves);
const CONCURRENCY = Number(opt.concurrency);
/** One honest request after every this many attack requests. */
const HONEST_EVERY = 10;
const nodeArgs = opt['pod-memory'] ? [`--max-old-space-size=${Math.floor(Number(opt['pod-memory']) / 4)}`] : [];
installCleanup(1800);

if (!opt['no-build'] && !process.env.PORTCULLIS_BENCH_CLI) {
  const e = buildProject();
  if (e) throw new Error(e);
}

const dir = mkdtempSync(`${tmpdir()}/portcullis-token-cache-`);
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

const [cred] = makeHs256CredentialsSync(1, 'bench');
const routePath = (r) => `/r${r}`;
const plugin = { name: 'jwt', config: { claims_to_verify: ['exp'] } };
const services = [{
  name: 'bench-upstream',
  url: upstreamUrl,
  routes: Array.from({ length: ROUTES }, (_, r) => ({ name: `route-${r}`, paths: [routePath(r)], plugins: [plugin] })),
}];
const yamlFile = `${dir}/kong.yml`;
writeFileSync(yamlFile, kongYaml({ services, consumers: consumersFor([cred]) }), { mode: 0o600 });

/** A distinct valid token of about TOKEN_BYTES characters (the padding claim sizes it). */
const padFor = (() => {
  const base = signToken(cred, { claims: { jti: 'a0-0000000', pad: '' } }).length;
  return 'x'.repeat(Math.max(0, Math.floor(((TOKEN_BYTES - base) * 3) / 4)));
})();
const attackToken = (wave, i) => signToken(cred, { claims: { jti: `a${wave}-${String(i).padStart(7, '0')}`, pad: padFor } });
const honest = Array.from({ length: HONEST }, (_, i) => ({ route: i % ROUTES, token: signToken(cred, { claims: { sub: `client-${i}` } }) }));
const sampleAttack = attackToken(0, 0);

/** Sends every job of `jobs` (a generator of { route, token }) with CONCURRENCY in flight; counts statuses. */
async function send(pool, jobs) {
  const statuses = new Map();
  const next = () => jobs.next();
  const worker = async () => {
    for (let j = next(); !j.done; j = next()) {
      const { statusCode, body } = await pool.request({ method: 'GET', path: routePath(j.value.route), headers: { authorization: `Bearer ${j.value.token}` } });
      await body.dump();
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

function* honestRound(times = 1) {
  for (let t = 0; t < times; t++) yield* honest;
}

function* attackWave(wave, counter) {
  for (let i = 0; i < ATTACK; i++) {
    yield { route: i % ROUTES, token: attackToken(wave, i) };
    if ((i + 1) % HONEST_EVERY === 0) {
      counter.honest++;
      yield honest[(i / HONEST_EVERY) % HONEST | 0];
    }
  }
}

async function metrics(statusPort) {
  const text = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
  const value = (series) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return {
    bytes: value('portcullis_jwt_token_cache_bytes'),
    entries: value('portcullis_jwt_token_cache_entries'),
    budget: value('portcullis_jwt_token_cache_budget_bytes'),
    evictions: value('portcullis_jwt_token_cache_evictions_total'),
    hits: value('portcullis_jwt_token_cache_lookups_total{result="hit"}'),
    misses: value('portcullis_jwt_token_cache_lookups_total{result="miss"}'),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 2000));
const okOnly = (statuses, what) => {
  const bad = [...statuses].filter(([s]) => s !== 200);
  if (bad.length) throw new Error(`${what}: unexpected statuses ${JSON.stringify(bad)}`);
};
const hitRate = (a, b, lookups) => (a.hits === undefined || b.hits === undefined ? undefined : (100 * (b.hits - a.hits)) / lookups);

const scenarios = [
  { id: 'one process', only: 'one', args: [] },
  { id: `--workers ${opt.workers}`, only: 'workers', args: ['--workers', opt.workers] },
].filter((s) => !opt.only || opt.only === s.only);

console.log(`gateway: node ${nodeArgs.join(' ')} ${PORTCULLIS_CLI} ${gatewayArgs.join(' ')}`);
console.log(`${ROUTES} routes (one jwt plugin each), ${HONEST} honest tokens of ${honest[0].token.length} chars, `
  + `${WAVES} attack wave(s) of ${ATTACK} distinct valid tokens of ${sampleAttack.length} chars, one honest request per ${HONEST_EVERY} attack requests`);

const rows = [];
try {
  for (const s of scenarios) {
    const gw = await startPortcullis(dir, yamlFile, { name: s.only, cpu: undefined, nodeArgs, args: [...s.args, ...gatewayArgs] });
    const pool = new Pool(`http://127.0.0.1:${gw.port}`, { connections: CONCURRENCY });
    const row = { id: s.id, processes: processTree(gw.child.pid).length, waves: [] };
    rows.push(row);
    try {
      okOnly(await send(pool, honestRound(3)), 'honest warm-up');
      await settle();
      row.rssBefore = rssMiB(gw.child.pid);
      for (let wave = 1; wave <= WAVES; wave++) {
        const m0 = await metrics(gw.statusPort);
        const counter = { honest: 0 };
        const t0 = performance.now();
        okOnly(await send(pool, attackWave(wave, counter)), `attack wave ${wave}`);
        const seconds = (performance.now() - t0) / 1000;
        const m1 = await metrics(gw.statusPort);
        okOnly(await send(pool, honestRound()), 'honest round');
        const m2 = await metrics(gw.statusPort);
        await settle();
        row.waves.push({
          rss: rssMiB(gw.child.pid), rps: (ATTACK + counter.honest) / seconds,
          hitDuring: hitRate(m0, m1, counter.honest), hitAfter: hitRate(m1, m2, HONEST), cache: m2,
        });
      }
    } catch (err) {
      // A gateway that runs out of heap under the attack is a result, not a bench failure.
      const log = readFileSync(gw.logFile, 'utf8');
      const oom = /heap out of memory|Allocation failed/.test(log);
      row.failed = `${oom ? 'ran out of heap' : 'failed'} in wave ${row.waves.length + 1}: ${err.message ?? err}`.slice(0, 160);
      console.error(`${s.id}: ${row.failed}`);
    } finally {
      await pool.destroy();
      await stopProcess(gw.child);
    }
  }
} finally {
  upstream.close();
  rmSync(dir, { recursive: true, force: true });
}

const mib = (b) => (b === undefined ? 'n/a' : fmt(b / 2 ** 20, 1));
const pct = (p) => (p === undefined ? 'n/a' : `${fmt(p, 1)} %`);
console.log(markdownTable(
  ['gateway', 'processes', 'wave', 'RSS before MiB', 'RSS after MiB', 'Δ RSS MiB', 'req/s', 'honest hit rate during attack', 'honest hit rate after', 'cache MiB (budget)', 'entries', 'evictions'],
  rows.flatMap((r) => [...r.waves.map((w, i) => [
    r.id, String(r.processes), String(i + 1), fmt(r.rssBefore, 1), fmt(w.rss, 1), fmt(w.rss - r.rssBefore, 1), fmt(w.rps),
    pct(w.hitDuring), pct(w.hitAfter), `${mib(w.cache.bytes)} (${mib(w.cache.budget)})`,
    w.cache.entries === undefined ? 'n/a' : fmt(w.cache.entries), w.cache.evictions === undefined ? 'n/a' : fmt(w.cache.evictions),
  ]), ...(r.failed ? [[r.id, String(r.processes), String(r.waves.length + 1), fmt(r.rssBefore, 1), r.failed, '', '', '', '', '', '', '']] : [])]),
));
