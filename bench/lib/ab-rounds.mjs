// What the A/B scripts (plugins-ab, regex-route-ab, rate-limiting) share: a standalone gateway per
// round on free loopback ports, killed on exit, and the in-process keep-alive load generator
// (compare the variants of one run only: on a small machine the absolute numbers are low).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { freePort } from './ports.mjs';

/** The children started so far; all are SIGKILLed when this process exits (Ctrl-C included). */
export function trackChildren() {
  const children = new Set();
  process.on('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));
  return children;
}

/**
 * `portcullis standalone --config config` on free ports, resolved once /readyz answers.
 * `prefix` runs it under another command (["taskset", "-c", "0"]).
 */
export async function startStandaloneGateway(children, cli, config, { prefix = [] } = {}) {
  const [p, a, s] = [await freePort(), await freePort(), await freePort()];
  const args = [cli, 'standalone', '--config', config, '--proxy-listen', `127.0.0.1:${p}`,
    '--admin-listen', `127.0.0.1:${a}`, '--status-listen', `127.0.0.1:${s}`, '--access-log', 'off', '--log-level', 'warn'];
  const child = prefix.length > 0 ? spawn(prefix[0], [...prefix.slice(1), process.execPath, ...args], { stdio: 'inherit' }) : spawn(process.execPath, args, { stdio: 'inherit' });
  children.add(child);
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${s}/readyz`)).ok) return { port: p, child };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${config}: not ready`);
}

export function stopGateway(children, gw) {
  gw.child.kill('SIGKILL');
  children.delete(gw.child);
}

/**
 * GETs for `ms` over `connections` keep-alive connections: request i of connection k goes to
 * path(i) (i = k, k + connections, …). Returns req/s and the count of non-200 answers and errors.
 */
export async function keepAliveLoad(port, ms, { path = () => '/', headers = {}, connections = 64 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let done = 0;
  let bad = 0;
  const end = Date.now() + ms;
  const one = (i) =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: path(i), agent, headers }, (res) => {
        if (res.statusCode !== 200) bad++;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        bad++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: connections }, async (_, k) => {
      for (let i = k; Date.now() < end; i += connections) {
        await one(i);
        done++;
      }
    }),
  );
  agent.destroy();
  return { rps: done / (ms / 1000), bad };
}

/** The middle value (the upper one of an even count), as the A/B scripts print it. */
export const middle = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
