import { describe, expect, it } from 'vitest';
import { EventAggregator, groupKey } from '../../../src/status/event-aggregator.js';

describe('EventAggregator', () => {
  it('10,000 objects failing alike: 10 single Events, then one aggregate counting the rest', () => {
    const a = new EventAggregator({ maxSingles: 10, windowMs: 600_000 }, () => 0);
    const key = groupKey('demo', 'JwtCredential', 'Programmed', 'SecretNotFound');
    const decisions = Array.from({ length: 10_000 }, () => a.record(key));
    expect(decisions.filter((d) => d.kind === 'single')).toHaveLength(10);
    const folds = decisions.filter((d) => d.kind === 'fold');
    expect(folds.filter((d) => d.kind === 'fold' && d.first)).toHaveLength(1);
    expect(a.groups.get(key)!.folded).toBe(9_990);
  });

  it('another reason, kind or namespace is another group; a new window starts over', () => {
    let now = 0;
    const a = new EventAggregator({ maxSingles: 1, windowMs: 1_000 }, () => now);
    expect(a.record(groupKey('a', 'Route', 'Accepted', 'X')).kind).toBe('single');
    expect(a.record(groupKey('a', 'Route', 'Accepted', 'Y')).kind).toBe('single');
    expect(a.record(groupKey('b', 'Route', 'Accepted', 'X')).kind).toBe('single');
    expect(a.record(groupKey('a', 'Route', 'Accepted', 'X')).kind).toBe('fold');
    now = 1_001;
    expect(a.record(groupKey('a', 'Route', 'Accepted', 'X')).kind).toBe('single');
  });

  it('stale(): aggregates whose written count is behind', () => {
    const a = new EventAggregator({ maxSingles: 0, windowMs: 1_000 }, () => 0);
    const key = groupKey('a', 'Route', 'Accepted', 'X');
    a.record(key);
    const g = a.groups.get(key)!;
    g.aggregate = { name: 'e', namespace: 'a', written: 1, creating: false };
    expect(a.stale()).toEqual([]);
    a.record(key);
    expect(a.stale()).toEqual([g]);
  });
});
