import { describe, expect, it } from 'vitest';
import { jwtCredentialSpecSchema, kongConsumerSpecSchema, routeSpecSchema } from '../../../src/model/crds.js';

type Schema = { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } };
const firstIssue = (s: Schema, v: unknown) => {
  const r = s.safeParse(v);
  const i = r.error?.issues[0];
  return i ? `${i.path.join('.')}: ${i.message}` : 'ok';
};

const hs = { consumerRef: { name: 'login-server' }, key: 'k1', algorithm: 'HS256', secretRef: { name: 's', key: 'secret' } };
const rs = { consumerRef: { name: 'c' }, key: 'k2', algorithm: 'RS256', publicKeyRef: { name: 'keys', key: 'pub.pem' } };
const route = { paths: ['/api'], backend: { service: { name: 'my-api-service', port: 3000 } } };

describe('CR spec schemas', () => {
  it.each<[string, Schema, unknown, string]>([
    ['consumer with username', kongConsumerSpecSchema, { username: 'u' }, 'ok'],
    ['consumer with customId only', kongConsumerSpecSchema, { customId: 'c' }, 'ok'],
    ['consumer with neither', kongConsumerSpecSchema, {}, 'username: username or customId is required'],
    ['consumer empty username', kongConsumerSpecSchema, { username: '' }, 'username: must not be empty'],
    ['consumer unknown field', kongConsumerSpecSchema, { username: 'u', name: 'x' }, ': Unrecognized key: "name"'],
    ['HS credential', jwtCredentialSpecSchema, hs, 'ok'],
    ['RS credential', jwtCredentialSpecSchema, rs, 'ok'],
    ['HS without secretRef', jwtCredentialSpecSchema, { ...hs, secretRef: undefined }, 'secretRef: is required for algorithm HS256'],
    ['HS with publicKeyRef', jwtCredentialSpecSchema, { ...hs, publicKeyRef: { name: 'k', key: 'p' } }, 'publicKeyRef: is not allowed for algorithm HS256 (use secretRef)'],
    ['RS without publicKeyRef', jwtCredentialSpecSchema, { ...rs, publicKeyRef: undefined }, 'publicKeyRef: is required for algorithm RS256'],
    ['EdDSA with secretRef', jwtCredentialSpecSchema, { ...rs, algorithm: 'EdDSA', secretRef: { name: 's', key: 'k' } }, 'secretRef: is not allowed for algorithm EdDSA (use publicKeyRef)'],
    ['unknown algorithm', jwtCredentialSpecSchema, { ...hs, algorithm: 'none' }, expect.stringMatching(/^algorithm: Invalid option/) as unknown as string],
    ['secret key with slash', jwtCredentialSpecSchema, { ...hs, secretRef: { name: 's', key: 'a/b' } }, 'secretRef.key: must consist of alphanumerics, "-", "_" or "."'],
    ['route', routeSpecSchema, route, 'ok'],
    ['route url backend', routeSpecSchema, { ...route, backend: { url: 'http://127.0.0.1:9000/base' } }, 'ok'],
    ['route named port', routeSpecSchema, { ...route, backend: { service: { name: 'svc', port: 'http' } } }, 'ok'],
    ['route both backends', routeSpecSchema, { ...route, backend: { url: 'http://x', service: { name: 'a', port: 1 } } }, 'backend: exactly one of service or url is required'],
    ['route no backend kind', routeSpecSchema, { ...route, backend: {} }, 'backend: exactly one of service or url is required'],
    ['route no matcher', routeSpecSchema, { backend: route.backend }, 'paths: at least one of hosts, paths or methods is required'],
    ['route bad path', routeSpecSchema, { ...route, paths: ['api'] }, 'paths.0: must start with "/" (prefix) or "~" (regex)'],
    ['route lower-case method', routeSpecSchema, { ...route, methods: ['get'] }, 'methods.0: must be an upper-case HTTP method'],
    ['route port 0', routeSpecSchema, { ...route, backend: { service: { name: 'a', port: 0 } } }, expect.stringMatching(/^backend\.service\.port: /) as unknown as string],
    ['route ftp url', routeSpecSchema, { ...route, backend: { url: 'ftp://x' } }, 'backend.url: must be an http:// or https:// URL without query or fragment, or a grpc:// or grpcs:// URL without path'],
    ['jwt maximumExpiration without exp', routeSpecSchema, { ...route, plugins: { jwt: { maximumExpiration: 60 } } }, 'plugins.jwt.claimsToVerify: expected to contain: exp'],
    ['jwt unknown field', routeSpecSchema, { ...route, plugins: { jwt: { key_claim_name: 'kid' } } }, 'plugins.jwt: Unrecognized key: "key_claim_name"'],
  ])('%s', (_name, schema, value, expected) => {
    expect(firstIssue(schema, value)).toEqual(expected);
  });

  it('applies Kong defaults', () => {
    const r = routeSpecSchema.parse({ ...route, plugins: { jwt: { keyClaimName: 'kid', claimsToVerify: ['exp', 'exp'] } } });
    expect(r.stripPath).toBe(true);
    expect(r.preserveHost).toBe(false);
    expect(r.plugins?.jwt).toMatchObject({ keyClaimName: 'kid', claimsToVerify: ['exp'], uriParamNames: ['jwt'], runOnPreflight: true });
    expect(jwtCredentialSpecSchema.parse({ ...hs, algorithm: undefined }).algorithm).toBe('HS256');
  });
});
