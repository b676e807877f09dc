// Running wrk (pinned to a core) with bench/lua/requests.lua and reading its results.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LUA = fileURLToPath(new URL('../lua/requests.lua', import.meta.url));

/** Write the request file the Lua script reads: one {host?, path, token?} per line. */
export function writeRequestFile(file, requests) {
  const lines = requests.map((r) => `${r.host ?? '-'}\t${r.path ?? '/'}\t${r.token ?? '-'}`);
  writeFileSync(file, lines.join('\n') + '\n');
}

/** Pure: the BENCH-JSON line printed by the Lua done() plus wrk's own summary lines. */
export function parseWrkOutput(stdout) {
  const m = /BENCH-JSON (\{.*\})/.exec(stdout);
  if (!m) throw new Error(`wrk printed no result line:\n${stdout.slice(0, 2000)}`);
  const j = JSON.parse(m[1]);
  const seconds = j.duration_us / 1e6;
  return {
    requests: j.requests,
    rps: j.requests / seconds,
    p50ms: j.p50_us / 1000,
    p90ms: j.p90_us / 1000,
    p99ms: j.p99_us / 1000,
    p999ms: j.p999_us / 1000,
    maxms: j.max_us / 1000,
    non2xx: j.non2xx,
    socketErrors: j.connect + j.read + j.write + j.timeout,
    errors: { connect: j.connect, read: j.read, write: j.write, timeout: j.timeout },
  };
}

/**
 * wrk -t threads -c connections -d seconds --latency on core `cpu` against 127.0.0.1:port.
 * `requestFile` as written by writeRequestFile; `delayMs` paces each connection, a fixed think time
 * or (`think: 'exp'`) the mean of exponentially distributed ones. `scheme: 'https'` for TLS targets.
 */
export function runWrk({ port, requestFile, seconds, connections = 64, threads = 1, delayMs = 0, think = 'fixed', cpu = 1, timeoutS = 5, scheme = 'http' }) {
  const args = ['-c', String(cpu), 'wrk', '-t', String(threads), '-c', String(connections), '-d', `${seconds}s`,
    '--timeout', `${timeoutS}s`, '--latency', '-s', LUA, `${scheme}://127.0.0.1:${port}/`,
    '--', requestFile, String(delayMs), String(threads), think];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { timeout: (seconds + 30) * 1000, maxBuffer: 1 << 22 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      try { resolve({ ...parseWrkOutput(stdout), raw: stdout }); } catch (e) { reject(e); }
    });
  });
}
