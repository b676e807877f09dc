import { describe, expect, it } from 'vitest';
import { jwtPluginConfigSchema, type JwtPluginConfigInput } from '../../../../src/model/jwt-config.js';
import { bearerToken, collectTokens, planTokenSources, urlDecode } from '../../../../src/plugins/jwt/token-sources.js';
import { HS_SECRET, NOW, credentialFor, makeAuthenticator, makeRequest, mint } from './fixtures.js';

function collect(config: JwtPluginConfigInput, query: string, headers: Array<[string, string]> = []) {
  return collectTokens(planTokenSources(jwtPluginConfigSchema.parse(config)), query, headers.flat());
}

describe('bearerToken (stricter than Kong: case-insensitive scheme, at the start only)', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['bEaReR abc', 'abc'],
    ['Bearer    abc', 'abc'],
    ['Bearer\tabc', 'abc'],
    ['  Bearer abc', 'abc'],
    ['Bearer a b', 'a b'],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    ['Bearerabc', undefined],
    ['Basic Bearer abc', undefined],
    ['xBearer abc', undefined],
    ['Token abc', undefined],
    ['', undefined],
  ])('%j → %j', (value, expected) => {
    expect(bearerToken(value)).toBe(expected);
  });
});

describe('urlDecode (nginx get_uri_args)', () => {
  it.each([
    ['abc', 'abc'],
    ['a+b', 'a b'],
    ['a%2Eb', 'a.b'],
    ['a%2eb', 'a.b'],
    ['%E2%9C%93', '✓'],
    ['bad%zz', 'bad%zz'],
    ['trail%2', 'trail%2'],
    ['x%41%', 'xA%'],
  ])('%j → %j', (raw, decoded) => {
    expect(urlDecode(raw)).toBe(decoded);
  });
});

describe('token collection', () => {
  it.each([
    // [name, config, query, headers, expected]
    ['no sources', {}, '', [], { kind: 'none' }],
    ['query ?jwt=T', {}, 'jwt=T', [], { kind: 'one', token: 'T' }],
    ['query value URL-decoded', {}, 'jwt=a%2Eb%2Ec', [], { kind: 'one', token: 'a.b.c' }],
    ['query name is case-sensitive', {}, 'JWT=T', [], { kind: 'none' }],
    ['query name URL-decoded', {}, 'j%77t=T', [], { kind: 'one', token: 'T' }],
    ['empty ?jwt= is ignored', {}, 'jwt=', [], { kind: 'none' }],
    ['bare ?jwt is unrecognizable', {}, 'jwt', [], { kind: 'unrecognizable' }],
    ['bare ?jwt twice is still one unrecognizable', {}, 'jwt&jwt', [], { kind: 'unrecognizable' }],
    ['bare ?jwt next to a token is multiple', {}, 'jwt&jwt=T', [], { kind: 'multiple' }],
    ['bare ?jwt next to a header token is multiple', {}, 'jwt', [['Authorization', 'Bearer T']], { kind: 'multiple' }],
    ['empty ?jwt= next to a header token is ignored', {}, 'jwt=', [['Authorization', 'Bearer T']], { kind: 'one', token: 'T' }],
    ['same token twice in the query is one', {}, 'jwt=T&jwt=T', [], { kind: 'one', token: 'T' }],
    ['two different query tokens', {}, 'jwt=T&jwt=U', [], { kind: 'multiple' }],
    ['query and header with the same token is one', {}, 'jwt=T', [['Authorization', 'Bearer T']], { kind: 'one', token: 'T' }],
    ['query and header with different tokens', {}, 'jwt=T', [['Authorization', 'Bearer U']], { kind: 'multiple' }],
    ['other query params are ignored', {}, 'a=1&jwt=T&b', [], { kind: 'one', token: 'T' }],
    ['value keeps later = signs', {}, 'jwt=a=b', [], { kind: 'one', token: 'a=b' }],
    ['custom uri_param_names', { uriParamNames: ['token', 'access_token'] }, 'jwt=X&access_token=T', [], { kind: 'one', token: 'T' }],
    ['uri_param_names empty: query ignored', { uriParamNames: [] }, 'jwt=T', [], { kind: 'none' }],
    ['header name case-insensitive', {}, '', [['AUTHORIZATION', 'Bearer T']], { kind: 'one', token: 'T' }],
    ['first Authorization wins, repeats ignored', {}, '', [['Authorization', 'Bearer T'], ['authorization', 'Bearer U']], { kind: 'one', token: 'T' }],
    ['first Authorization is not Bearer: later Bearer ignored', {}, '', [['Authorization', 'Basic xyz'], ['Authorization', 'Bearer U']], { kind: 'none' }],
    ['custom header_names', { headerNames: ['X-Token'] }, '', [['x-token', 'Bearer T'], ['Authorization', 'Bearer U']], { kind: 'one', token: 'T' }],
    ['two configured headers with different tokens', { headerNames: ['authorization', 'x-token'] }, '', [['x-token', 'Bearer T'], ['Authorization', 'Bearer U']], { kind: 'multiple' }],
    ['cookie raw value', { cookieNames: ['jwt'] }, '', [['Cookie', 'a=1; jwt=T%2E; b=2']], { kind: 'one', token: 'T%2E' }],
    ['cookie not configured is ignored', {}, '', [['Cookie', 'jwt=T']], { kind: 'none' }],
    ['cookie in a second Cookie header', { cookieNames: ['jwt'] }, '', [['Cookie', 'a=1'], ['cookie', 'jwt=T']], { kind: 'one', token: 'T' }],
    ['first cookie of that name wins', { cookieNames: ['jwt'] }, '', [['Cookie', 'jwt=T; jwt=U']], { kind: 'one', token: 'T' }],
    ['empty cookie is ignored', { cookieNames: ['jwt'] }, '', [['Cookie', 'jwt=']], { kind: 'none' }],
    ['cookie prefix does not match', { cookieNames: ['jwt'] }, '', [['Cookie', 'xjwt=T; jwtx=U']], { kind: 'none' }],
    ['cookie and header differ', { cookieNames: ['jwt'] }, '', [['Cookie', 'jwt=T'], ['Authorization', 'Bearer U']], { kind: 'multiple' }],
    ['cookie, query and header agree', { cookieNames: ['jwt'] }, 'jwt=T', [['Cookie', 'jwt=T'], ['Authorization', 'bearer T']], { kind: 'one', token: 'T' }],
  ] as const)('%s', (_name, config, query, headers, expected) => {
    expect(collect(config as JwtPluginConfigInput, query, headers as unknown as Array<[string, string]>)).toEqual(expected);
  });

  it('reads the first of many configured header names beyond the 30-bit fast path', () => {
    const names = Array.from({ length: 40 }, (_, i) => `x-h${i}`);
    expect(collect({ headerNames: names }, '', [['x-h35', 'Bearer T'], ['x-h35', 'Bearer U']])).toEqual({ kind: 'one', token: 'T' });
  });
});

describe('token sources end to end', () => {
  const { credential } = credentialFor('HS256', 'hs-key');
  const token = mint({ algorithm: 'HS256', key: 'hs-key', secret: HS_SECRET });

  it.each([
    ['query', { query: `jwt=${token}` }, {}],
    ['query, percent-encoded dots', { query: `jwt=${token.replaceAll('.', '%2E')}` }, {}],
    ['cookie', { headers: [['Cookie', `session=x; jwt=${token}`]] as Array<[string, string]> }, { cookieNames: ['jwt'] }],
    ['header', { headers: [['authorization', `BEARER ${token}`]] as Array<[string, string]> }, {}],
  ] as const)('authenticates from the %s', (_name, req, config) => {
    const auth = makeAuthenticator([credential], config as JwtPluginConfigInput);
    expect(auth.authenticate(makeRequest(req), NOW).kind).toBe('authenticated');
  });

  it('a repeated Authorization header: the first one decides', () => {
    const auth = makeAuthenticator([credential]);
    const first = makeRequest({ headers: [['Authorization', `Bearer ${token}`], ['Authorization', 'Bearer garbage']] });
    const second = makeRequest({ headers: [['Authorization', 'Bearer garbage'], ['Authorization', `Bearer ${token}`]] });
    expect(auth.authenticate(first, NOW).kind).toBe('authenticated');
    expect(auth.authenticate(second, NOW)).toMatchObject({ body: '{"message":"Bad token; invalid JSON"}' });
  });
});
