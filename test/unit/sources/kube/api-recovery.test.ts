import { describe, expect, it } from 'vitest';
import { ApiRecovery } from '../../../../src/sources/kube/api-recovery.js';
import { watchTimeoutSeconds } from '../../../../src/sources/kube/watcher.js';

const settledWithin = async (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('ApiRecovery', () => {
  it('a sleep after a connection failure ends at the first probe that finds the server back', async () => {
    let up = false;
    let probes = 0;
    const recovery = new ApiRecovery(async () => (probes++, up), 20);
    recovery.unreachable();
    const a = recovery.sleep(60_000);
    const b = recovery.sleep(60_000);
    expect(await settledWithin(a.done, 100)).toBe(false);
    expect(probes).toBeGreaterThan(1);
    up = true;
    expect(await settledWithin(Promise.all([a.done, b.done]), 500)).toBe(true);
    expect(recovery.isUnreachable).toBe(false);
    recovery.stop();
  });

  it('a list or watch that gets an answer wakes every sleeper at once (no wake jitter)', async () => {
    const recovery = new ApiRecovery(async () => false, 60_000, 0);
    recovery.unreachable();
    const s = recovery.sleep(60_000);
    recovery.answered();
    expect(await settledWithin(s.done, 50)).toBe(true);
    recovery.stop();
  });

  it('by default the sleepers wake spread over the wake jitter, all within it', async () => {
    const recovery = new ApiRecovery(async () => false, 60_000, 200);
    recovery.unreachable();
    const woke: number[] = [];
    const t0 = performance.now();
    const sleeps = Array.from({ length: 40 }, () => recovery.sleep(60_000).done.then(() => woke.push(performance.now() - t0)));
    recovery.answered();
    expect(await settledWithin(Promise.all(sleeps), 1_000)).toBe(true);
    expect(Math.max(...woke)).toBeLessThan(600);
    expect(Math.max(...woke) - Math.min(...woke)).toBeGreaterThan(20); // not all in the same instant
    recovery.stop();
  });

  it('does not probe, nor cut sleeps short, while the server answers (e.g. a 404 backoff)', async () => {
    let probes = 0;
    const recovery = new ApiRecovery(async () => (probes++, true), 10);
    const s = recovery.sleep(80);
    recovery.answered(); // not unreachable: nothing to wake
    expect(await settledWithin(s.done, 40)).toBe(false);
    expect(await settledWithin(s.done, 200)).toBe(true);
    expect(probes).toBe(0);
    recovery.stop();
  });
});

describe('watchTimeoutSeconds', () => {
  it.each([0, 0.5, 0.999])('stays within 50-80%% of the idle timeout (random %d)', (random) => {
    const t = watchTimeoutSeconds(60_000, random);
    expect(t).toBeGreaterThanOrEqual(30);
    expect(t).toBeLessThanOrEqual(48);
  });
  it('is at least one second', () => {
    expect(watchTimeoutSeconds(1_000, 0)).toBe(1);
  });
});
