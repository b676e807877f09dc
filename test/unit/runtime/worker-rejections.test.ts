import { describe, expect, it } from 'vitest';
import type { RejectionEntry } from '../../../src/observability/rejections.js';
import { WorkerRejections } from '../../../src/runtime/worker-rejections.js';

const entry = (at: number, requestId: string): RejectionEntry => ({ at, status: 401, reason: 'no_token', method: 'GET', target: '/', route: 'r', consumer: undefined, requestId });

describe('WorkerRejections', () => {
  it("merges the workers' rings newest first, up to the limit", async () => {
    const w = new WorkerRejections(3);
    const asked: Array<[number, number]> = [];
    const p = w.collect([1, 2], (workerId, id) => asked.push([workerId, id]));
    expect(asked.map(([wid]) => wid)).toEqual([1, 2]);
    w.answered(1, asked[0]![1], [entry(5, 'a'), entry(1, 'b')]);
    w.answered(2, asked[1]![1], [entry(4, 'c'), entry(3, 'd')]);
    expect((await p).map((e) => e.requestId)).toEqual(['a', 'c', 'd']);
  });

  it('a worker that exits meanwhile is left out; no workers: nothing', async () => {
    const w = new WorkerRejections(10);
    let rid = 0;
    const p = w.collect([1, 2], (_w, id) => (rid = id));
    w.answered(1, rid, [entry(1, 'x')]);
    w.exited(2);
    expect((await p).map((e) => e.requestId)).toEqual(['x']);
    expect(await w.collect([], () => {})).toEqual([]);
  });

  it('answers after the timeout with what came in', async () => {
    const w = new WorkerRejections(10);
    const t0 = Date.now();
    expect(await w.collect([7], () => {})).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });
});
