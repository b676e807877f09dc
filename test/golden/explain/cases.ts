import { importJWK, SignJWT } from 'jose';
import { signJws, mintToken } from '../../../src/tokens/mint.js';

/** The clock of every golden case (seconds since the epoch). */
export const NOW = 1_700_000_000;
/** The HMAC secrets of kong.yml and manifests.yaml: no explain output may contain them. */
export const SECRETS = ['golden-explain-secret-Zq81', 'golden-explain-bob-secret!', 'golden-manifest-secret-Wp44', 'golden-explain-rotate-k1', 'golden-explain-rotate-k2', 'WsNRZhCTpGnopidYt2MaMT7KLDGlcL1O609xe6Cxp5k'];

export interface ExplainCase {
  name: string;
  source: 'kong' | 'manifests';
  request: string;
  headers?: string[];
}

const SECRET = SECRETS[0]!;
const hs = (claims: Record<string, unknown>, secret = SECRET, key = 'alice-key') =>
  mintToken({ algorithm: 'HS256', key, secret, now: NOW, claims: { exp: NOW + 600, nbf: NOW - 10, ...claims } });
/** A token with exactly these claims, HS256-signed (for claims mintToken always sets). */
const raw = (payload: Record<string, unknown>) => {
  const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${signJws('HS256', input, { secret: SECRET }).toString('base64url')}`;
};
/** An HS256 token of the key alice-rotating (two credentials told apart by kid) with this JOSE header kid. */
const rotating = (kid: unknown, secret = SECRETS[4]!, extra: Record<string, unknown> = {}) => {
  const header = kid === undefined ? { alg: 'HS256', typ: 'JWT' } : { alg: 'HS256', typ: 'JWT', kid };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'alice-rotating', exp: NOW + 600, nbf: NOW - 10, ...extra })).toString('base64url')}`;
  return `${input}.${signJws('HS256', input, { secret }).toString('base64url')}`;
};
/** An ES256-shaped token of a JWKS credential (the kid is looked up before the signature is checked). */
const jwksToken = (iss: string, kid: string) =>
  `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss, exp: NOW + 600, nbf: NOW - 10 })).toString('base64url')}.${Buffer.alloc(64, 1).toString('base64url')}`;
/** The private half of the inline JWKS key golden-k1 (kong.yml erin, manifests.yaml sso-jwks): jose signs, independently of the gateway. */
const SSO_KEY = await importJWK({ kty: 'EC', crv: 'P-256', x: 'SCGb7hr_N2IG_nrokWqG9if0KpGTArPpxduSmqPBDwI', y: 'X-QjDnCtvB_5HEtL-KbL6jRNv3_0ylPpKRSNUbcXo2I', d: SECRETS[5]! }, 'ES256');
const ssoToken = (kid: string, claims: Record<string, unknown> = {}) =>
  new SignJWT({ iss: 'https://sso.example.com', exp: NOW + 600, nbf: NOW - 10, ...claims }).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid }).sign(SSO_KEY);
const bearer = (t: string) => `Authorization: Bearer ${t}`;
const RID = 'X-Request-ID: golden-1';

export const CASES: ExplainCase[] = [
  { name: 'proxied-authenticated', source: 'kong', request: 'GET http://shop.example.com/orders/42', headers: [bearer(hs({})), RID] },
  { name: 'proxied-public', source: 'kong', request: 'GET http://shop.example.com/public/x?a=1' },
  { name: 'proxied-https-only-over-tls', source: 'kong', request: 'GET https://shop.example.com/secure/x' },
  { name: 'proxied-better-route', source: 'kong', request: 'POST http://admin.example.com/orders' },
  { name: 'proxied-key-in-jose-header', source: 'kong', request: 'GET http://shop.example.com/kid', headers: [bearer(mintToken({ algorithm: 'HS256', key: 'alice-key', secret: SECRET, now: NOW, keyClaimIn: 'header', keyClaimName: 'kid' }))] },
  { name: 'anonymous', source: 'kong', request: 'GET http://shop.example.com/guest' },
  { name: 'no-route', source: 'kong', request: 'GET http://shop.example.com/nothing', headers: [RID] },
  { name: 'no-route-text', source: 'kong', request: 'DELETE http://shop.example.com/nothing', headers: [RID, 'Accept: text/plain'] },
  { name: 'bad-path', source: 'kong', request: 'GET http://shop.example.com/orders/%zz', headers: [RID] },
  { name: 'https-required', source: 'kong', request: 'GET http://shop.example.com/secure/x?y=1', headers: [RID] },
  { name: 'grpc-only-not-grpc', source: 'kong', request: 'POST http://shop.example.com/helloworld.Greeter/SayHello', headers: [RID, 'Content-Type: application/json'] },
  { name: 'grpc-only-over-http1', source: 'kong', request: 'POST http://shop.example.com/helloworld.Greeter/SayHello', headers: [RID, 'Content-Type: application/grpc'] },
  { name: 'claims-proxied', source: 'kong', request: 'GET http://shop.example.com/claims', headers: [bearer(hs({ aud: 'shop', scope: 'orders:read profile', tier: 'gold', sub: 'u-17' })), RID] },
  { name: 'claims-audience', source: 'kong', request: 'GET http://shop.example.com/claims', headers: [bearer(hs({ aud: ['other'], scope: 'orders:read', tier: 'gold' })), RID] },
  { name: 'claims-issuer', source: 'kong', request: 'GET http://shop.example.com/claims', headers: [bearer(rotating('k2', SECRETS[4], { aud: 'shop', scope: 'orders:read', tier: 'gold' })), RID] },
  { name: 'claims-scope', source: 'kong', request: 'GET http://shop.example.com/claims', headers: [bearer(hs({ aud: 'shop', scope: 'profile', tier: 'gold' })), RID] },
  { name: 'claims-claim', source: 'kong', request: 'GET http://shop.example.com/claims', headers: [bearer(hs({ aud: 'shop', scope: 'orders:read', tier: 'silver' })), RID] },
  { name: 'claims-anonymous', source: 'kong', request: 'GET http://shop.example.com/claims-guest', headers: [RID] },
  { name: 'plugin-error', source: 'kong', request: 'GET http://shop.example.com/broken', headers: [RID] },
  { name: 'no-token', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [RID] },
  { name: 'multiple-tokens', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(hs({})), `Cookie: session=${hs({ n: 2 })}`, RID] },
  { name: 'unrecognizable-token', source: 'kong', request: 'GET http://shop.example.com/orders?jwt', headers: [RID] },
  { name: 'bad-token', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer('abc.def.ghi'), RID] },
  { name: 'missing-key-claim', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(raw({ sub: 'x', exp: NOW + 60 })), RID] },
  { name: 'invalid-key-claim', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(raw({ iss: 42 })), RID] },
  { name: 'unknown-credential', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(hs({}, SECRET, 'nobody-key')), RID] },
  { name: 'proxied-by-kid', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(rotating('k2')), RID] },
  { name: 'missing-kid', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(rotating(undefined)), RID] },
  { name: 'invalid-kid', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(rotating(7)), RID] },
  { name: 'unknown-kid', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(rotating('k9')), RID] },
  { name: 'jwks-unavailable', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(jwksToken('https://down.example.com', 'k1')), RID] },
  { name: 'jwks-inline-proxied', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(await ssoToken('golden-k1')), RID] },
  { name: 'jwks-inline-unknown-kid', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(await ssoToken('golden-k9')), RID] },
  { name: 'jwks-inline-bad-signature', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(jwksToken('https://sso.example.com', 'golden-k1')), RID] },
  { name: 'algorithm-mismatch', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(hs({}, SECRET, 'alice-rsa')), RID] },
  { name: 'invalid-key', source: 'kong', request: 'GET http://shop.example.com/b64', headers: [bearer(hs({}, SECRETS[1], 'bob-not-base64')), RID] },
  { name: 'bad-signature', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(hs({}, 'not-the-secret')), RID] },
  { name: 'invalid-claims', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(hs({ exp: 'tomorrow' })), RID] },
  { name: 'expired', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(hs({ exp: NOW - 60 })), RID] },
  { name: 'expired-token-in-query', source: 'kong', request: `GET http://shop.example.com/orders?jwt=${hs({ exp: NOW - 60 })}&page=2`, headers: [RID] },
  { name: 'not-yet-valid', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(hs({ nbf: NOW + 3600 })), RID] },
  { name: 'max-expiration', source: 'kong', request: 'GET http://shop.example.com/orders', headers: [bearer(hs({ exp: NOW + 2 * 86400 })), RID] },
  { name: 'anonymous-missing', source: 'kong', request: 'GET http://shop.example.com/ghost', headers: [RID] },
  { name: 'acl-proxied', source: 'kong', request: 'GET http://shop.example.com/tm', headers: [bearer(hs({})), 'Origin: https://app.example.com', RID] },
  { name: 'acl-denied', source: 'kong', request: 'GET http://shop.example.com/tm', headers: [bearer(hs({}, SECRETS[1], 'bob-not-base64')), RID] },
  { name: 'acl-unauthenticated', source: 'kong', request: 'GET http://shop.example.com/to', headers: [RID] },
  { name: 'cors-preflight', source: 'kong', request: 'OPTIONS http://shop.example.com/tm', headers: ['Origin: https://app.example.com', 'Access-Control-Request-Method: POST', 'Access-Control-Request-Headers: authorization', RID] },
  { name: 'manifests-proxied', source: 'manifests', request: 'GET http://shop.example.com/orders', headers: [bearer(mintToken({ algorithm: 'HS256', key: 'carol-key', secret: SECRETS[2], now: NOW, expiresInSeconds: 60 }))] },
  { name: 'manifests-jwks-secret-proxied', source: 'manifests', request: 'GET http://shop.example.com/orders', headers: [bearer(await ssoToken('golden-k1'))] },
  { name: 'manifests-expired', source: 'manifests', request: 'GET http://shop.example.com/orders', headers: [bearer(mintToken({ algorithm: 'HS256', key: 'carol-key', secret: SECRETS[2], now: NOW - 120, expiresInSeconds: 60 })), RID] },
  { name: 'manifests-no-upstream-target', source: 'manifests', request: 'GET http://shop.example.com/empty', headers: [RID] },
  { name: 'manifests-wrong-host', source: 'manifests', request: 'GET http://other.example.com/orders', headers: [RID] },
];
