import { describe, expect, it } from 'vitest';
import { LeaderWriteQueue, writeConcurrency, type QueuedWrite } from '../../../src/status/write-queue.js';
import { WriteBudget } from '../../../src/status/write-budget.js';

interface Item extends QueuedWrite {
  v: number;
}

function queue(leader: { on: boolean }, written: Array<[string, number]>, fail = new Set<string>()) {
  const q: LeaderWriteQueue<Item> = new LeaderWriteQueue<Item>({
    isLeader: () => leader.on,
    budget: () => fast,
    write: async (key, item) => {
      if (fail.delete(key)) return q.retry(key, item, 30);
      written.push([key, item.v]);
    },
  });
  return q;
}

const fast = new WriteBudget({ qps: 100_000, burst: 100_000 });
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LeaderWriteQueue', () => {
  it('writes only while leading, and what is queued when it starts leading', async () => {
    const leader = { on: false };
    const written: Array<[string, number]> = [];
    const q = queue(leader, written);
    q.pending.set('a', { v: 1, notBefore: 0 });
    q.kick();
    await settle(20);
    expect(written).toEqual([]);
    leader.on = true;
    q.pending.set('a', { v: 2, notBefore: 0 });
    q.kick();
    await settle(20);
    expect(written).toEqual([['a', 2]]);
    expect(q.pending.size).toBe(0);
    await q.stop();
  });

  it('retries a failed write after its delay, unless a newer item replaced it', async () => {
    const leader = { on: true };
    const written: Array<[string, number]> = [];
    const q = queue(leader, written, new Set(['a', 'b']));
    q.pending.set('a', { v: 1, notBefore: 0 });
    q.pending.set('b', { v: 1, notBefore: 0 });
    q.kick();
    await settle(5);
    q.pending.set('b', { v: 2, notBefore: 0 });
    await settle(80);
    expect(written).toContainEqual(['a', 1]);
    expect(written.filter(([k]) => k === 'b')).toEqual([['b', 2]]);
    await q.stop();
  });

  it('after stop nothing more is written', async () => {
    const written: Array<[string, number]> = [];
    const q = queue({ on: true }, written);
    await q.stop();
    q.pending.set('a', { v: 1, notBefore: 0 });
    q.kick();
    await settle(20);
    expect(written).toEqual([]);
    expect(q.stopped).toBe(true);
  });

  it('writes concurrently under the shared budget: 40 writes at 200 qps (burst 10), 4 at a time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const budget = new WriteBudget({ qps: 200, burst: 10 });
    const written: string[] = [];
    const q = new LeaderWriteQueue<Item>({
      isLeader: () => true,
      budget: () => budget,
      concurrency: 4,
      write: async (key) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await settle(5);
        inFlight--;
        written.push(key);
      },
    });
    for (let i = 0; i < 40; i++) q.pending.set(`k${i}`, { v: i, notBefore: 0 });
    const t0 = performance.now();
    q.kick();
    while (written.length < 40 && performance.now() - t0 < 5_000) await settle(5);
    const ms = performance.now() - t0;
    expect(written).toHaveLength(40);
    expect(maxInFlight).toBe(4);
    // 10 at once, then 30 more at 200/s: at least ~150 ms however fast the writes are.
    expect(ms).toBeGreaterThanOrEqual(130);
    await q.stop();
  });

  it('keeps enough writes in flight for the budget at a slow server: 30 at the default 200 qps (issue 17)', async () => {
    expect([writeConcurrency(10), writeConcurrency(200), writeConcurrency(1000)]).toEqual([8, 30, 64]);
    let inFlight = 0;
    let maxInFlight = 0;
    const budget = new WriteBudget({ qps: 200, burst: 400 });
    const written: string[] = [];
    const q = new LeaderWriteQueue<Item>({
      isLeader: () => true,
      budget: () => budget,
      // Each write takes 250 ms, as status PATCHes did on a loaded API server.
      write: async (key) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await settle(250);
        inFlight--;
        written.push(key);
      },
    });
    for (let i = 0; i < 120; i++) q.pending.set(`k${i}`, { v: i, notBefore: 0 });
    const t0 = performance.now();
    q.kick();
    while (written.length < 120 && performance.now() - t0 < 10_000) await settle(10);
    expect(written).toHaveLength(120);
    expect(maxInFlight).toBe(30);
    // 4 rounds of 250 ms (8 at the old fixed 8 in flight: 15 rounds).
    expect(performance.now() - t0).toBeLessThan(2_500);
    await q.stop();
  });

  it('never writes one key twice at the same time: a newer item waits for the write in flight', async () => {
    const active = new Set<string>();
    let overlap = false;
    const written: Array<[string, number]> = [];
    const q = new LeaderWriteQueue<Item>({
      isLeader: () => true,
      budget: () => fast,
      write: async (key, item) => {
        if (active.has(key)) overlap = true;
        active.add(key);
        await settle(20);
        active.delete(key);
        written.push([key, item.v]);
      },
    });
    q.pending.set('a', { v: 1, notBefore: 0 });
    q.kick();
    await settle(5);
    q.pending.set('a', { v: 2, notBefore: 0 });
    q.kick();
    await settle(80);
    expect(overlap).toBe(false);
    expect(written).toEqual([['a', 1], ['a', 2]]);
    await q.stop();
  });
});
