import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** A child process whose output goes to a log file, stopped by its PID. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process has exited (whatever the reason). */
  readonly exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Last lines of the log, for error messages when startup fails. */
  logTail(lines?: number): Promise<string>;
}

// Every live process, so an abrupt exit of the test worker still kills them (by PID, synchronously).
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
}

export function startProcess(name: string, command: string, args: string[], logPath: string): ManagedProcess {
  installExitHook();
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    const done = () => {
      if (exited) return;
      exited = true;
      live.delete(child);
      log.end();
      resolve();
    };
    child.once('exit', done);
    child.once('error', (err) => {
      log.write(`\n[harness] failed to start ${command}: ${err.message}\n`);
      done();
    });
  });
  if (child.pid === undefined) {
    // spawn failed synchronously enough that no PID exists; the 'error' event resolves `exited`.
  } else {
    live.add(child);
  }
  const pid = child.pid ?? -1;

  return {
    name,
    pid,
    logPath,
    exited: exitedPromise,
    hasExited: () => exited,
    async stop(graceMs = 5_000) {
      if (exited || pid < 0) return exitedPromise;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return exitedPromise;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited in between
        }
      }, graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
    async logTail(lines = 30) {
      const text = await readFile(logPath, 'utf8').catch(() => '');
      return text.split('\n').slice(-lines).join('\n');
    },
  };
}

/** True when a process with this PID exists (signal 0 probes without touching it). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
