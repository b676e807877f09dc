// kubelet (cgroupfs driver, cgroup v1) creates /sys/fs/cgroup/<controller>/kubepods/...; containers
// live there. down kills what is left in them (a crashed run leaves containers whose shims died)
// and removes the directories, which kubelet itself never does.
import { readFile, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

const root = '/sys/fs/cgroup';
const top = 'kubepods';

/** Every cgroup dir at or under kubepods in every hierarchy, deepest first. */
export async function kubepodsCgroups(): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    found.push(dir);
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
    }
  };
  for (const controller of await readdir(root).catch(() => [] as string[])) {
    const dir = join(root, controller, top);
    if (await readdir(dir).then(() => true, () => false)) await walk(dir);
  }
  return found.sort((a, b) => b.split('/').length - a.split('/').length);
}

async function procs(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

export async function removeKubepodsCgroups(): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const dirs = await kubepodsCgroups();
    if (dirs.length === 0) return;
    for (const dir of dirs) {
      for (const pid of await procs(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    for (const dir of dirs) await rmdir(dir).catch(() => undefined);
  }
  const left = await kubepodsCgroups();
  if (left.length > 0) throw new Error(`cgroups left behind: ${left.slice(0, 5).join(', ')}`);
}
