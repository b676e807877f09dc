import { describe, expect, it } from 'vitest';
import { derivedCredentialId, keySharingConflict, kidProblem } from '../../../src/model/credential-kid.js';
import { credentialId, entityId, isUuid } from '../../../src/model/ids.js';

describe('derivedCredentialId (docs/key-material.md#rotation)', () => {
  it("is Kong's UUIDv5 of the key without a kid", () => {
    expect(derivedCredentialId('issuer', undefined)).toBe(credentialId('issuer'));
  });

  it('is a stable UUIDv5 per (key, kid), in a namespace of its own', () => {
    const id = derivedCredentialId('issuer', '2026-06');
    expect(isUuid(id)).toBe(true);
    expect(id).toBe(derivedCredentialId('issuer', '2026-06'));
    expect(id).toBe(entityId('jwt_secrets#kid', '["issuer","2026-06"]'));
    expect(id).not.toBe(derivedCredentialId('issuer', '2026-07'));
    expect(id).not.toBe(derivedCredentialId('issuer-2026-06', undefined));
    // A kid-less key spelled like the composite name gets Kong's id, not this one.
    expect(id).not.toBe(credentialId('["issuer","2026-06"]'));
  });

  it('separates key and kid unambiguously', () => {
    expect(derivedCredentialId('a","b', 'c')).not.toBe(derivedCredentialId('a', 'b","c'));
  });
});

describe('keySharingConflict', () => {
  const alice = {};
  const bob = {};
  it.each<[string, { kid?: string; consumer: object }, { kid?: string; consumer: object }, string | undefined]>([
    ['one consumer, distinct kids', { kid: 'a', consumer: alice }, { kid: 'b', consumer: alice }, undefined],
    ['one consumer, one kid-less', { consumer: alice }, { kid: 'b', consumer: alice }, undefined],
    ['one consumer, the same kid', { kid: 'a', consumer: alice }, { kid: 'a', consumer: alice }, 'kid'],
    ['both kid-less (as before kids)', { consumer: alice }, { consumer: bob }, 'kid'],
    ['two consumers, distinct kids', { kid: 'a', consumer: alice }, { kid: 'b', consumer: bob }, 'consumer'],
  ])('%s', (_n, a, b, expected) => {
    expect(keySharingConflict(a, b)).toBe(expected);
    expect(keySharingConflict(b, a)).toBe(expected);
  });
});

describe('kidProblem', () => {
  it.each([
    ['2026-06', undefined],
    ['x'.repeat(256), undefined],
    ['NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg', undefined],
    ['kid with spaces ok', undefined],
    ['x'.repeat(257), 'must be at most 256 characters'],
    ['a\tb', 'must not contain control characters'],
    ['a\u007fb', 'must not contain control characters'],
  ])('%j', (kid, problem) => {
    expect(kidProblem(kid)).toBe(problem);
  });
});
