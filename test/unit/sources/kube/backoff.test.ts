import { describe, expect, it } from 'vitest';
import { Backoff, DEFAULT_BACKOFF, backoffDelay } from '../../../../src/sources/kube/backoff.js';

describe('backoffDelay', () => {
  const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
  it.each([
    [0, 250],
    [1, 500],
    [2, 1000],
    [5, 8000],
    [6, 16000],
    [7, 30000],
    [50, 30000],
  ])('attempt %i without jitter waits %i ms', (attempt, expected) => {
    expect(backoffDelay(attempt, noJitter, 0.7)).toBe(expected);
  });

  it.each([0, 3, 10])('attempt %i with jitter stays within [half, full]', (attempt) => {
    const full = backoffDelay(attempt, noJitter);
    expect(backoffDelay(attempt, DEFAULT_BACKOFF, 0)).toBe(full);
    expect(backoffDelay(attempt, DEFAULT_BACKOFF, 0.999_999)).toBeGreaterThanOrEqual(full / 2);
    expect(backoffDelay(attempt, DEFAULT_BACKOFF, 0.5)).toBe(Math.round(full * 0.75));
  });
});

describe('Backoff', () => {
  it('grows, caps and resets', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });
});
