import { describe, expect, it } from 'vitest';
import { nextStreak, restartDelayMs } from '../../../src/runtime/restart-backoff.js';
import { WorkerFleet } from '../../../src/runtime/worker-fleet.js';
import { isFromWorker, isToWorker } from '../../../src/runtime/worker-protocol.js';

const policy = { initialMs: 100, maxMs: 10_000, stableAfterMs: 30_000 };

describe('restart backoff', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [7, 6_400],
    [8, 10_000],
    [1_000, 10_000],
  ])('streak %i waits %i ms', (streak, ms) => {
    expect(restartDelayMs(streak, policy)).toBe(ms);
  });

  it.each([
    [0, 50, 1],
    [3, 50, 4],
    [3, 30_000, 1],
  ])('streak %i after living %i ms becomes %i', (prev, lived, next) => {
    expect(nextStreak(prev, lived, policy)).toBe(next);
  });
});

describe('WorkerFleet', () => {
  it('is not ready until every slot serves the primary version, then stays ready while one serves', () => {
    const fleet = new WorkerFleet(2, policy);
    fleet.started(1, 11, 1001, 0);
    fleet.started(2, 12, 1002, 0);
    expect(fleet.ready(undefined)).toBe(false);
    fleet.applied(11, 1);
    fleet.listening(11);
    expect(fleet.ready(1)).toBe(false); // only one of two
    fleet.applied(12, 1);
    expect(fleet.ready(1)).toBe(false); // applied but not listening yet
    fleet.listening(12);
    expect(fleet.ready(2)).toBe(false); // serving, but not the primary's newest version
    expect(fleet.ready(1)).toBe(true);

    // After the first complete start: a lagging worker still serves (previous snapshot) …
    expect(fleet.lagging(2).map((w) => w.slot)).toEqual([1, 2]);
    expect(fleet.ready(2)).toBe(true);
    // … and one restarting worker does not take the pod out of rotation.
    const gone = fleet.exited(11, 1_000);
    expect(gone).toEqual({ slot: 1, restartInMs: 100 });
    expect(fleet.ready(2)).toBe(true);
    fleet.exited(12, 1_000);
    expect(fleet.ready(2)).toBe(false); // nobody serves
  });

  it('restarts into the same slot with a growing delay, reset after a stable run', () => {
    const fleet = new WorkerFleet(1, policy);
    fleet.started(1, 1, 1, 0);
    expect(fleet.exited(1, 10)?.restartInMs).toBe(100);
    fleet.started(1, 2, 2, 100);
    expect(fleet.exited(2, 110)?.restartInMs).toBe(200);
    fleet.started(1, 3, 3, 300);
    expect(fleet.exited(3, 60_000)?.restartInMs).toBe(100);
    expect(fleet.exited(3, 60_001)).toBeUndefined(); // already gone
  });

  it('ignores acks from a worker it no longer tracks and never lowers a version', () => {
    const fleet = new WorkerFleet(1, policy);
    fleet.started(1, 5, 50, 0);
    fleet.applied(5, 3);
    fleet.applied(5, 2);
    fleet.applied(99, 7);
    expect(fleet.all()).toMatchObject([{ slot: 1, id: 5, version: 3, state: 'starting' }]);
    fleet.listening(5);
    fleet.draining(5);
    expect(fleet.serving()).toEqual([]);
  });
});

describe('worker protocol guards', () => {
  it.each([
    [{ t: 'portcullis:apply', resources: {}, hash: 'h', version: 1 }, true, false],
    [{ t: 'portcullis:drain' }, true, false],
    [{ t: 'portcullis:hello' }, false, true],
    [{ t: 'portcullis:applied', version: 1 }, false, true],
    [{ type: 'prom-client:getMetricsReq' }, false, false],
    [{ cmd: 'NODE_CLUSTER' }, false, false],
    ['portcullis:drain', false, false],
    [null, false, false],
  ])('%j → toWorker %s, fromWorker %s', (msg, to, from) => {
    expect(isToWorker(msg)).toBe(to);
    expect(isFromWorker(msg)).toBe(from);
  });
});
