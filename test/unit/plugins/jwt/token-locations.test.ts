import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jwtPluginConfigSchema } from '../../../../src/model/jwt-config.js';
import { locateTokens } from '../../../../src/plugins/jwt/token-locations.js';
import { collectTokens, planTokenSources } from '../../../../src/plugins/jwt/token-sources.js';
import { fcParams } from '../../../support/fc-settings.js';

/**
 * explain's token locator must see exactly what collectTokens (the request path) sees: the same
 * distinct tokens, and a bare `?jwt` exactly when collectTokens would count one.
 */
const config = jwtPluginConfigSchema.parse({ uriParamNames: ['jwt', 'Token'], cookieNames: ['jwt', 'sess'], headerNames: ['authorization', 'X-Jwt'] });
const plan = planTokenSources(config);

/** collectTokens' verdict, rebuilt from the locations. */
function verdictOf(rawQuery: string, rawHeaders: string[]) {
  const located = locateTokens(config, rawQuery, rawHeaders);
  const tokens = new Set(located.filter((l) => l.token !== undefined).map((l) => l.token!));
  const bare = located.some((l) => l.location.bare === true);
  if (tokens.size + (bare ? 1 : 0) > 1) return { kind: 'multiple' };
  if (tokens.size === 1) return { kind: 'one', token: [...tokens][0] };
  return { kind: bare ? 'unrecognizable' : 'none' };
}

const tokenText = fc.oneof(fc.constantFrom('abc.def.ghi', 'a+b', 'a%20b', '%E2%82%AC', '%zz', '', 'x=y', '%26'), fc.string({ maxLength: 6 }).map((s) => s.replace(/[&;]/g, '')));
const queryPart = fc.oneof(
  fc.tuple(fc.constantFrom('jwt', 'Token', 'token', 'j%77t', 'jw+t', 'other', ''), tokenText).map(([n, v]) => `${n}=${v}`),
  fc.constantFrom('jwt', 'Token', 'x', ''),
);
const headerArb = fc.oneof(
  fc.tuple(fc.constantFrom('Authorization', 'authorization', 'X-JWT', 'x-jwt'), fc.tuple(fc.constantFrom('Bearer ', 'bearer\t', 'Basic ', 'Bearer', ' Bearer '), tokenText).map(([s, t]) => s + t)),
  fc.tuple(fc.constantFrom('Cookie', 'cookie'), fc.array(fc.tuple(fc.constantFrom('jwt', 'JWT', 'sess', 'other'), tokenText.map((t) => t.replace(/=/g, ''))), { maxLength: 3 }).map((ps) => ps.map(([n, v]) => `${n}=${v}`).join('; '))),
  fc.tuple(fc.constantFrom('X-Other', 'Accept'), fc.string({ maxLength: 5 })),
);

describe('locateTokens agrees with collectTokens', () => {
  it('any mix of query parameters, bare flags, cookies and headers', () => {
    fc.assert(
      fc.property(fc.array(queryPart, { maxLength: 5 }), fc.array(headerArb, { maxLength: 4 }), (parts, headers) => {
        const rawQuery = parts.join('&');
        expect(verdictOf(rawQuery, headers.flat())).toEqual(collectTokens(plan, rawQuery, headers.flat()));
      }),
      fcParams(500),
    );
  });

  it('names each place: the query parameter, the cookie as configured, the header as sent', () => {
    const located = locateTokens(config, 'a=1&jwt=q.q.q&Token', ['cookie', 'sess=c.c.c', 'AUTHORIZATION', 'Bearer h.h.h', 'Authorization', 'Bearer second']);
    expect(located.map((l) => l.location)).toEqual([
      { source: 'query', name: 'jwt' },
      { source: 'query', name: 'Token', bare: true },
      { source: 'cookie', name: 'sess' },
      { source: 'header', name: 'AUTHORIZATION' },
    ]);
  });
});
