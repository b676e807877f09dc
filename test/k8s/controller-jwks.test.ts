import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventsAbout, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, join, route, secret } from '../support/crs.js';
import { JwksProvider, signToken, signingKey, type SigningKey } from '../support/jwks-provider.js';

/**
 * JWKS credentials in controller mode against the real API server (docs/jwks.md): an OIDC issuer
 * with its CA from a Secret, an inline JWKS from a Secret, the CEL rules, and a provider outage
 * past maxStale surfacing as Programmed=False (JwksUnavailable) with an Event, then recovering;
 * the live POST /debug/explain on both key sets and during the outage.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let provider: JwksProvider;
let ns: string;
let k1: SigningKey;
let k2: SigningKey;

const jwtCredential = (name: string, spec: Record<string, unknown>) =>
  stringify({ apiVersion: 'portcullis.dev/v1alpha1', kind: 'JwtCredential', metadata: { name, namespace: ns }, spec: { consumerRef: { name: 'alice' }, ...spec } });
/** The live POST /debug/explain of the controller's gateway (docs/explain.md#the-admin-endpoint). */
const explain = async (token: string) => {
  const res = await fetch(`${gw.admin}/debug/explain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'GET', url: `${gw.proxy}/${ns}`, headers: [`Authorization: Bearer ${token}`] }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { verdict: { proxied: boolean; reason?: string }; auth: { checks: Array<{ check: string; detail: string }> } };
  return { verdict: body.verdict, key: body.auth.checks.find((c) => c.check === 'key')?.detail };
};
const call = async (token: string) => (await fetch(`${gw.proxy}/${ns}`, { headers: { authorization: `Bearer ${token}` } })).status;

beforeAll(async () => {
  [env, echo, provider] = await Promise.all([startKubeEnv(), startEchoUpstream(), JwksProvider.start()]);
  k1 = signingKey('RS256', 'k1');
  k2 = signingKey('ES256', 'k2');
  provider.keys = [k1];
  ns = await env.namespace('jwks');
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'jwks'] });
  await env.apply(
    join(
      consumer(ns, 'alice'),
      secret(ns, 'idp-ca', { 'ca.crt': provider.caPem }),
      secret(ns, 'static-jwks', { jwks: JSON.stringify({ keys: [k2.publicJwk] }) }),
      jwtCredential('idp', {
        key: provider.issuer,
        algorithm: 'RS256',
        jwks: { issuer: provider.issuer, caSecretRef: { name: 'idp-ca' }, maxStaleSeconds: 2, minTtlSeconds: 1, cacheTtlSeconds: 1 },
      }),
      jwtCredential('static', { key: 'static-issuer', algorithm: 'ES256', jwks: { secretRef: { name: 'static-jwks', key: 'jwks' } } }),
      route(ns, 'api', { paths: [`/${ns}`], backend: { url: echo.url }, jwt: true }),
    ),
  );
  await eventually(async () => (await call(await signToken(k1, { iss: provider.issuer }))) === 200, 20_000, 'the JWKS route to serve');
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
  await provider?.close();
});

describe('JWKS credentials (controller)', () => {
  it('verifies tokens with keys from an issuer and from a Secret', async () => {
    expect(await call(await signToken(k1, { iss: provider.issuer }))).toBe(200);
    expect(await call(await signToken(k2, { iss: 'static-issuer' }))).toBe(200);
    // The static set's key never verifies for the issuer's credential, nor the reverse.
    expect(await call(await signToken(k2, { iss: provider.issuer }))).toBe(401);
    const idp = await eventually(async () => {
      const o = await getCustom(env, 'jwtcredentials', ns, 'idp');
      return condition(o, 'KeySetReady') !== undefined ? o : undefined;
    }, 10_000, 'KeySetReady');
    expect(condition(idp, 'Programmed')).toMatchObject({ status: 'True' });
    expect(condition(idp, 'KeySetReady')).toMatchObject({ status: 'True' });
  });

  it('the live explain verifies with the issuer\'s and the Secret\'s key sets, and names an unknown kid', async () => {
    const issuer = await explain(await signToken(k1, { iss: provider.issuer }));
    expect(issuer).toEqual({ verdict: expect.objectContaining({ proxied: true }), key: 'JWKS key kid "k1" (rsa public key)' });
    const fromSecret = await explain(await signToken(k2, { iss: 'static-issuer' }));
    expect(fromSecret).toEqual({ verdict: expect.objectContaining({ proxied: true }), key: 'JWKS key kid "k2" (ec public key)' });
    const unknown = await explain(await signToken(k2, { iss: 'static-issuer' }, { kid: 'k9' }));
    expect(unknown.verdict).toMatchObject({ proxied: false, reason: 'jwks_unknown_kid' });
    expect(unknown.key).toContain('the key set has kids "k2"');
  });

  it('rejects a spec with both jwks and publicKeyRef at the API server', async () => {
    await expect(
      env.apply(jwtCredential('both', { key: 'x', algorithm: 'RS256', publicKeyRef: { name: 'idp-ca', key: 'ca.crt' }, jwks: { url: 'https://idp.example/jwks' } })),
    ).rejects.toThrow(/publicKeyRef is forbidden with jwks/);
  });

  it('reports a failing provider as KeySetReady=False, past maxStale also Programmed=False with an Event, and recovers', async () => {
    provider.mode = 'down';
    await eventually(async () => {
      const c = condition(await getCustom(env, 'jwtcredentials', ns, 'idp'), 'KeySetReady');
      return c?.status === 'False' ? c : undefined;
    }, 20_000, 'KeySetReady=False');
    const cond = await eventually(async () => {
      const c = condition(await getCustom(env, 'jwtcredentials', ns, 'idp'), 'Programmed');
      return c?.status === 'False' ? c : undefined;
    }, 20_000, 'Programmed=False');
    expect(cond).toMatchObject({ reason: 'JwksUnavailable' });
    expect(await call(await signToken(k1, { iss: provider.issuer }))).toBe(401);
    const explained = await explain(await signToken(k1, { iss: provider.issuer }));
    expect(explained.verdict).toMatchObject({ proxied: false, reason: 'jwks_unavailable' });
    expect(explained.key).toMatch(/^Signing keys unavailable: \S/);
    await eventually(async () => (await eventsAbout(env, ns, 'JwtCredential', 'idp')).some((e) => e.reason === 'JwksUnavailable'), 10_000, 'the Event');
    provider.mode = 'ok';
    await eventually(async () => condition(await getCustom(env, 'jwtcredentials', ns, 'idp'), 'Programmed')?.status === 'True', 20_000, 'Programmed=True again');
    await eventually(async () => condition(await getCustom(env, 'jwtcredentials', ns, 'idp'), 'KeySetReady')?.status === 'True', 20_000, 'KeySetReady=True again');
    expect(await call(await signToken(k1, { iss: provider.issuer }))).toBe(200);
  });
});
