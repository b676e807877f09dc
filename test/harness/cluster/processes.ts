// Daemons of the cluster are recorded in the state file and stopped by PID — only when their
// command line still names the run dir, so a reused PID is never hit.
import { readFile, readdir } from 'node:fs/promises';

export interface RecordedProcess {
  name: string;
  pid: number;
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
}

export async function isOurs(pid: number, marker: string): Promise<boolean> {
  return (await cmdline(pid)).includes(marker);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (bounded). */
export async function stopPid(pid: number, marker: string, graceMs = 5_000): Promise<void> {
  if (!(await isOurs(pid, marker))) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isOurs(pid, marker))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  const hard = Date.now() + 5_000;
  while (Date.now() < hard && (await isOurs(pid, marker))) await new Promise((r) => setTimeout(r, 100));
  if (await isOurs(pid, marker)) throw new Error(`process ${pid} survived SIGKILL`);
}

// Only these programs are ever stopped by marker: a shell or editor that merely mentions the run
// dir (`tail -f <run dir>/logs/kubelet.log`, the shell running down) is left alone.
const daemonName = /^(containerd|containerd-shim[\w-]*|etcd[\w.-]*|kube-[\w-]+|kubelet)$/;

/** Every live cluster daemon or shim whose command line contains `marker` (the run dir). */
export async function processesMatching(marker: string): Promise<RecordedProcess[]> {
  const found: RecordedProcess[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const line = await cmdline(pid);
    const name = (line.split(' ')[0] ?? '').split('/').pop() ?? '';
    if (line.includes(marker) && daemonName.test(name)) found.push({ pid, name });
  }
  return found;
}
