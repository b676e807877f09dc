import { spawn, type ChildProcess } from 'node:child_process';
import { stopProcess } from './gateway-process.js';
import { freePort } from './free-port.js';

/**
 * A real Debian `redis-server` on a free loopback port, no persistence (docs/rate-limiting.md#tests;
 * .ci/run installs it). `stop()` kills it; `start()` brings it back on the same port, empty.
 */
export interface RedisServer {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

/** `tls`: serve TLS only (no plaintext port), with this certificate; clients need no certificate. */
export async function startRedisServer(opts: { password?: string; tls?: { certPath: string; keyPath: string } } = {}): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let out = '';
  const start = async () => {
    const args = opts.tls === undefined ? ['--port', String(port)] : ['--port', '0', '--tls-port', String(port), '--tls-cert-file', opts.tls.certPath, '--tls-key-file', opts.tls.keyPath, '--tls-auth-clients', 'no'];
    args.push('--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no');
    if (opts.password !== undefined) args.push('--requirepass', opts.password);
    const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      c.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`redis-server could not be run (apt-get install redis-server): ${err.message}`));
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${out}`));
      });
    });
  };
  await start();
  return {
    port,
    start,
    async stop() {
      if (child !== undefined && child.exitCode === null) await stopProcess(child, 'SIGKILL');
      child = undefined;
    },
    output: () => out,
  };
}
