import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jwtClaimsConfigSchema, type JwtClaimsConfigInput } from '../../../../src/model/jwt-claims-config.js';
import { grantsScope, scalarText, spaceListHas } from '../../../../src/plugins/claims/checks.js';
import { compileClaimsPolicy, evaluateClaimChecks } from '../../../../src/plugins/claims/policy.js';
import { fcParams } from '../../../support/fc-settings.js';

/** Authorization by claim (docs/claims.md#semantics): each check on its own, then together. */
const policy = (cfg: JwtClaimsConfigInput) => compileClaimsPolicy('p1', jwtClaimsConfigSchema.parse(cfg));
const message = (claims: Record<string, unknown> | undefined, cfg: JwtClaimsConfigInput): string | undefined => {
  const r = policy(cfg).authorize(claims);
  return r === undefined ? undefined : (JSON.parse(r.body) as { message: string }).message;
};

const AUD = 'Token audience is not allowed';
const ISS = 'Token issuer is not allowed';
const SCOPE = 'Token lacks a required scope';

describe('audiences: any-of, aud a string or an array', () => {
  const cfg = { audiences: ['api://orders', 'api://billing'] };
  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['string in the list', { aud: 'api://orders' }, undefined],
    ['array holding one of them', { aud: ['x', 'api://billing'] }, undefined],
    ['string not in the list', { aud: 'api://other' }, AUD],
    ['array holding none', { aud: ['x', 'y'] }, AUD],
    ['empty array', { aud: [] }, AUD],
    ['missing', {}, AUD],
    ['case matters', { aud: 'API://ORDERS' }, AUD],
    ['a number is not an audience', { aud: 1 }, AUD],
    ['non-string elements are ignored', { aud: [{ x: 'api://orders' }, ['api://orders']] }, AUD],
    ['inherited property is not a claim', Object.create({ aud: 'api://orders' }) as Record<string, unknown>, AUD],
  ])('%s', (_n, claims, want) => expect(message(claims, cfg)).toBe(want));
});

describe('issuers: iss equals one of them', () => {
  const cfg = { issuers: ['https://idp.example/realms/a', 'https://idp.example/realms/b'] };
  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['listed', { iss: 'https://idp.example/realms/b' }, undefined],
    ['trailing slash differs', { iss: 'https://idp.example/realms/b/' }, ISS],
    ['array is not an issuer', { iss: ['https://idp.example/realms/a'] }, ISS],
    ['missing', {}, ISS],
  ])('%s', (_n, claims, want) => expect(message(claims, cfg)).toBe(want));
});

describe('scopes: all required, from scope (space-separated) and scp (array or string)', () => {
  const cfg = { scopes: ['orders:read', 'orders:write'] };
  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['both in scope', { scope: 'openid orders:write orders:read' }, undefined],
    ['both in scp array', { scp: ['orders:read', 'orders:write'] }, undefined],
    ['scp as a space-separated string (Entra ID)', { scp: 'orders:read orders:write' }, undefined],
    ['one in scope, one in scp', { scope: 'orders:read', scp: ['orders:write'] }, undefined],
    ['one missing', { scope: 'orders:read' }, SCOPE],
    ['prefix of a granted scope', { scope: 'orders:reader orders:write' }, SCOPE],
    ['suffix of a granted scope', { scope: 'myorders:read orders:write' }, SCOPE],
    ['comma-separated is one scope', { scope: 'orders:read,orders:write' }, SCOPE],
    ['none', {}, SCOPE],
    ['scope as an array is not the scope syntax', { scope: ['orders:read', 'orders:write'] }, SCOPE],
  ])('%s', (_n, claims, want) => expect(message(claims, cfg)).toBe(want));

  it('spaceListHas agrees with split(" ").includes for any list and word', () => {
    const word = fc.stringMatching(/^[a-c:]{1,3}$/);
    fc.assert(
      fc.property(fc.array(fc.oneof(word, fc.constant('')), { maxLength: 6 }), word, (parts, w) => {
        const list = parts.join(' ');
        expect(spaceListHas(list, w)).toBe(list.split(' ').includes(w));
      }),
      fcParams(2000),
    );
  });

  it('grantsScope ignores a scp of other types', () => {
    expect(grantsScope({ scp: 5 }, 'a')).toBe(false);
    expect(grantsScope({ scp: [5, 'a'] }, 'a')).toBe(true);
  });
});

describe('claim matchers: all of them must hold', () => {
  const claimMsg = (path: string) => `Token claim '${path}' does not match`;
  it.each<[string, JwtClaimsConfigInput['claims'], Record<string, unknown>, string | undefined]>([
    ['equals a string', [{ path: 'tenant', equals: 'acme' }], { tenant: 'acme' }, undefined],
    ['equals: other string', [{ path: 'tenant', equals: 'acme' }], { tenant: 'acme2' }, claimMsg('tenant')],
    ['equals: a boolean by its JSON text', [{ path: 'email_verified', equals: 'true' }], { email_verified: true }, undefined],
    ['equals: a number by its JSON text', [{ path: 'level', equals: '3' }], { level: 3 }, undefined],
    ['equals: never an array', [{ path: 'tenant', equals: 'acme' }], { tenant: ['acme'] }, claimMsg('tenant')],
    ['equals: never an object', [{ path: 'tenant', equals: '{}' }], { tenant: {} }, claimMsg('tenant')],
    ['equals: never null', [{ path: 'tenant', equals: 'null' }], { tenant: null }, claimMsg('tenant')],
    ['oneOf', [{ path: 'tier', oneOf: ['gold', 'silver'] }], { tier: 'silver' }, undefined],
    ['oneOf: not listed', [{ path: 'tier', oneOf: ['gold', 'silver'] }], { tier: 'bronze' }, claimMsg('tier')],
    ['contains in a nested array', [{ path: 'realm_access.roles', contains: 'admin' }], { realm_access: { roles: ['user', 'admin'] } }, undefined],
    ['contains: absent element', [{ path: 'realm_access.roles', contains: 'admin' }], { realm_access: { roles: ['user'] } }, claimMsg('realm_access.roles')],
    ['contains: a single string counts as a one-element array', [{ path: 'role', contains: 'admin' }], { role: 'admin' }, undefined],
    ['contains: a path through an array finds nothing', [{ path: 'a.0', contains: 'x' }], { a: ['x'] }, claimMsg('a.0')],
    ['containsAny', [{ path: 'groups', containsAny: ['ops', 'dev'] }], { groups: ['sales', 'dev'] }, undefined],
    ['containsAny: none', [{ path: 'groups', containsAny: ['ops', 'dev'] }], { groups: ['sales'] }, claimMsg('groups')],
    ['escaped dot in a claim name', [{ path: 'https://example\\.com/roles', contains: 'ops' }], { 'https://example.com/roles': ['ops'] }, undefined],
    ['escaped dot: the unescaped path is a different claim', [{ path: 'https://example.com/roles', contains: 'ops' }], { 'https://example.com/roles': ['ops'] }, claimMsg('https://example.com/roles')],
    ['missing claim', [{ path: 'tenant', equals: 'acme' }], {}, claimMsg('tenant')],
    ['prototype names are not claims', [{ path: 'constructor.name', equals: 'Object' }], {}, claimMsg('constructor.name')],
    [
      'first failing matcher answers',
      [{ path: 'a', equals: 'x' }, { path: 'b', equals: 'y' }],
      { a: 'x', b: 'z' },
      claimMsg('b'),
    ],
  ])('%s', (_n, claims, payload, want) => expect(message(payload, { claims })).toBe(want));
});

describe('together', () => {
  const cfg: JwtClaimsConfigInput = {
    audiences: ['api'],
    issuers: ['idp'],
    scopes: ['read'],
    claims: [{ path: 'tenant', equals: 'acme' }],
  };
  const ok = { aud: 'api', iss: 'idp', scope: 'read', tenant: 'acme' };

  it('passes only when every check passes; the first failure in the documented order answers', () => {
    expect(message(ok, cfg)).toBeUndefined();
    expect(message({ ...ok, aud: 'x', iss: 'x' }, cfg)).toBe(AUD);
    expect(message({ ...ok, iss: 'x', scope: '' }, cfg)).toBe(ISS);
    expect(message({ ...ok, scope: '', tenant: 'x' }, cfg)).toBe(SCOPE);
  });

  it('an anonymous request fails every check with the acl plugin answer; without checks it passes', () => {
    expect(policy(cfg).authorize(undefined)).toMatchObject({ status: 403, body: '{"message":"You cannot consume this service"}', reason: 'claims_anonymous' });
    expect(policy({ headers: [{ claim: 'sub', header: 'x-sub' }] }).authorize(undefined)).toBeUndefined();
  });

  it('evaluateClaimChecks reports every check, and agrees with authorize', () => {
    const p = policy(cfg);
    const results = evaluateClaimChecks(p, { ...ok, iss: 'x', tenant: 'y' });
    expect(results.map((r) => [r.kind, r.field, r.pass, r.reason])).toEqual([
      ['audience', 'audiences', true, 'claims_audience'],
      ['issuer', 'issuers', false, 'claims_issuer'],
      ['scope', 'scopes', true, 'claims_scope'],
      ['claim', 'claims[0]', false, 'claims_claim'],
    ]);
    expect(p.authorize({ ...ok, iss: 'x', tenant: 'y' })?.body).toBe(results.find((r) => !r.pass)!.body);
    expect(evaluateClaimChecks(p, undefined).every((r) => !r.pass && r.body === '{"message":"You cannot consume this service"}')).toBe(true);
  });

  it('property: authorize fails exactly when some evaluated check fails, with the first one\'s body', () => {
    const p = policy({ audiences: ['a', 'b'], scopes: ['s1', 's2'], claims: [{ path: 'r', containsAny: ['x', 'y'] }, { path: 't', oneOf: ['1', 'true'] }] });
    const str = fc.constantFrom('a', 'b', 'c', 's1', 's2', 'x', 'y', '1', 'true');
    const val = fc.oneof(str, fc.array(str, { maxLength: 3 }), fc.boolean(), fc.integer({ min: 0, max: 2 }), fc.constant(null));
    fc.assert(
      fc.property(fc.record({ aud: val, scope: fc.array(str, { maxLength: 3 }).map((xs) => xs.join(' ')), scp: val, r: val, t: val }, { requiredKeys: [] }), (claims) => {
        const failed = evaluateClaimChecks(p, claims).find((r) => !r.pass);
        expect(p.authorize(claims)?.body).toBe(failed?.body);
      }),
      fcParams(1000),
    );
  });

  it('messages never carry token content', () => {
    const secret = 'tok-content-\u2603';
    const bodies = evaluateClaimChecks(policy(cfg), { aud: secret, iss: secret, scope: secret, tenant: secret }).map((r) => r.body);
    for (const b of bodies) expect(b).not.toContain('tok-content');
  });
});

describe('scalarText', () => {
  it.each<[unknown, string | undefined]>([
    ['x', 'x'], [1.5, '1.5'], [false, 'false'], [null, undefined], [[1], undefined], [{}, undefined], [undefined, undefined],
  ])('%j → %j', (v, want) => expect(scalarText(v)).toBe(want));
});
