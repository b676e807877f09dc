import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(repoRoot, 'dist/cli.js');

export interface GatewayProcess {
  proxy: string;
  /** https://127.0.0.1:<port> of the TLS listener (a free port unless the args set --proxy-listen-tls). */
  proxyTls: string;
  admin: string;
  status: string;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout + stderr). */
  output(): string;
  /** What the process wrote to stdout so far. */
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the real `portcullis` CLI (built dist/) on free loopback ports and waits until
 * `/readyz` answers (or, with waitReady=false, until the status listener is up).
 */
export async function startGateway(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; waitReady?: boolean; timeoutMs?: number; proxyListenSuffix?: string; proxyListenTlsSuffix?: string; /** Another build's dist/cli.js (A/B benches). */ cli?: string } = {},
): Promise<GatewayProcess> {
  // A free port can be taken by a test running beside this one between freePort() and the bind:
  // the gateway then exits 1 with EADDRINUSE at once, and another set of ports is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startGatewayOnce(args, opts);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function startGatewayOnce(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; waitReady?: boolean; timeoutMs?: number; proxyListenSuffix?: string; proxyListenTlsSuffix?: string; /** Another build's dist/cli.js (A/B benches). */ cli?: string },
): Promise<GatewayProcess> {
  const [proxyPort, adminPort, statusPort, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const ownTls = args.includes('--proxy-listen-tls');
  const child = spawn(
    process.execPath,
    [
      opts.cli ?? cliPath,
      ...args,
      // The TLS listener is on by default (0.0.0.0:8443): tests running side by side each get their own port.
      ...(ownTls ? [] : ['--proxy-listen-tls', `127.0.0.1:${tlsPort}${opts.proxyListenTlsSuffix ?? ''}`]),
      '--proxy-listen', `127.0.0.1:${proxyPort}${opts.proxyListenSuffix ?? ''}`,
      '--admin-listen', `127.0.0.1:${adminPort}`,
      '--status-listen', `127.0.0.1:${statusPort}`,
    ],
    { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const gw: GatewayProcess = {
    proxy: `http://127.0.0.1:${proxyPort}`,
    proxyTls: `https://127.0.0.1:${tlsPort}`,
    admin: `http://127.0.0.1:${adminPort}`,
    status: `http://127.0.0.1:${statusPort}`,
    child,
    output: () => output,
    stdout: () => stdout,
    stop: (signal = 'SIGTERM') => stopProcess(child, signal),
  };
  const wanted = opts.waitReady === false ? '/healthz' : '/readyz';
  try {
    await waitFor(async () => (await fetch(`${gw.status}${wanted}`)).ok, opts.timeoutMs ?? 30_000, () => {
      if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output}`);
    });
  } catch (err) {
    await gw.stop('SIGKILL');
    throw new Error(`gateway not ready: ${(err as Error).message}\n${output}`);
  }
  return gw;
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns true (errors count as "not yet"). */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 3000,
  onPoll?: () => void,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    onPoll?.();
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
