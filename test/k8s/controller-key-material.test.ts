import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventsAbout, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { CREDENTIAL_SECRET_LABELS, consumer, credential, join, route } from '../support/crs.js';

/**
 * Key material from Secrets, against the real API server: HMAC keys are the Secret's bytes (not
 * lossy UTF-8 text), weak RSA keys are refused with a condition and an Event, and no Secret value
 * shows up in conditions, Events, the admin API or the controller's logs.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;

const MARKER = 'Kx9LeakMarkerInSecret';
const FFFD_32 = '\uFFFD'.repeat(32);
/** 32 random bytes with 0x80–0xBF (UTF-8 continuation bytes, invalid on their own) at the front. */
const BINARY = randomBytes(32).map((b, i) => (i < 8 ? 0x80 | (b & 0x3f) : b));
/** 32 bytes all in 0x80–0xBF: decoded as lossy UTF-8, any such Secret is the same U+FFFD×32. */
const CONTINUATION = randomBytes(32).map((b) => 0x80 | (b & 0x3f));
const WEAK = generateKeyPairSync('rsa', { modulusLength: 1024, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const WEAK_BODY_LINE = WEAK.publicKey.split('\n')[1]!;

/** A credential Secret whose data values are given as raw bytes. */
function byteSecret(namespace: string, name: string, data: Record<string, Uint8Array>): string {
  return `${JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: CREDENTIAL_SECRET_LABELS },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  })}\n`;
}
const text = (s: string) => new TextEncoder().encode(s);

const call = async (token: string) => (await fetch(`${gw.proxy}/${ns}`, { headers: { authorization: `Bearer ${token}` } })).status;
const hs = (key: string, secret: string | Buffer) => mintToken({ algorithm: 'HS256', key, secret, expiresInSeconds: 3600 });

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('keys');
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'key-material'] });
  await env.apply(
    join(
      consumer(ns, 'alice'),
      byteSecret(ns, 'binary', { secret: BINARY }),
      byteSecret(ns, 'continuation', { secret: CONTINUATION }),
      byteSecret(ns, 'text', { secret: text(`${MARKER}-hmac`) }),
      byteSecret(ns, 'weak', { pem: text(WEAK.publicKey) }),
      byteSecret(ns, 'garbage', { pem: text(`-----BEGIN PUBLIC KEY-----\n${MARKER}\n-----END PUBLIC KEY-----\n`) }),
      credential(ns, 'binary', { consumer: 'alice', key: `${ns}-binary`, secretName: 'binary' }),
      credential(ns, 'continuation', { consumer: 'alice', key: `${ns}-continuation`, secretName: 'continuation' }),
      credential(ns, 'text', { consumer: 'alice', key: `${ns}-text`, secretName: 'text' }),
      credential(ns, 'weak', { consumer: 'alice', key: `${ns}-weak`, algorithm: 'RS256', secretName: 'weak', secretKey: 'pem', publicKey: true }),
      credential(ns, 'garbage', { consumer: 'alice', key: `${ns}-garbage`, algorithm: 'RS256', secretName: 'garbage', secretKey: 'pem', publicKey: true }),
      route(ns, 'api', { paths: [`/${ns}`], backend: { url: echo.url }, jwt: true }),
    ),
  );
  await eventually(async () => (await call(hs(`${ns}-text`, `${MARKER}-hmac`))) === 200, 15_000, 'the route to serve');
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('HMAC keys are the Secret bytes', () => {
  it('32 random bytes incl. 0x80–0xBF: Programmed=True and a token signed with those bytes passes', async () => {
    await eventually(async () => condition(await getCustom(env, 'jwtcredentials', ns, 'binary'), 'Programmed')?.status === 'True', 10_000, 'binary Programmed=True');
    expect(await call(hs(`${ns}-binary`, Buffer.from(BINARY)))).toBe(200);
  });

  it('a token signed with U+FFFD×32 is refused, for random bytes and for bytes all in 0x80–0xBF', async () => {
    expect(await call(hs(`${ns}-binary`, FFFD_32))).toBe(401);
    expect(await call(hs(`${ns}-continuation`, FFFD_32))).toBe(401);
    expect(await call(hs(`${ns}-continuation`, Buffer.from(CONTINUATION)))).toBe(200);
  });
});

describe('weak RSA keys are refused', () => {
  it('a 1024-bit key: Programmed=False, InvalidKey, a Warning Event, and its tokens get 401', async () => {
    const obj = await eventually(async () => {
      const o = await getCustom(env, 'jwtcredentials', ns, 'weak');
      return condition(o, 'Programmed')?.status === 'False' ? o : undefined;
    }, 10_000, 'weak Programmed=False');
    expect(condition(obj, 'Programmed')).toMatchObject({ reason: 'InvalidKey', message: expect.stringContaining('RS256 needs an RSA key of at least 2048 bits, got 1024') });
    const events = await eventually(async () => {
      const list = await eventsAbout(env, ns, 'JwtCredential', 'weak');
      return list.some((e) => e.reason === 'InvalidKey') ? list : undefined;
    }, 10_000, 'an InvalidKey Event');
    expect(events.find((e) => e.reason === 'InvalidKey')!.type).toBe('Warning');
    const token = mintToken({ algorithm: 'RS256', key: `${ns}-weak`, privateKeyPem: WEAK.privateKey, expiresInSeconds: 3600 });
    expect(await call(token)).toBe(401);
  });
});

describe('no Secret value in any output', () => {
  it('conditions, Events, the admin API and the logs never hold a Secret value', async () => {
    await eventually(async () => condition(await getCustom(env, 'jwtcredentials', ns, 'garbage'), 'Programmed')?.status === 'False', 10_000, 'garbage Programmed=False');
    await eventually(async () => (await eventsAbout(env, ns, 'JwtCredential', 'garbage')).length > 0, 10_000, 'an Event about garbage');
    const outputs: Record<string, string> = {};
    for (const name of ['binary', 'continuation', 'text', 'weak', 'garbage']) {
      outputs[`status of ${name}`] = JSON.stringify((await getCustom(env, 'jwtcredentials', ns, name)).status);
    }
    outputs['Events'] = JSON.stringify((await env.events.listNamespacedEvent({ namespace: ns })).items);
    for (const path of ['/jwts', `/consumers/alice/jwt`, '/debug/diagnostics', '/debug/snapshot', `/jwts/${MARKER}`, `/consumers?size=${MARKER}`, `/consumers?offset=${MARKER}`]) {
      const res = await fetch(`${gw.admin}${path}`);
      outputs[`admin ${path}`] = `${res.status} ${await res.text()}`;
    }
    const post = await fetch(`${gw.admin}/consumers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"secret": ${MARKER}` });
    outputs['admin POST'] = `${post.status} ${await post.text()}`;
    outputs['controller log'] = gw.output();

    const needles = [MARKER, Buffer.from(BINARY).toString('base64'), Buffer.from(CONTINUATION).toString('base64'), Buffer.from(`${MARKER}-hmac`).toString('base64')];
    for (const [where, out] of Object.entries(outputs)) {
      for (const needle of needles) expect(out.includes(needle), `${where} holds ${needle}`).toBe(false);
      // A public key is no secret (the admin API lists rsa_public_key, as Kong does), but errors do not quote key material either.
      if (!where.startsWith('admin /jwts') && !where.startsWith('admin /consumers/alice')) expect(out.includes(WEAK_BODY_LINE), `${where} quotes the PEM`).toBe(false);
    }
    expect(outputs['admin /debug/diagnostics']).toContain('InvalidKey');
  });
});
