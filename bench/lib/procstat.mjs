// CPU time and peak RSS of a process tree, read from /proc (Linux only).
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** pid and all its descendants (nginx master + worker, taskset-exec'd node, …). */
export function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks = [];
    try { tasks = readdirSync(`/proc/${out[i]}/task`); } catch { continue; }
    for (const tid of tasks) {
      try {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      } catch { /* task ended */ }
    }
  }
  return out;
}

/** utime + stime of one process, in seconds. */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based over the whole line).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch { return 0; }
}

export function cpuSeconds(pid) {
  return processTree(pid).reduce((s, p) => s + cpuSecondsOf(p), 0);
}

/** Peak resident set (VmHWM) of the tree, in MiB (sum over processes). */
export function peakRssMiB(pid) {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch { /* gone */ }
  }
  return kib / 1024;
}

/** Current resident set (VmRSS) of the tree, in MiB. */
export function rssMiB(pid) {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch { /* gone */ }
  }
  return kib / 1024;
}

/** Per-core cumulative { busy, total } jiffies from /proc/stat (index = core number). */
export function coreTimes() {
  const cores = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    const idle = f[3] + (f[4] ?? 0); // idle + iowait
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is inside user)
    cores[Number(m[1])] = { busy: total - idle, total };
  }
  return cores;
}

/** Busy % of one core between two coreTimes() readings. */
export const coreBusyPct = (before, after, core) =>
  (100 * (after[core].busy - before[core].busy)) / Math.max(1, after[core].total - before[core].total);
