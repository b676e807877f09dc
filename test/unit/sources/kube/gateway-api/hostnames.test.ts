import { describe, expect, it } from 'vitest';
import { hostnameMatches, intersectHostnames } from '../../../../../src/sources/kube/gateway-api/hostnames.js';

describe('intersectHostnames (listener ∩ HTTPRoute)', () => {
  it.each([
    [undefined, [], []],
    ['a.test', [], ['a.test']],
    [undefined, ['a.test', '*.b.test'], ['a.test', '*.b.test']],
    ['*.test', ['a.test', 'x.y.test', 'other.io'], ['a.test', 'x.y.test']],
    ['a.test', ['*.test'], ['a.test']],
    ['*.test', ['*.b.test'], ['*.b.test']],
    ['*.b.test', ['*.test'], ['*.b.test']],
    ['a.test', ['b.test'], null],
    ['*.test', ['test'], null],
  ] as const)('%s ∩ %j = %j', (listener, route, want) => {
    expect(intersectHostnames(listener, route)).toEqual(want);
  });
  it('hostnameMatches: wildcards need at least one label', () => {
    expect(hostnameMatches('*.a.test', 'x.a.test')).toBe(true);
    expect(hostnameMatches('*.a.test', 'a.test')).toBe(false);
  });
});
