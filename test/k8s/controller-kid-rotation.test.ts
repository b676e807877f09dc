import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { derivedCredentialId } from '../../src/model/credential-kid.js';
import { generateTestKeyPair } from '../../src/tokens/test-keys.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventsAbout, eventually, getCustom, GROUP, startController, startKubeEnv, VERSION, type KubeEnv } from '../support/controller-env.js';
import { consumer, join, route, secret } from '../support/crs.js';
import { startRotationLoad } from '../support/rotation-load.js';

/**
 * Key rotation without JWKS in controller mode, against the real API server
 * (docs/key-material.md#rotation): a second JwtCredential of the same KongConsumer with a new
 * spec.kid joins the key under a steady concurrent load, tokens of both kids pass, deleting the
 * old credential refuses its tokens, and no request of the load fails. Newcomers breaking the
 * sharing rules are refused with a KeyConflict condition and Event while the group keeps serving.
 */
const KEY = 'https://issuer.example';
const OLD = generateTestKeyPair('RS256');
const NEW = generateTestKeyPair('ES256');

let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;

function jwtCredential(name: string, o: { consumer: string; kid?: string; algorithm: string; secretName: string; pem?: boolean }): string {
  const ref = { name: o.secretName, key: o.pem === false ? 'secret' : 'pem' };
  return YAML.stringify({
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'JwtCredential',
    metadata: { name, namespace: ns },
    spec: {
      consumerRef: { name: o.consumer },
      key: KEY,
      ...(o.kid !== undefined && { kid: o.kid }),
      algorithm: o.algorithm,
      ...(o.pem === false ? { secretRef: ref } : { publicKeyRef: ref }),
    },
  });
}

async function sign(alg: 'RS256' | 'ES256', privateKeyPem: string, kid: string): Promise<string> {
  const key = await importPKCS8(privateKeyPem, alg);
  return new SignJWT({ iss: KEY }).setProtectedHeader({ alg, kid }).setIssuedAt().setExpirationTime('10m').sign(key);
}

const get = async (token: string) => {
  const res = await fetch(`${gw.proxy}/${ns}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
};
const programmed = async (name: string) => condition(await getCustom(env, 'jwtcredentials', ns, name), 'Programmed');

let oldToken: string;
let newToken: string;

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('kid');
  [oldToken, newToken] = await Promise.all([sign('RS256', OLD.privateKeyPem, '2026-01'), sign('ES256', NEW.privateKeyPem, '2026-06')]);
  await env.apply(
    join(
      consumer(ns, 'issuer'),
      consumer(ns, 'other'),
      secret(ns, 'key-2026-01', { pem: OLD.publicKeyPem }),
      jwtCredential('issuer-2026-01', { consumer: 'issuer', kid: '2026-01', algorithm: 'RS256', secretName: 'key-2026-01' }),
      route(ns, 'api', { paths: [`/${ns}`], backend: { url: echo.url }, jwt: { claimsToVerify: ['exp'] } }),
    ),
  );
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'kid-rotation'] });
  await eventually(async () => (await get(oldToken)).status === 200, 20_000, 'the old key to serve');
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('rotation with JwtCredentials under load', () => {
  it('apply the new credential, serve both kids, delete the old one: no request of the load fails', async () => {
    expect(await get(newToken)).toEqual({ status: 401, body: `{"message":"No credentials found for given 'kid'"}` });
    const load = startRotationLoad(`${gw.proxy}/${ns}`, { old: oldToken });
    try {
      await eventually(() => load.total() >= 50, 10_000, 'load running');

      await env.apply(
        join(
          secret(ns, 'key-2026-06', { pem: NEW.publicKeyPem }),
          jwtCredential('issuer-2026-06', { consumer: 'issuer', kid: '2026-06', algorithm: 'ES256', secretName: 'key-2026-06' }),
        ),
      );
      await eventually(async () => (await get(newToken)).status === 200, 15_000, 'the new key to serve');
      load.setPool({ old: oldToken, new: newToken });
      await eventually(() => load.total('new') >= 100 && load.total('old') >= 150, 20_000, 'both kids under load');
      expect(await programmed('issuer-2026-01')).toMatchObject({ status: 'True' });
      await eventually(async () => (await programmed('issuer-2026-06'))?.status === 'True', 10_000, 'the new credential Programmed');

      load.setPool({ new: newToken });
      await env.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'jwtcredentials', namespace: ns, name: 'issuer-2026-01' });
      await eventually(async () => (await get(oldToken)).status === 401, 15_000, 'the old key to be refused');
      const after = load.total('new');
      await eventually(() => load.total('new') >= after + 100, 20_000, 'load after the removal');
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    expect(await get(oldToken)).toEqual({ status: 401, body: `{"message":"No credentials found for given 'kid'"}` });
    const ok = await get(newToken);
    expect(ok.status).toBe(200);
    const headers = (JSON.parse(ok.body) as { headers: Record<string, string> }).headers;
    expect(headers['x-consumer-username']).toBe('issuer');
    expect(headers['x-credential-identifier']).toBe(KEY);
  }, 90_000);

  it('the admin API shows the credential with its kid and its (key, kid) id', async () => {
    const list = ((await (await fetch(`${gw.admin}/consumers/issuer/jwt`)).json()) as { data: Array<{ id: string; kid?: string }> }).data;
    expect(list.map((c) => [c.id, c.kid])).toEqual([[derivedCredentialId(KEY, '2026-06'), '2026-06']]);
  });
});

describe('newcomers that break the sharing rules', () => {
  it('a repeated kid and another consumer: Programmed=False, KeyConflict naming the keeper and the field, an Event; the key keeps serving', async () => {
    // Both newcomers' names sort after issuer-2026-06: created in the same second as it (the
    // previous test is fast), the name decides who keeps the key (docs/key-material.md#rotation).
    await env.apply(
      join(
        secret(ns, 'hs', { secret: 'newcomer-secret-newcomer-secret-new' }),
        jwtCredential('same-kid', { consumer: 'issuer', kid: '2026-06', algorithm: 'HS256', secretName: 'hs', pem: false }),
        jwtCredential('outsider', { consumer: 'other', kid: '2026-09', algorithm: 'HS256', secretName: 'hs', pem: false }),
      ),
    );
    const sameKid = await eventually(async () => {
      const c = await programmed('same-kid');
      return c?.status === 'False' ? c : undefined;
    }, 15_000, 'same-kid refused');
    expect(sameKid).toMatchObject({
      reason: 'KeyConflict',
      message: expect.stringContaining(`spec.kid: key is already used by JwtCredential ${ns}/issuer-2026-06 (the same kid '2026-06'), which keeps it`),
    });
    const foreign = await eventually(async () => {
      const c = await programmed('outsider');
      return c?.status === 'False' ? c : undefined;
    }, 15_000, 'foreign refused');
    expect(foreign).toMatchObject({
      reason: 'KeyConflict',
      message: expect.stringContaining(`spec.key: key is already used by JwtCredential ${ns}/issuer-2026-06 (another consumer), which keeps it`),
    });
    await eventually(async () => (await eventsAbout(env, ns, 'JwtCredential', 'outsider')).some((e) => e.reason === 'KeyConflict'), 10_000, 'a KeyConflict Event');
    expect(await programmed('issuer-2026-06')).toMatchObject({ status: 'True' });
    expect((await get(newToken)).status).toBe(200);
  });

  it('the API server refuses a kid that is empty or holds a control character', async () => {
    for (const kid of ['', 'a\u0001b']) {
      await expect(
        env.apply(jwtCredential(`bad-${kid.length}`, { consumer: 'issuer', kid, algorithm: 'RS256', secretName: 'key-2026-06' })),
      ).rejects.toThrow(/kid/);
    }
  });
});
