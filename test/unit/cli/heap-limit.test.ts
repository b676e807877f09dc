import { describe, expect, it } from 'vitest';
import { containerMemoryLimit, heapDecision, heapSizeGiven, oldSpaceMbFor, parseCgroupLimit } from '../../../src/cli/heap-limit.js';

const MiB = 1048576;

describe('heap limit from the container memory limit', () => {
  it('reads cgroup v2 memory.max, else cgroup v1 memory.limit_in_bytes; "max" and v1 PAGE_COUNTER_MAX mean no limit', () => {
    const files = (m: Record<string, string>) => (p: string) => {
      if (!(p in m)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return m[p]!;
    };
    expect(containerMemoryLimit(files({ '/sys/fs/cgroup/memory.max': '536870912\n' }))).toBe(512 * MiB);
    expect(containerMemoryLimit(files({ '/sys/fs/cgroup/memory.max': 'max\n' }))).toBeUndefined();
    expect(containerMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '268435456\n' }))).toBe(256 * MiB);
    expect(containerMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n' }))).toBeUndefined();
    expect(containerMemoryLimit(files({}))).toBeUndefined();
    expect(parseCgroupLimit('garbage')).toBeUndefined();
    expect(parseCgroupLimit('0')).toBeUndefined();
  });

  it("gives the old space 60% of the limit (the chart's 512Mi: 307 MiB), at least 64 MiB", () => {
    expect(oldSpaceMbFor(512 * MiB)).toBe(307);
    expect(oldSpaceMbFor(64 * MiB)).toBe(64);
  });

  it('never overrides a heap size the operator gave, as a flag or in NODE_OPTIONS', () => {
    expect(heapSizeGiven(['--max-old-space-size=100'], undefined)).toBe(true);
    expect(heapSizeGiven([], '--expose-gc --max-old-space-size=200')).toBe(true);
    expect(heapSizeGiven([], '--max_old_space_size 200')).toBe(true);
    expect(heapSizeGiven(['--expose-gc'], '--max-semi-space-size=16')).toBe(false);
    const given = heapDecision({ execArgv: [], nodeOptions: '--max-old-space-size=900', limitBytes: 512 * MiB, currentHeapLimitBytes: 4096 * MiB });
    expect(given.flag).toBeUndefined();
  });

  it('sets the flag when a limit is found and node chose another heap size (a quarter of the limit, or the host memory)', () => {
    const base = { execArgv: [], nodeOptions: undefined };
    expect(heapDecision({ ...base, limitBytes: 512 * MiB, currentHeapLimitBytes: 130 * MiB }).flag).toBe('--max-old-space-size=307');
    expect(heapDecision({ ...base, limitBytes: 512 * MiB, currentHeapLimitBytes: 4144 * MiB }).flag).toBe('--max-old-space-size=307');
    expect(heapDecision({ ...base, limitBytes: 512 * MiB, currentHeapLimitBytes: 320 * MiB }).flag).toBeUndefined();
    expect(heapDecision({ ...base, limitBytes: undefined, currentHeapLimitBytes: 4096 * MiB }).flag).toBeUndefined();
  });
});
