import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLAIMS_LIMITS, jwtClaimsConfigSchema } from '../../../../src/model/jwt-claims-config.js';
import { claimHeaderValue } from '../../../../src/plugins/claims/header-values.js';
import { compileClaimsPolicy } from '../../../../src/plugins/claims/policy.js';
import { fcParams } from '../../../support/fc-settings.js';

/** Claims as header values (docs/claims.md#header-values). */
describe('claimHeaderValue', () => {
  it.each<[string, unknown, 'join' | 'json', string, string | undefined]>([
    ['string as is', 'alice', 'join', ', ', 'alice'],
    ['empty string is sent empty', '', 'join', ', ', ''],
    ['number as JSON text', 42, 'join', ', ', '42'],
    ['float as JSON text', 1.5, 'join', ', ', '1.5'],
    ['boolean as JSON text', true, 'join', ', ', 'true'],
    ['missing: no header', undefined, 'join', ', ', undefined],
    ['null: no header', null, 'join', ', ', undefined],
    ['array joined', ['a', 'b', 'c'], 'join', ', ', 'a, b, c'],
    ['array joined with a custom separator', ['a', 'b'], 'join', ' ', 'a b'],
    ['array elements of other types as JSON', ['a', 1, true, { k: 'v' }, ['x']], 'join', ',', 'a,1,true,{"k":"v"},["x"]'],
    ['null elements left out', ['a', null, 'b'], 'join', ',', 'a,b'],
    ['empty array joined: no header', [], 'join', ',', undefined],
    ['array as JSON', ['a', 'b,c'], 'json', ',', '["a","b,c"]'],
    ['empty array as JSON', [], 'json', ',', '[]'],
    ['object as JSON', { street: 'Main St', n: 1 }, 'join', ',', '{"street":"Main St","n":1}'],
    ['CR LF in a string: no header', 'a\r\nX-Admin: 1', 'join', ',', undefined],
    ['NUL in a string: no header', 'a\u0000b', 'join', ',', undefined],
    ['DEL in a string: no header', 'a\u007fb', 'join', ',', undefined],
    ['LF in a joined element: no header', ['a', 'b\nc'], 'join', ',', undefined],
    ['LF in a JSON value is escaped', ['b\nc'], 'json', ',', '["b\\nc"]'],
    ['tab is allowed', 'a\tb', 'join', ',', 'a\tb'],
    ['non-ASCII as UTF-8 bytes', 'José', 'join', ',', Buffer.from('José', 'utf8').toString('latin1')],
  ])('%s', (_n, value, arrays, sep, want) => expect(claimHeaderValue(value, arrays, sep)).toBe(want));

  it(`a value over ${CLAIMS_LIMITS.headerValueBytes} bytes (after UTF-8) is left out, not cut`, () => {
    const max = CLAIMS_LIMITS.headerValueBytes;
    expect(claimHeaderValue('a'.repeat(max), 'join', ',')).toHaveLength(max);
    expect(claimHeaderValue('a'.repeat(max + 1), 'join', ',')).toBeUndefined();
    expect(claimHeaderValue('é'.repeat(max / 2 + 1), 'join', ',')).toBeUndefined();
    expect(claimHeaderValue(Array(max).fill('ab'), 'join', ',')).toBeUndefined();
  });

  it('property: any JSON value gives no header or a valid header value (no CTL but tab, only bytes, bounded)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom<'join' | 'json'>('join', 'json'), (v, arrays) => {
        const out = claimHeaderValue(v, arrays, ', ');
        if (out === undefined) return;
        expect(out).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/);
        expect(out).not.toMatch(/[^\u0000-\u00ff]/);
        expect(out.length).toBeLessThanOrEqual(CLAIMS_LIMITS.headerValueBytes);
      }),
      fcParams(2000),
    );
  });

  it('property: JSON mode round-trips arrays and objects', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.jsonValue(), { maxLength: 4 }), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 })), (v) => {
        const out = claimHeaderValue(v, 'json', ',');
        if (out === undefined) return;
        expect(JSON.parse(Buffer.from(out, 'latin1').toString('utf8'))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      fcParams(1000),
    );
  });
});

describe('a policy\'s header mappings', () => {
  const p = compileClaimsPolicy(
    'p',
    jwtClaimsConfigSchema.parse({
      headers: [
        { claim: 'sub', header: 'X-User-Id' },
        { claim: 'realm_access.roles', header: 'X-User-Roles' },
        { claim: 'realm_access.roles', header: 'X-User-Roles-Json', arrays: 'json' },
        { claim: 'missing', header: 'X-Missing' },
        { claim: 'a\\.b', header: 'X-Dotted' },
      ],
    }),
  );

  it('appends lower-cased names and rendered values in config order; missing claims send nothing', () => {
    const out = ['host', 'up'];
    p.appendHeaders({ sub: 'alice', realm_access: { roles: ['admin', 'user'] }, 'a.b': 7 }, out);
    expect(out).toEqual(['host', 'up', 'x-user-id', 'alice', 'x-user-roles', 'admin, user', 'x-user-roles-json', '["admin","user"]', 'x-dotted', '7']);
    expect(p.headerNames).toEqual(['x-user-id', 'x-user-roles', 'x-user-roles-json', 'x-missing', 'x-dotted']);
  });
});
