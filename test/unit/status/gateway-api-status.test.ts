import { describe, expect, it } from 'vitest';
import { comparable } from '../../../src/status/gateway-api-status.js';

describe('comparable (what the Gateway API status writer compares)', () => {
  it('ignores key order, lastTransitionTime and empty lists (the API server omits them)', () => {
    const ours = { conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', lastTransitionTime: '2026-01-01T00:00:00Z' }], addresses: [] };
    const theirs = { conditions: [{ reason: 'Accepted', lastTransitionTime: '2026-12-03T09:00:00Z', status: 'True', type: 'Accepted' }] };
    expect(comparable(ours)).toBe(comparable(theirs));
  });
  it('sees a changed status or condition order', () => {
    expect(comparable({ conditions: [{ type: 'A', status: 'True' }] })).not.toBe(comparable({ conditions: [{ type: 'A', status: 'False' }] }));
  });
});
