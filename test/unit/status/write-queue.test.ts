import { describe, expect, it } from 'vitest';
import { LeaderWriteQueue, type QueuedWrite } from '../../../src/status/write-queue.js';

interface Item extends QueuedWrite {
  v: number;
}

function queue(leader: { on: boolean }, written: Array<[string, number]>, fail = new Set<string>()) {
  const q: LeaderWriteQueue<Item> = new LeaderWriteQueue<Item>({
    isLeader: () => leader.on,
    minGapMs: () => 0,
    write: async (key, item) => {
      if (fail.delete(key)) return q.retry(key, item, 30);
      written.push([key, item.v]);
    },
  });
  return q;
}

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
});
