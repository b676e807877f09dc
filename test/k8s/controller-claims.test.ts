import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, secret } from '../support/crs.js';

/**
 * jwtClaims in Route CRs against a real API server (docs/claims.md#mistakes): what the CRD can
 * say is refused by the API server; what only the controller checks (a reserved header name)
 * sets Accepted=False on the Route, which answers 500 while the other Routes serve; fixing it
 * serves the claims. Behaviour of valid Routes is in test/integration/standalone/jwt-claims.test.ts.
 */
const SECRET = 'k8s-claims-secret-0123456789abcd';
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;

const routeDoc = (name: string, plugins: Record<string, unknown>): string =>
  YAML.stringify({
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'Route',
    metadata: { name, namespace: ns },
    spec: { paths: [`/${name}`], backend: { url: echo.url }, plugins },
  });

const token = (claims: Record<string, unknown>) => mintToken({ algorithm: 'HS256', key: `${ns}-key`, secret: SECRET, claims });
const get = async (p: string, claims: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const res = await fetch(`${gw.proxy}${p}`, { headers: { authorization: `Bearer ${token(claims)}`, ...headers } });
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('claims');
  await env.apply(
    join(
      consumer(ns, 'alice'),
      secret(ns, 'alice-jwt', { secret: SECRET }),
      credential(ns, 'alice-hs', { consumer: 'alice', key: `${ns}-key`, secretName: 'alice-jwt' }),
      routeDoc('good', { jwt: {}, jwtClaims: { audiences: ['api'], headers: [{ claim: 'sub', header: 'X-User-Id' }] } }),
      routeDoc('reserved', { jwt: {}, jwtClaims: { headers: [{ claim: 'sub', header: 'Authorization' }] } }),
    ),
  );
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'claims'] });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('Route spec.plugins.jwtClaims', () => {
  it('the API server refuses jwtClaims without jwt and a matcher without exactly one operator', async () => {
    await expect(env.apply(routeDoc('alone', { jwtClaims: { issuers: ['x'] } }))).rejects.toThrow(/requires plugins\.jwt/);
    await expect(env.apply(routeDoc('two-ops', { jwt: {}, jwtClaims: { claims: [{ path: 'a', equals: 'x', oneOf: ['y'] }] } }))).rejects.toThrow(
      /exactly one of equals, oneOf, contains, containsAny is required/,
    );
  });

  it('a reserved header name: Accepted=False naming the field, the Route answers 500, the others serve', async () => {
    const reserved = await eventually(async () => {
      const r = await getCustom(env, 'routes', ns, 'reserved');
      return condition(r, 'Accepted')?.status === 'False' ? r : undefined;
    }, 30_000, 'Accepted=False on Route reserved');
    expect(condition(reserved, 'Accepted')).toMatchObject({ reason: 'InvalidSpec' });
    expect(condition(reserved, 'Accepted')?.message).toMatch(/spec\.plugins\.jwtClaims\.headers\.0\.header: 'authorization' is set or removed by the gateway itself/);
    await eventually(async () => (await get('/good', { aud: 'api' })).status === 200, 30_000, 'good Route served');
    expect((await get('/reserved', { aud: 'api' })).status).toBe(500);
    expect(await get('/good', { aud: 'other' })).toEqual({ status: 403, body: '{"message":"Token audience is not allowed"}' });
  });

  it('fixing it serves the claims and clears the condition', async () => {
    await env.apply(routeDoc('reserved', { jwt: {}, jwtClaims: { headers: [{ claim: 'sub', header: 'X-Sub' }] } }));
    await eventually(async () => condition(await getCustom(env, 'routes', ns, 'reserved'), 'Accepted')?.status === 'True', 30_000, 'Accepted=True');
    await eventually(async () => (await get('/reserved', { sub: 'alice-sub' })).status === 200, 30_000, 'reserved Route served');
    const res = await fetch(`${gw.proxy}/reserved`, { headers: { authorization: `Bearer ${token({ sub: 'alice-sub' })}`, 'x-sub': 'mallory' } });
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-sub']).toBe('alice-sub');
    // Mapped on one Route, stripped on every Route: also on "good", which does not map it.
    const other = await fetch(`${gw.proxy}/good`, { headers: { authorization: `Bearer ${token({ aud: 'api', sub: 's' })}`, 'x-sub': 'mallory' } });
    expect(((await other.json()) as { headers: Record<string, string> }).headers).not.toHaveProperty('x-sub');
  });
});
