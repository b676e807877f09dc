// Running host commands with bounded time and errors that name the command.
import { execFile, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a command; rejects with its stderr on failure. */
export async function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, { maxBuffer: 64 << 20, timeout: timeoutMs });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} is not installed`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

/** Runs a command and reports success instead of throwing (for probes and idempotent cleanup). */
export async function tryRun(cmd: string, args: string[], timeoutMs = 60_000): Promise<boolean> {
  try {
    await run(cmd, args, timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a daemon that outlives this process (up.mjs returns while the cluster runs): its own
 * session, output appended to `logPath`. down stops it by PID.
 */
export function spawnDaemon(cmd: string, args: string[], logPath: string, env?: NodeJS.ProcessEnv): number {
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
    if (child.pid === undefined) throw new Error(`failed to start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Polls `probe` every 250 ms until true; throws `what` with the elapsed budget when it never is. */
export async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
