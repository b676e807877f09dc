import { readFileSync } from 'node:fs';

/**
 * The V8 heap limit of a serving process, from its container's memory limit
 * (docs/controller-memory.md#heap-limit). Node 20 sizes the old generation from the cgroup limit
 * too, but to a quarter of it: 128 MiB in the chart's 512Mi, less than 50,000 consumers need, so
 * the pod would die of "heap out of memory" with two thirds of its memory unused (and where node
 * misses the cgroup limit it sizes from the host's memory, and the kernel kills the pod instead).
 * The old space gets HEAP_SHARE of the limit; the rest is for the young generation, code,
 * Buffers, TLS and the allocator.
 */
export const HEAP_SHARE = 0.6;
const MIN_OLD_SPACE_MB = 64;
/** Above this a "limit" means none (cgroup v1 writes PAGE_COUNTER_MAX, 2^63 rounded to pages). */
const NO_LIMIT_ABOVE = 2 ** 60;

/** Where the memory limit of the process's cgroup is read, v2 first, then v1. */
export const CGROUP_LIMIT_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'] as const;

/** PURE: one limit file's text → bytes, or undefined for "max", nonsense or no real limit. */
export function parseCgroupLimit(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 && n < NO_LIMIT_ABOVE ? n : undefined;
}

/** The container's memory limit in bytes, or undefined when none is set (or not on Linux). */
export function containerMemoryLimit(read: (path: string) => string = (p) => readFileSync(p, 'utf8'), files: readonly string[] = CGROUP_LIMIT_FILES): number | undefined {
  for (const file of files) {
    let text: string;
    try {
      text = read(file);
    } catch {
      continue;
    }
    return parseCgroupLimit(text);
  }
  return undefined;
}

/** PURE: --max-old-space-size (MiB) for a memory limit in bytes. */
export function oldSpaceMbFor(limitBytes: number): number {
  return Math.max(MIN_OLD_SPACE_MB, Math.floor((limitBytes * HEAP_SHARE) / 1048576));
}

/** PURE: whether the operator chose a heap size already (node flag or NODE_OPTIONS). */
export function heapSizeGiven(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const flag = /(^|\s)--max[-_]old[-_]space[-_]size(=|\s|$)/;
  return execArgv.some((a) => flag.test(a)) || (nodeOptions !== undefined && flag.test(nodeOptions));
}

export interface HeapDecision {
  /** The flag to start node with, e.g. "--max-old-space-size=307"; undefined: leave node's own limit. */
  flag?: string;
  limitBytes?: number;
}

/**
 * PURE: the flag to run with, when none is given and a container limit is found, unless node's own
 * limit is already within 10% of what the limit calls for.
 */
export function heapDecision(p: { execArgv: readonly string[]; nodeOptions: string | undefined; limitBytes: number | undefined; currentHeapLimitBytes: number }): HeapDecision {
  if (p.limitBytes === undefined || heapSizeGiven(p.execArgv, p.nodeOptions)) return {};
  const mb = oldSpaceMbFor(p.limitBytes);
  const target = mb * 1048576;
  if (Math.abs(p.currentHeapLimitBytes - target) <= target * 0.1) return { limitBytes: p.limitBytes };
  return { flag: `--max-old-space-size=${mb}`, limitBytes: p.limitBytes };
}
