// Open-loop load: vegeta at a constant arrival rate (pinned to the load core), latencies read back
// exactly from its results. Why open loop: bench/README.md "Open loop".
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOAD_CPU } from './servers.mjs';

const ENSURE = fileURLToPath(new URL('../ensure-vegeta.sh', import.meta.url));

/** Build (first run only) and return the path of the pinned vegeta binary (bench/ensure-vegeta.sh). */
export function ensureVegeta() {
  const r = spawnSync('bash', [ENSURE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !path) throw new Error('bench/ensure-vegeta.sh failed (see its output above)');
  return path;
}

/** vegeta's http target format: one GET per token (round-robin over them), or one without a token. */
export function writeTargets(file, url, tokens) {
  const blocks = (tokens?.length ? tokens : [null]).map((t) => `GET ${url}\n${t ? `Authorization: Bearer ${t}\n` : ''}`);
  writeFileSync(file, blocks.join('\n') + '\n', { mode: 0o600 });
}

/** Exact percentile (nearest rank) of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * Pure: vegeta's CSV results (`vegeta encode --to csv`: unix-ns timestamp, status, latency ns, …)
 * → latency figures over the results scheduled `warmupS` seconds or more after the first (the
 * warm-up is dropped).
 */
export function summarizeCsv(csv, warmupS) {
  const rows = [];
  let first = Infinity;
  for (const line of csv.split('\n')) {
    const m = /^(\d+),(\d+),(\d+),/.exec(line);
    if (!m) continue;
    const ts = Number(m[1]);
    if (ts < first) first = ts;
    rows.push([ts, Number(m[2]), Number(m[3])]);
  }
  const from = first + warmupS * 1e9;
  const lat = [];
  let errors = 0;
  let last = 0;
  for (const [ts, code, ns] of rows) {
    if (ts < from) continue;
    if (ts > last) last = ts;
    if (code < 200 || code >= 300) errors++;
    lat.push(ns / 1e6);
  }
  lat.sort((a, b) => a - b);
  const seconds = (last - from) / 1e9;
  return {
    requests: lat.length,
    rps: seconds > 0 ? lat.length / seconds : NaN,
    p50ms: percentile(lat, 50),
    p90ms: percentile(lat, 90),
    p99ms: percentile(lat, 99),
    p999ms: percentile(lat, 99.9),
    maxms: lat.length ? lat[lat.length - 1] : NaN,
    errors,
  };
}

const run = (file, args, opts) => new Promise((resolve, reject) => {
  execFile(file, args, { maxBuffer: 1 << 30, ...opts }, (err, stdout, stderr) => {
    if (err) reject(new Error(`vegeta failed: ${err.message}\n${stderr}`));
    else resolve(stdout);
  });
});

/**
 * One vegeta run of warm-up + measured seconds at `rate` req/s on core `cpu`, then its results
 * without the warm-up. One process for both, so the connections opened while warming up (vegeta
 * opens one per busy worker) are the ones measured. Arrivals stay open-loop: vegeta starts a new
 * worker whenever all are busy, and a request's latency counts from its arrival, also the time it
 * waits for one of the at most `connections` connections (without that cap, a stall makes vegeta
 * open hundreds of connections and measure their handshakes). `http2`: h2 over TLS for https targets, `h2c`:
 * cleartext h2. Certificates are not verified (the bench's own, generated per run).
 */
export async function runVegeta(o) {
  return summarizeCsv(await attackCsv(o), o.warmup);
}

/** The same attack; its results as vegeta's CSV, warm-up included (bench/open-loop-anatomy.mjs reads them raw). */
export async function attackCsv({ vegeta, dir, name, targetsFile, rate, seconds, warmup, connections = 64, cpu = LOAD_CPU, http2 = false, h2c = false }) {
  const out = `${dir}/${name}.vegeta.bin`;
  await run('taskset', ['-c', String(cpu), vegeta, 'attack', `-rate=${rate}/s`, `-duration=${warmup + seconds}s`,
    `-targets=${targetsFile}`, '-keepalive=true', `-http2=${http2}`, `-h2c=${h2c}`, '-insecure', '-timeout=5s', '-max-body=0',
    `-workers=${connections}`, `-max-connections=${connections}`, `-output=${out}`], { timeout: (warmup + seconds + 30) * 1000 });
  return run(vegeta, ['encode', '--to=csv', out], { timeout: 60_000 });
}
