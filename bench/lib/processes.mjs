// Child processes of the benchmark: every one is registered, pinned with taskset when asked,
// and killed by its own id (its process group) when the run ends, fails or is interrupted.
import { spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { setPriority } from 'node:os';

const live = new Map(); // pid -> { name, child }

/**
 * PORTCULLIS_BENCH_NICE=-20 (needs root): on a machine other work shares, run the bench's processes
 * at that nice value, also for their scheduler autogroup (Linux groups each session, and every
 * child here is its own session, so a plain `nice` would only weigh them against each other).
 * Latency figures from a busy machine are otherwise other processes' time slices.
 */
const NICE = process.env.PORTCULLIS_BENCH_NICE;
function applyNice(pid) {
  if (NICE === undefined) return;
  try { writeFileSync(`/proc/${pid}/autogroup`, NICE); } catch { /* no autogroup scheduling */ }
  try { setPriority(pid, Number(NICE)); } catch (e) { throw new Error(`PORTCULLIS_BENCH_NICE=${NICE}: ${e.message}`); }
}
applyNice(process.pid); // wrk, vegeta and h2load run in this process's session and inherit it

/** Start `cmd args` (optionally pinned to `cpu`), output to `logFile`. Returns the ChildProcess. */
export function startProcess(name, cmd, args, { cpu, logFile, env, cwd } = {}) {
  const [file, argv] = cpu === undefined ? [cmd, args] : ['taskset', ['-c', String(cpu), cmd, ...args]];
  const child = spawn(file, argv, {
    cwd,
    env: { ...process.env, ...env },
    detached: true, // own process group, so helpers it forks (nginx workers) die with it
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (logFile) {
    const out = createWriteStream(logFile);
    child.stdout.pipe(out);
    child.stderr.pipe(out);
  } else {
    child.stdout.resume();
    child.stderr.resume();
  }
  child.benchName = name;
  applyNice(child.pid);
  live.set(child.pid, { name, child });
  child.once('exit', () => live.delete(child.pid));
  return child;
}

function signalGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

/** Stop one process: SIGTERM to its group, SIGKILL after `graceMs`. */
export async function stopProcess(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Synchronous last-resort cleanup (process 'exit' handler): SIGKILL every group still registered. */
export function killAllSync() {
  for (const pid of live.keys()) signalGroup(pid, 'SIGKILL');
  live.clear();
}

let hooked = false;
/** Kill everything we started on exit, Ctrl-C, SIGTERM and after `maxSeconds` (a hard bound). */
export function installCleanup(maxSeconds) {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { console.error(`\n${sig}: stopping everything`); killAllSync(); process.exit(130); });
  }
  const t = setTimeout(() => {
    console.error(`\nrun exceeded ${maxSeconds}s: stopping everything`);
    killAllSync();
    process.exit(124);
  }, maxSeconds * 1000);
  t.unref();
}

/** Single HTTP GET on loopback (HTTPS, certificate not checked, when `tls`); resolves { status, body } or rejects. */
export function httpGet(port, path = '/', headers = {}, timeoutMs = 2000, tls = false) {
  return new Promise((resolve, reject) => {
    const get = tls ? https.get : http.get;
    const req = get({ host: '127.0.0.1', port, path, headers, agent: false, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Poll until GET `path` on `port` answers `status` (or the child dies, or `timeoutMs` passes). */
export async function waitForHttp(port, { path = '/', headers = {}, status, child, timeoutMs = 15000, tls = false } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${child.benchName} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    try {
      const r = await httpGet(port, path, headers, 1000, tls);
      if (status === undefined || r.status === status) return r;
      last = `status ${r.status}`;
    } catch (e) { last = e.message; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready on 127.0.0.1:${port}${path} after ${timeoutMs} ms (${last})`);
}
