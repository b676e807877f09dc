// Running h2load (nghttp2-client; HTTP/2 over TLS with ALPN h2) pinned to a core, and reading its summary.
import { execFile } from 'node:child_process';
import { LOAD_CPU } from './servers.mjs';

/** Pure: h2load's summary → { rps, requests, failed, non2xx, meanMs, maxMs }. */
export function parseH2load(stdout) {
  const fin = /finished in ([\d.]+)s, ([\d.]+) req\/s/.exec(stdout);
  const req = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(stdout);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
  const time = /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(stdout);
  if (!fin || !req || !codes) throw new Error(`h2load printed no summary:\n${stdout.slice(-1500)}`);
  const ms = (v, u) => Number(v) * (u === 'us' ? 1e-3 : u === 's' ? 1e3 : 1);
  return {
    rps: Number(fin[2]),
    requests: Number(req[2]),
    failed: Number(req[4]) + Number(req[5]) + Number(req[6]),
    non2xx: Number(codes[2]) + Number(codes[3]) + Number(codes[4]),
    meanMs: time ? ms(time[5], time[6]) : NaN,
    maxMs: time ? ms(time[3], time[4]) : NaN,
  };
}

/**
 * h2load -c connections -m streams for `seconds` after `warmup` seconds against https://127.0.0.1:port/,
 * one thread on core `cpu`. One `token` for every request (h2load sends the same headers on all).
 */
export function runH2load({ port, token, seconds, warmup, connections = 64, streams = 1, cpu = LOAD_CPU }) {
  const args = ['-c', String(cpu), 'h2load', '-t', '1', '-c', String(connections), '-m', String(streams),
    '-D', String(seconds), '--warm-up-time', String(warmup), ...(token ? ['-H', `authorization: Bearer ${token}`] : []),
    `https://127.0.0.1:${port}/`];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { timeout: (seconds + warmup + 30) * 1000, maxBuffer: 1 << 22 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`h2load failed: ${err.message}\n${stderr}`));
      try { resolve(parseH2load(stdout)); } catch (e) { reject(e); }
    });
  });
}
