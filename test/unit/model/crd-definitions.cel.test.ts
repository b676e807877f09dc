import { evaluate } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { CRD_DEFINITIONS } from '../../../src/model/crd-definitions.js';
import { CRD_SPEC_SCHEMAS, type CrdKind } from '../../../src/model/crds.js';

/**
 * The CEL rules (enforced by the API server) and the zod refinements (enforced offline and by the
 * controller) must agree. Evaluate every rule with a CEL implementation on the same specs.
 */

/** CEL sees JSON integers as int64. */
function toCel(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  return v;
}

function celViolations(kind: CrdKind, spec: Record<string, unknown>): string[] {
  const def = CRD_DEFINITIONS.find((d) => d.kind === kind)!;
  const out: string[] = [];
  for (const [path, rules] of Object.entries(def.specRules)) {
    // "[]" steps into every item of an array (rules on list items run once per item).
    let nodes: unknown[] = [spec];
    for (const seg of path === '' ? [] : path.split('.')) {
      nodes = nodes.flatMap((n) => (seg === '[]' ? (Array.isArray(n) ? n : []) : [(n as Record<string, unknown> | undefined)?.[seg]]));
    }
    for (const node of nodes) {
      if (node === undefined) continue; // rules on absent optional objects do not run
      for (const r of rules) if (evaluate(r.rule, { self: toCel(node) }) !== true) out.push(r.message);
    }
  }
  return out;
}

const hsRef = { name: 's', key: 'secret' };
const svc = { service: { name: 'a', port: 80 } };

describe('CEL rules agree with the zod schemas', () => {
  it.each<[string, CrdKind, Record<string, unknown>, string[]]>([
    ['consumer username', 'KongConsumer', { username: 'u' }, []],
    ['consumer customId', 'KongConsumer', { customId: 'c' }, []],
    ['consumer groups', 'KongConsumer', { username: 'u', groups: ['dev', 'ops'] }, []],
    ['consumer neither', 'KongConsumer', {}, ['username or customId is required']],
    ['HS with secretRef', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'HS512', secretRef: hsRef }, []],
    ['defaulted algorithm with secretRef', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', secretRef: hsRef }, []],
    ['HS without secretRef', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'HS256' }, ['secretRef is required for HS* algorithms']],
    ['HS with both', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'HS256', secretRef: hsRef, publicKeyRef: hsRef }, ['publicKeyRef is forbidden for HS* algorithms']],
    ['ES256 with publicKeyRef', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'ES256', publicKeyRef: hsRef }, []],
    ['EdDSA with secretRef', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'EdDSA', secretRef: hsRef }, ['publicKeyRef is required for RS*/ES*/PS*/EdDSA algorithms', 'secretRef is forbidden for RS*/ES*/PS*/EdDSA algorithms']],
    ['PS384 with nothing', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'PS384' }, ['publicKeyRef is required for RS*/ES*/PS*/EdDSA algorithms']],
    ['jwks issuer', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'RS256', jwks: { issuer: 'https://idp.example' } }, []],
    ['jwks algorithms, defaulted algorithm', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', jwks: { url: 'https://idp.example/k', algorithms: ['ES256'] } }, []],
    ['jwks, defaulted HS algorithm', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', jwks: { url: 'https://idp.example/k' } }, ['a JWKS credential needs an asymmetric algorithm or jwks.algorithms']],
    ['jwks and publicKeyRef', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'RS256', publicKeyRef: hsRef, jwks: { inline: '{}' } }, ['publicKeyRef is forbidden with jwks']],
    ['jwks and secretRef', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'HS256', secretRef: hsRef, jwks: { inline: '{}', algorithms: ['RS256'] } }, ['secretRef is forbidden with jwks']],
    ['jwks with two sources', 'JwtCredential', { consumerRef: { name: 'c' }, key: 'k', algorithm: 'RS256', jwks: { url: 'https://idp.example/k', inline: '{}' } }, ['exactly one of url, issuer, secretRef, inline is required']],
    ['route ok', 'Route', { paths: ['/a'], backend: svc }, []],
    ['rateLimiting minute', 'Route', { paths: ['/a'], backend: svc, plugins: { rateLimiting: { minute: 5 } } }, []],
    ['rateLimiting no period', 'Route', { paths: ['/a'], backend: svc, plugins: { rateLimiting: { limitBy: 'ip' } } }, ['at least one of second, minute, hour, day, month or year is required']],
    ['rateLimiting header without name', 'Route', { paths: ['/a'], backend: svc, plugins: { rateLimiting: { second: 1, limitBy: 'header' } } }, ['headerName is required with limitBy header']],
    ['rateLimiting path without path', 'Route', { paths: ['/a'], backend: svc, plugins: { rateLimiting: { second: 1, limitBy: 'path' } } }, ['path is required with limitBy path']],
    ['rateLimiting redis without host', 'Route', { paths: ['/a'], backend: svc, plugins: { rateLimiting: { second: 1, policy: 'redis', redis: { port: 6380 } } } }, ['redis.host is required with policy redis']],
    ['rateLimiting redis', 'Route', { paths: ['/a'], backend: svc, plugins: { rateLimiting: { hour: 100, policy: 'redis', redis: { host: 'redis', passwordSecretRef: { name: 's', key: 'p' } } } } }, []],
    ['route hosts only', 'Route', { hosts: ['x.example'], backend: { url: 'http://x' } }, []],
    ['route empty matchers', 'Route', { paths: [], hosts: [], backend: svc }, ['at least one of hosts, paths or methods is required']],
    ['route both backends', 'Route', { methods: ['GET'], backend: { ...svc, url: 'http://x' } }, ['url is forbidden when service is set (use exactly one)']],
    ['route no backend', 'Route', { methods: ['GET'], backend: {} }, ['one of service or url is required']],
    ['jwt max exp with exp', 'Route', { paths: ['/a'], backend: svc, plugins: { jwt: { maximumExpiration: 60, claimsToVerify: ['exp'] } } }, []],
    ['jwt max exp without exp', 'Route', { paths: ['/a'], backend: svc, plugins: { jwt: { maximumExpiration: 60, claimsToVerify: ['nbf'] } } }, ['maximumExpiration > 0 requires exp in claimsToVerify']],
    ['jwt max exp, no claims', 'Route', { paths: ['/a'], backend: svc, plugins: { jwt: { maximumExpiration: 60 } } }, ['maximumExpiration > 0 requires exp in claimsToVerify']],
    ['jwt zero max exp', 'Route', { paths: ['/a'], backend: svc, plugins: { jwt: { maximumExpiration: 0 } } }, []],
    ['jwt defaults', 'Route', { paths: ['/a'], backend: svc, plugins: { jwt: {} } }, []],
    ['jwtClaims with jwt', 'Route', { paths: ['/a'], backend: svc, plugins: { jwt: {}, jwtClaims: { audiences: ['x'] } } }, []],
    ['ipRestriction allow', 'Route', { paths: ['/a'], backend: svc, plugins: { ipRestriction: { allow: ['10.0.0.0/8'] } } }, []],
    ['ipRestriction deny', 'Route', { paths: ['/a'], backend: svc, plugins: { ipRestriction: { deny: ['::1'], status: 451 } } }, []],
    ['ipRestriction with neither list', 'Route', { paths: ['/a'], backend: svc, plugins: { ipRestriction: { message: 'no' } } }, ['at least one of allow or deny is required']],
    ['correlationId defaults', 'Route', { paths: ['/a'], backend: svc, plugins: { correlationId: {} } }, []],
    ['acl allow', 'Route', { paths: ['/a'], backend: svc, plugins: { jwt: {}, acl: { allow: ['dev'] } } }, []],
    ['acl deny, empty', 'Route', { paths: ['/a'], backend: svc, plugins: { acl: { deny: [] } } }, []],
    ['acl with both lists', 'Route', { paths: ['/a'], backend: svc, plugins: { acl: { allow: ['a'], deny: ['b'] } } }, ['exactly one of allow or deny is required']],
    ['acl with neither list', 'Route', { paths: ['/a'], backend: svc, plugins: { acl: { hideGroupsHeader: true } } }, ['exactly one of allow or deny is required']],
    ['cors defaults', 'Route', { paths: ['/a'], backend: svc, plugins: { cors: {} } }, []],
    ['jwtClaims without jwt', 'Route', { paths: ['/a'], backend: svc, plugins: { jwtClaims: { audiences: ['x'] } } }, ['requires plugins.jwt (jwtClaims checks the token the jwt plugin verified)']],
    [
      'jwtClaims matchers with one operator each',
      'Route',
      { paths: ['/a'], backend: svc, plugins: { jwt: {}, jwtClaims: { claims: [{ path: 'a', equals: 'x' }, { path: 'b', oneOf: ['x'] }, { path: 'c', contains: 'x' }, { path: 'd', containsAny: ['x'] }] } } },
      [],
    ],
    [
      'jwtClaims matchers with none or two operators',
      'Route',
      { paths: ['/a'], backend: svc, plugins: { jwt: {}, jwtClaims: { claims: [{ path: 'a' }, { path: 'b', equals: 'x', contains: 'y' }, { path: 'c', equals: 'x' }] } } },
      ['exactly one of equals, oneOf, contains, containsAny is required', 'exactly one of equals, oneOf, contains, containsAny is required'],
    ],
  ])('%s', (_n, kind, spec, expected) => {
    expect(celViolations(kind, spec)).toEqual(expected);
    expect(CRD_SPEC_SCHEMAS[kind].safeParse(spec).success).toBe(expected.length === 0);
  });
});
