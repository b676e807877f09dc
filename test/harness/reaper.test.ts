import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlPlaneDirPrefix, reapOrphanedControlPlanes, recordControlPlanePids } from './reaper.js';
import { pidAlive } from './processes.js';

describe('reapOrphanedControlPlanes', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  /** A long-lived stand-in for etcd whose command line names the control plane dir, as the real ones do. */
  async function fakeControlPlane(): Promise<{ dir: string; child: ChildProcess }> {
    const dir = await mkdtemp(join(tmpdir(), controlPlaneDirPrefix));
    dirs.push(dir);
    const child = spawn(process.execPath, ['-e', `setTimeout(() => {}, 60000); // --data-dir=${dir}`], { stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    return { dir, child };
  }

  it('kills the processes of a control plane whose owner died and removes its dir; leaves live owners alone', async () => {
    const orphan = await fakeControlPlane();
    const owned = await fakeControlPlane();
    const deadOwner = spawnSync(process.execPath, ['-e', '0']).pid!;
    expect(pidAlive(deadOwner)).toBe(false);

    // recordControlPlanePids writes this process as owner; rewrite the orphan's owner as the dead PID.
    await recordControlPlanePids(owned.dir, [owned.child.pid!]);
    await writeFile(join(orphan.dir, 'pids.json'), JSON.stringify({ owner: deadOwner, pids: [orphan.child.pid] }));

    const orphanExited = once(orphan.child, 'exit');
    expect(pidAlive(orphan.child.pid!)).toBe(true);
    expect(await reapOrphanedControlPlanes()).toBeGreaterThanOrEqual(1);
    await orphanExited;
    expect(existsSync(orphan.dir)).toBe(false);
    expect(pidAlive(owned.child.pid!)).toBe(true);
    expect(existsSync(owned.dir)).toBe(true);
  });
});
