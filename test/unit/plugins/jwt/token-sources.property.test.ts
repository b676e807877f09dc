import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jwtPluginConfigSchema } from '../../../../src/model/jwt-config.js';
import { bearerToken, collectTokens, planTokenSources } from '../../../../src/plugins/jwt/token-sources.js';
import { fcParams } from '../../../support/fc-settings.js';

/**
 * Token collection from query, cookies and headers against a model built on WHATWG
 * URLSearchParams (an independent query decoder) and a plain reading of the documented rules:
 * every distinct non-empty token counts once; two or more → "multiple"; a bare `?jwt` flag with no
 * token → "unrecognizable". Query parts are generated with "=" so URLSearchParams can tell them
 * apart from bare flags, which are added separately.
 */

const config = jwtPluginConfigSchema.parse({ uriParamNames: ['jwt', 'Token'], cookieNames: ['jwt', 'sess'], headerNames: ['authorization', 'X-Jwt'] });
const plan = planTokenSources(config);

function model(queryParts: Array<[string, string]>, bare: string[], headers: Array<[string, string]>) {
  const tokens = new Set<string>();
  const query = queryParts.map(([n, v]) => `${n}=${v}`).join('&');
  for (const [name, value] of new URLSearchParams(query)) {
    if (config.uriParamNames.includes(name) && value !== '') tokens.add(value);
  }
  for (const wanted of config.cookieNames) {
    const found = headers
      .filter(([n]) => n.toLowerCase() === 'cookie')
      .flatMap(([, v]) => v.split(';'))
      .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()] as const)
      .find(([n, v]) => n.toLowerCase() === wanted.toLowerCase() && v !== '');
    if (found !== undefined) tokens.add(found[1]);
  }
  for (const wanted of config.headerNames) {
    const first = headers.find(([n]) => n.toLowerCase() === wanted.toLowerCase());
    const token = first === undefined ? undefined : bearerToken(first[1]);
    if (token !== undefined && token !== '') tokens.add(token);
  }
  const bareFlag = bare.some((b) => config.uriParamNames.includes(b));
  if (tokens.size + (bareFlag ? 1 : 0) > 1) return { kind: 'multiple' };
  if (tokens.size === 1) return { kind: 'one', token: [...tokens][0] };
  return { kind: bareFlag ? 'unrecognizable' : 'none' };
}

const tokenText = fc.oneof(fc.constantFrom('abc.def.ghi', 'a+b', 'a%20b', '%E2%82%AC', '%zz', '%C3', '', 'x=y', '%26'), fc.string({ maxLength: 8 }).map((s) => s.replace(/[&;]/g, '')));
const queryName = fc.constantFrom('jwt', 'Token', 'token', 'JWT', 'j%77t', 'jw+t', 'other', '');
const headerArb = fc.oneof(
  fc.tuple(fc.constantFrom('Authorization', 'authorization', 'X-JWT', 'x-jwt'), fc.tuple(fc.constantFrom('Bearer ', 'bearer\t', 'BEARER  ', 'Basic ', 'Bearer', ' Bearer '), tokenText).map(([s, t]) => s + t)),
  fc.tuple(fc.constantFrom('Cookie', 'cookie'), fc.array(fc.tuple(fc.constantFrom('jwt', 'JWT', 'sess', 'other', ' jwt'), tokenText.map((t) => t.replace(/=/g, ''))), { maxLength: 3 }).map((ps) => ps.map(([n, v]) => `${n}=${v}`).join('; '))),
  fc.tuple(fc.constantFrom('X-Other', 'Accept'), fc.string({ maxLength: 5 })),
);

describe('collectTokens = URLSearchParams + documented source rules', () => {
  it('any mix of query parameters, bare flags, cookies and headers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(queryName, tokenText.map((t) => t.replace(/[=#]/g, ''))), { maxLength: 4 }),
        fc.array(fc.constantFrom('jwt', 'Token', 'x'), { maxLength: 2 }),
        fc.array(headerArb, { maxLength: 4 }),
        (queryParts, bare, headers) => {
          const rawQuery = [...queryParts.map(([n, v]) => `${n}=${v}`), ...bare].join('&');
          expect(collectTokens(plan, rawQuery, headers.flat())).toEqual(model(queryParts, bare, headers));
        },
      ),
      fcParams(3000),
    );
  });
});
