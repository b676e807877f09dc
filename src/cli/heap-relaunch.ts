import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import { containerMemoryLimit, heapDecision } from './heap-limit.js';

/** Set in the relaunched process (so it never relaunches again) and to turn relaunching off ("off"). */
export const RELAUNCH_ENV = 'PORTCULLIS_HEAP_FROM_CGROUP';
const RELAUNCHED = 'relaunched';

/**
 * Serving modes only: when no heap size was given and the container's memory limit calls for a
 * different heap than node chose (heap-limit.ts), runs this same command again in a child node with
 * --max-old-space-size, and resolves with its exit code; this process then only forwards signals
 * (it loads nothing else: a few MB). Resolves undefined when the current process should serve.
 * Node 20 has no execve, and a heap limit cannot be changed after start
 * (docs/controller-memory.md#heap-limit).
 */
export async function relaunchWithHeapLimit(): Promise<number | undefined> {
  const mark = process.env[RELAUNCH_ENV];
  if (mark?.startsWith(RELAUNCHED) === true) followSupervisor();
  if (mark !== undefined) return undefined;
  const decision = heapDecision({
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
    limitBytes: containerMemoryLimit(),
    currentHeapLimitBytes: getHeapStatistics().heap_size_limit,
  });
  if (decision.flag === undefined) return undefined;
  const child = spawn(process.execPath, [decision.flag, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [RELAUNCH_ENV]: `${RELAUNCHED} ${decision.flag}` },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const) process.on(signal, forward(signal));
  return new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal))));
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}

/** The relaunched child: if the supervisor dies without passing a signal on (SIGKILL), drain and exit rather than linger. */
function followSupervisor(): void {
  const parent = process.ppid;
  const check = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(check);
    process.kill(process.pid, 'SIGTERM');
  }, 1_000);
  check.unref();
}
