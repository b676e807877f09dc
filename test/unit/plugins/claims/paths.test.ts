import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLAIM_PATH_PATTERN, parseClaimPath } from '../../../../src/model/jwt-claims-config.js';
import { compileClaimPath } from '../../../../src/plugins/claims/paths.js';
import { fcParams } from '../../../support/fc-settings.js';

/** Claim paths (docs/claims.md#claim-paths): "." separates member names, "\." and "\\" escape. */
const escape = (name: string) => name.replace(/\\/g, '\\\\').replace(/\./g, '\\.');

describe('claim paths', () => {
  it.each<[string, string[]]>([
    ['sub', ['sub']],
    ['realm_access.roles', ['realm_access', 'roles']],
    ['https://example\\.com/roles', ['https://example.com/roles']],
    ['a\\\\.b', ['a\\', 'b']],
    ['resource_access.my\\.client.roles', ['resource_access', 'my.client', 'roles']],
  ])('%s → %j', (path, names) => {
    expect(CLAIM_PATH_PATTERN.test(path)).toBe(true);
    expect(parseClaimPath(path)).toEqual(names);
  });

  it.each(['', '.', 'a.', '.a', 'a..b', 'a\\', 'a\\b'])('%j is not a path', (path) => {
    expect(CLAIM_PATH_PATTERN.test(path)).toBe(false);
  });

  it('property: escaping any member names and parsing gives them back', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), (names) => {
        const path = names.map(escape).join('.');
        expect(CLAIM_PATH_PATTERN.test(path)).toBe(true);
        expect(parseClaimPath(path)).toEqual(names);
      }),
      fcParams(2000),
    );
  });

  it('reads own members of objects only, never through arrays or prototypes', () => {
    const read = compileClaimPath('a.b');
    expect(read({ a: { b: 1 } })).toBe(1);
    expect(read({ a: [{ b: 1 }] })).toBeUndefined();
    expect(read({ a: 'str' })).toBeUndefined();
    expect(read({ a: null })).toBeUndefined();
    expect(read({ a: Object.create({ b: 1 }) as object })).toBeUndefined();
    expect(compileClaimPath('toString')({})).toBeUndefined();
    expect(compileClaimPath('__proto__')(JSON.parse('{"__proto__":"x"}') as Record<string, unknown>)).toBe('x');
  });
});
