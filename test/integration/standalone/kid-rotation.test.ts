import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { derivedCredentialId } from '../../../src/model/credential-kid.js';
import { credentialId } from '../../../src/model/ids.js';
import { generateTestKeyPair } from '../../../src/tokens/test-keys.js';
import { waitFor } from '../../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startRotationLoad } from '../../support/rotation-load.js';
import { runCli, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Key rotation without JWKS through the real gateway and a kong.yml (docs/key-material.md#rotation):
 * tokens signed by jose (an independent signer) under a steady concurrent load; the new key is
 * added with a kid, both kids pass, the old one is removed and its tokens are refused — and not
 * one request of the load fails on the way. `portcullis validate` reports the sharing rules.
 */
const KEY = 'https://issuer.example';
const OLD = generateTestKeyPair('RS256');
const NEW = generateTestKeyPair('ES256');

let upstream: EchoUpstream;
let gw: StandaloneGateway;

type Jwt = { kid: string; algorithm: string; pem: string };
const OLD_JWT: Jwt = { kid: '2026-01', algorithm: 'RS256', pem: OLD.publicKeyPem };
const NEW_JWT: Jwt = { kid: '2026-06', algorithm: 'ES256', pem: NEW.publicKeyPem };

function config(secrets: Jwt[]): string {
  return YAML.stringify({
    _format_version: '3.0',
    services: [{ name: 'api', url: upstream.url, routes: [{ name: 'api', paths: ['/api'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }] }] }],
    consumers: [{ username: 'issuer', jwt_secrets: secrets.map((s) => ({ key: KEY, kid: s.kid, algorithm: s.algorithm, rsa_public_key: s.pem })) }],
  });
}

/** Replaces kong.yml atomically, as a deploy tool does. */
async function writeConfig(text: string): Promise<void> {
  const tmp = path.join(gw.dir, 'kong.yml.tmp');
  await writeFile(tmp, text);
  await rename(tmp, gw.configPath);
}

async function sign(alg: 'RS256' | 'ES256', privateKeyPem: string, kid: string | undefined): Promise<string> {
  const key = await importPKCS8(privateKeyPem, alg);
  return new SignJWT({ iss: KEY })
    .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);
}

const get = async (token: string) => {
  const res = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
};

let oldToken: string;
let newToken: string;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  [oldToken, newToken] = await Promise.all([sign('RS256', OLD.privateKeyPem, OLD_JWT.kid), sign('ES256', NEW.privateKeyPem, NEW_JWT.kid)]);
  gw = await startStandalone(config([OLD_JWT]));
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('rotation in a kong.yml under load', () => {
  it('add the new key, serve both kids, remove the old one: no request of the load fails', async () => {
    expect(await get(oldToken)).toMatchObject({ status: 200 });
    expect(await get(newToken)).toEqual({ status: 401, body: `{"message":"No credentials found for given 'kid'"}` });

    const load = startRotationLoad(`${gw.proxy}/api`, { old: oldToken });
    try {
      await waitFor(() => load.total() >= 50, 10_000);

      // 1. The new key joins the old one: once it serves, clients hold tokens of both.
      await writeConfig(config([OLD_JWT, NEW_JWT]));
      await waitFor(async () => (await get(newToken)).status === 200, 5_000);
      load.setPool({ old: oldToken, new: newToken });
      await waitFor(() => load.total('new') >= 100 && load.total('old') >= 150, 20_000);

      // 2. The issuer signs with the new key only; the old tokens have expired.
      load.setPool({ new: newToken });
      await writeConfig(config([NEW_JWT]));
      await waitFor(async () => (await get(oldToken)).status === 401, 5_000);
      const after = load.total('new');
      await waitFor(() => load.total('new') >= after + 100, 20_000);
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    expect([...load.results.keys()].sort()).toEqual(['new', 'old']);
    expect(await get(oldToken)).toEqual({ status: 401, body: `{"message":"No credentials found for given 'kid'"}` });
    expect(await get(newToken)).toMatchObject({ status: 200 });
  }, 60_000);

  it('upstream sees the consumer and the key, whichever kid verified', async () => {
    await writeConfig(config([OLD_JWT, NEW_JWT]));
    await waitFor(async () => (await get(oldToken)).status === 200, 5_000);
    for (const token of [oldToken, newToken]) {
      const res = await get(token);
      const headers = (JSON.parse(res.body) as { headers: Record<string, string> }).headers;
      expect(headers['x-consumer-username']).toBe('issuer');
      expect(headers['x-credential-identifier']).toBe(KEY);
      expect(headers['authorization']).toBe(`Bearer ${token}`);
    }
  });

  it('a kid names one key: a token signed with the other key under it is refused, never tried against both', async () => {
    const crossed = await sign('ES256', NEW.privateKeyPem, OLD_JWT.kid);
    expect(await get(crossed)).toEqual({ status: 401, body: '{"message":"Invalid algorithm"}' });
    const noKid = await sign('RS256', OLD.privateKeyPem, undefined);
    expect(await get(noKid)).toEqual({ status: 401, body: `{"message":"No mandatory 'kid' in header"}` });
  });

  it('the admin API lists both credentials with their kids and distinct, stable ids', async () => {
    const res = await fetch(`${gw.admin}/consumers/issuer/jwt`);
    const list = ((await res.json()) as { data: Array<{ id: string; key: string; kid?: string; algorithm: string }> }).data;
    expect(list.map(({ id, key, kid, algorithm }) => ({ id, key, kid, algorithm }))).toEqual([
      { id: derivedCredentialId(KEY, '2026-01'), key: KEY, kid: '2026-01', algorithm: 'RS256' },
      { id: derivedCredentialId(KEY, '2026-06'), key: KEY, kid: '2026-06', algorithm: 'ES256' },
    ]);
    expect(new Set(list.map((c) => c.id)).size).toBe(2);
    expect(list[0]!.id).not.toBe(credentialId(KEY));
  });

  it('a key with one credential and no kid is Kong\'s: the kid is ignored, admin shows no kid field', async () => {
    await writeConfig(
      YAML.stringify({
        _format_version: '3.0',
        services: [{ name: 'api', url: upstream.url, routes: [{ name: 'api', paths: ['/api'], plugins: [{ name: 'jwt' }] }] }],
        consumers: [{ username: 'issuer', jwt_secrets: [{ key: KEY, algorithm: 'RS256', rsa_public_key: OLD.publicKeyPem }] }],
      }),
    );
    await waitFor(async () => (await get(await sign('RS256', OLD.privateKeyPem, 'whatever'))).status === 200, 5_000);
    expect((await get(oldToken)).status).toBe(200);
    const jwt = (await (await fetch(`${gw.admin}/jwts/${encodeURIComponent(KEY)}`)).json()) as Record<string, unknown>;
    expect(jwt.id).toBe(credentialId(KEY));
    expect('kid' in jwt).toBe(false);
  });
});

describe('portcullis validate reports the sharing rules offline', () => {
  it('a repeated kid and a key shared across consumers: errors naming both objects and the field, exit 1', async () => {
    const text = YAML.stringify({
      _format_version: '3.0',
      consumers: [
        { username: 'issuer', jwt_secrets: [{ key: 'k', kid: 'v1', secret: 's1' }, { key: 'k', kid: 'v1', secret: 's2' }, { key: 'm', kid: 'a', secret: 's3' }] },
        { username: 'intruder', jwt_secrets: [{ key: 'm', kid: 'b', secret: 's4' }] },
      ],
    });
    await writeFile(path.join(gw.dir, 'rules.yml'), text);
    const r = await runCli(['validate', path.join(gw.dir, 'rules.yml')]);
    expect(r.code).toBe(1);
    const lines = (r.stdout + r.stderr).split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toEqual([
      expect.stringMatching(/consumers\[0\]\.jwt_secrets\[0\] .*: kid: key is also used by jwt_secrets consumers\[0\]\.jwt_secrets\[1\] \(the same kid 'v1'\)/),
      expect.stringMatching(/consumers\[0\]\.jwt_secrets\[1\] .*: kid: key is also used by jwt_secrets consumers\[0\]\.jwt_secrets\[0\] \(the same kid 'v1'\)/),
      expect.stringMatching(/consumers\[0\]\.jwt_secrets\[2\] .*: key: key is also used by jwt_secrets consumers\[1\]\.jwt_secrets\[0\] \(another consumer\)/),
      expect.stringMatching(/consumers\[1\]\.jwt_secrets\[0\] .*: key: key is also used by jwt_secrets consumers\[0\]\.jwt_secrets\[2\] \(another consumer\)/),
    ]);
    for (const secret of ['s1', 's2', 's3', 's4']) expect(r.stdout + r.stderr).not.toMatch(new RegExp(`\\b${secret}\\b`));
  });

  it('CR manifests: a JwtCredential of another KongConsumer reusing the key is an error naming the first one', async () => {
    const cr = (kind: string, name: string, spec: object) => YAML.stringify({ apiVersion: 'portcullis.dev/v1alpha1', kind, metadata: { name, namespace: 'demo' }, spec });
    const cred = (name: string, consumer: string, kid: string) =>
      cr('JwtCredential', name, { consumerRef: { name: consumer }, key: 'k', kid, secretRef: { name: 's', key: 'secret' } });
    const text = [cr('KongConsumer', 'issuer', { username: 'issuer' }), cr('KongConsumer', 'other', { username: 'other' }), cred('v1', 'issuer', 'v1'), cred('v2', 'issuer', 'v2'), cred('takeover', 'other', 'v3')].join('---\n');
    await writeFile(path.join(gw.dir, 'crs.yaml'), text);
    const r = await runCli(['validate', path.join(gw.dir, 'crs.yaml')]);
    expect(r.code).toBe(1);
    expect((r.stdout + r.stderr).split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      expect.stringMatching(/\(JwtCredential 'takeover'\): spec\.key: key is also used by JwtCredential demo\/v1 \(another consumer\)$/),
    ]);
  });

  it('distinct kids of one consumer validate clean', async () => {
    const text = YAML.stringify({
      _format_version: '3.0',
      consumers: [{ username: 'issuer', jwt_secrets: [{ key: 'k', secret: 's0' }, { key: 'k', kid: 'v2', secret: 's1' }] }],
    });
    await writeFile(path.join(gw.dir, 'ok.yml'), text);
    const r = await runCli(['validate', path.join(gw.dir, 'ok.yml')]);
    expect(r.stdout + r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
  });
});
