import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeaderNameSet } from '../../../src/snapshot/header-name-set.js';
import { fcParams } from '../../support/fc-settings.js';

describe('HeaderNameSet', () => {
  it('matches ignoring ASCII case only', () => {
    const s = new HeaderNameSet(['X-User-Id', 'x-roles', 'X-USER-ID']);
    expect(s.names).toEqual(['x-roles', 'x-user-id']);
    expect(s.has('x-user-id')).toBe(true);
    expect(s.has('X-uSeR-iD')).toBe(true);
    expect(s.has('x-user-i')).toBe(false);
    expect(s.has('x-user_id')).toBe(false);
    expect(s.has('X-ROLES')).toBe(true);
    // U+212A KELVIN SIGN lower-cases to "k" in Unicode, not in ASCII.
    expect(new HeaderNameSet(['k']).has('\u212a')).toBe(false);
  });

  it('property: agrees with a lower-cased Set', () => {
    const name = fc.stringMatching(/^[A-Za-z-]{1,5}$/);
    fc.assert(
      fc.property(fc.array(name, { maxLength: 6 }), name, (names, probe) => {
        expect(new HeaderNameSet(names).has(probe)).toBe(new Set(names.map((n) => n.toLowerCase())).has(probe.toLowerCase()));
      }),
      fcParams(2000),
    );
  });
});
