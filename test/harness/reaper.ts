import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from './processes.js';

/** Prefix of every local control plane's temp dir. */
export const controlPlaneDirPrefix = 'portcullis-cp-';
const stateFile = 'pids.json';

interface ControlPlaneState {
  /** PID of the test process that owns the control plane. */
  owner: number;
  pids: number[];
}

/** Records which processes a control plane runs, so a later reap can stop them if its owner dies. */
export async function recordControlPlanePids(dir: string, pids: number[]): Promise<void> {
  const state: ControlPlaneState = { owner: process.pid, pids };
  await writeFile(join(dir, stateFile), JSON.stringify(state));
}

/**
 * Kills (by PID) the processes of control planes whose owning test process is gone — a worker killed
 * by a timeout or a crash skips its teardown — and removes their temp dirs. A PID is only killed if
 * its command line still names the control plane's dir, so a reused PID is never hit.
 */
export async function reapOrphanedControlPlanes(): Promise<number> {
  let reaped = 0;
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => e.startsWith(controlPlaneDirPrefix))) {
    const dir = join(tmpdir(), entry);
    const raw = await readFile(join(dir, stateFile), 'utf8').catch(() => undefined);
    if (raw === undefined) continue; // still starting, or not ours
    const state = JSON.parse(raw) as ControlPlaneState;
    if (pidAlive(state.owner)) continue;
    for (const pid of state.pids) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited in between
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
    reaped++;
  }
  return reaped;
}
