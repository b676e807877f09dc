import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../../src/model/algorithms.js';
import { consumerId } from '../../../src/model/ids.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { generateTestKeyPair, generateTestSecret } from '../../../src/tokens/test-keys.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { call, runCli, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * All 13 algorithms (EdDSA with both curves) through the real process: one consumer and credential
 * per case, each proven by a valid token, a token signed with the wrong key, and an alg mismatch.
 */
interface Case {
  name: string;
  alg: JwtAlgorithm;
  key: string;
  username: string;
  secret?: string;
  wrongSecret?: string;
  pair?: { publicKeyPem: string; privateKeyPem: string };
  wrongPair?: { publicKeyPem: string; privateKeyPem: string };
}

const algs = JWT_ALGORITHMS.filter((a) => a !== 'EdDSA');
const cases: Case[] = [
  ...algs.map((alg) => ({ name: alg, alg })),
  { name: 'EdDSA-Ed25519', alg: 'EdDSA' as const, edCurve: 'ed25519' as const },
  { name: 'EdDSA-Ed448', alg: 'EdDSA' as const, edCurve: 'ed448' as const },
].map(({ name, alg, ...rest }) => {
  const edCurve = 'edCurve' in rest ? rest.edCurve : undefined;
  const base = { name, alg, key: `key-${name.toLowerCase()}`, username: `user-${name.toLowerCase()}` };
  if (alg.startsWith('HS')) return { ...base, secret: generateTestSecret(), wrongSecret: generateTestSecret() };
  const opts = edCurve ? { edCurve } : {};
  return { ...base, pair: generateTestKeyPair(alg, opts), wrongPair: generateTestKeyPair(alg, opts) };
});

/** A different algorithm name for the mismatch case (same family where there is one). */
function otherAlg(alg: JwtAlgorithm): JwtAlgorithm {
  const other = (alg.replace(/\d+$/, '256') as JwtAlgorithm);
  const map: Partial<Record<JwtAlgorithm, JwtAlgorithm>> = { HS256: 'HS384', RS256: 'PS256', PS256: 'RS256', ES256: 'ES384', EdDSA: 'ES256' };
  return map[alg] ?? other;
}

function mint(c: Case, opts: { wrong?: boolean; headerAlg?: JwtAlgorithm } = {}): string {
  return mintToken({
    algorithm: c.alg,
    key: c.key,
    expiresInSeconds: 600,
    ...(c.secret !== undefined
      ? { secret: opts.wrong ? c.wrongSecret! : c.secret }
      : { privateKeyPem: (opts.wrong ? c.wrongPair! : c.pair!).privateKeyPem }),
    ...(opts.headerAlg && { header: { alg: opts.headerAlg } }),
  });
}

let upstream: EchoUpstream;
let gw: StandaloneGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone({
    services: [{ name: 'echo', url: `http://127.0.0.1:${upstream.port}`, routes: [{ name: 'algs', paths: ['/algs'], plugins: [{ name: 'jwt' }] }] }],
    consumers: cases.map((c, i) => ({
      username: c.username,
      ...(i % 2 === 0 && { custom_id: `cid-${c.name}` }),
      jwt_secrets: [
        c.secret !== undefined
          ? { key: c.key, algorithm: c.alg, secret: c.secret }
          : { key: c.key, algorithm: c.alg, rsa_public_key: c.pair!.publicKeyPem },
      ],
    })),
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

describe('every algorithm through the real gateway', () => {
  it('loaded all 14 credentials without diagnostics', async () => {
    const res = await fetch(`${gw.admin}/jwts?size=100`);
    const body = (await res.json()) as { data: Array<{ key: string; algorithm: string }> };
    expect(body.data.map((d) => d.key).sort()).toEqual(cases.map((c) => c.key).sort());
    const diag = await (await fetch(`${gw.admin}/debug/diagnostics`)).text();
    expect(diag).not.toMatch(/key-/);
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s: a valid token is proxied with the consumer headers', async (_n, c, i) => {
    const r = await call(gw.proxy, '/algs', bearer(mint(c)));
    expect(r.status, r.body).toBe(200);
    expect(r.echo!.headers['x-consumer-id']).toBe(consumerId(c.username));
    expect(r.echo!.headers['x-consumer-username']).toBe(c.username);
    expect(r.echo!.headers['x-credential-identifier']).toBe(c.key);
    expect(r.echo!.headers['x-consumer-custom-id']).toBe(i % 2 === 0 ? `cid-${c.name}` : undefined);
    expect(r.echo!.headers['x-anonymous-consumer']).toBeUndefined();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: a token signed with another key is 401 Invalid signature', async (_n, c) => {
    const r = await call(gw.proxy, '/algs', bearer(mint(c, { wrong: true })));
    expect(r.status).toBe(401);
    expect(r.body).toBe('{"message":"Invalid signature"}');
    expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it.each(cases.map((c) => [c.name, otherAlg(c.alg), c] as const))('%s: a token claiming %s is 401 Invalid algorithm', async (_n, alg, c) => {
    const r = await call(gw.proxy, '/algs', bearer(mint(c, { headerAlg: alg })));
    expect(r.status).toBe(401);
    expect(r.body).toBe('{"message":"Invalid algorithm"}');
  });
});

describe('tokens minted by `portcullis token`', () => {
  const byAlg = (name: string) => cases.find((c) => c.name === name)!;

  it.each(['HS256', 'HS512'])('%s with --secret is accepted', async (name) => {
    const c = byAlg(name);
    // `--secret=` form: a random base64url secret may start with '-', which parseArgs would refuse
    // as a separate argument (the CLI's usage error says so).
    const { code, stdout } = await runCli(['token', '--alg', c.alg, '--key', c.key, `--secret=${c.secret!}`, '--exp', '5m']);
    expect(code).toBe(0);
    const r = await call(gw.proxy, '/algs', bearer(stdout.trim()));
    expect(r.status, r.body).toBe(200);
    expect(r.echo!.headers['x-credential-identifier']).toBe(c.key);
  });

  it.each(['RS256', 'ES384', 'EdDSA-Ed448'])('%s with --private-key FILE is accepted, and the wrong file is not', async (name) => {
    const c = byAlg(name);
    const good = path.join(gw.dir, `${name}.pem`);
    const bad = path.join(gw.dir, `${name}-wrong.pem`);
    await writeFile(good, c.pair!.privateKeyPem);
    await writeFile(bad, c.wrongPair!.privateKeyPem);
    const ok = await runCli(['token', '--alg', c.alg, '--key', c.key, '--private-key', good, '--exp', '5m']);
    expect(ok.code, ok.stderr).toBe(0);
    const r = await call(gw.proxy, '/algs', bearer(ok.stdout.trim()));
    expect(r.status, r.body).toBe(200);
    expect(r.echo!.headers['x-consumer-username']).toBe(c.username);
    const wrong = await runCli(['token', '--alg', c.alg, '--key', c.key, '--private-key', bad, '--exp', '5m']);
    const r2 = await call(gw.proxy, '/algs', bearer(wrong.stdout.trim()));
    expect(r2.status).toBe(401);
    expect(r2.body).toBe('{"message":"Invalid signature"}');
  });
});
