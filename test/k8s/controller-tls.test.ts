import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventsAbout, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { CREDENTIAL_SECRET_LABELS, join } from '../support/crs.js';
import { portOf, rawRequest } from '../support/standalone.js';
import { handshake, httpsRequest, makeCert, strayKey } from '../support/tls.js';
import https from 'node:https';

/**
 * TLS in controller mode against the real API server (docs/tls.md): Route `tls` entries name
 * kubernetes.io/tls Secrets, served by SNI; a bad certificate is a condition and an Event on the
 * Route while the others keep serving; a changed Secret applies to new handshakes within a second.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;
let tlsPort: number;

const shop = makeCert('shop');
const shopRotated = makeCert('shop-rotated');
const wild = makeCert('wild');
const mismatched = { cert: makeCert('bad').cert, key: strayKey() };

const doc = (o: unknown) => `${JSON.stringify(o)}\n`;
const tlsSecret = (name: string, pair: { cert: string; key: string }) =>
  doc({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, labels: CREDENTIAL_SECRET_LABELS },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') },
  });
const tlsRoute = (name: string, spec: Record<string, unknown>) =>
  doc({ apiVersion: 'portcullis.dev/v1alpha1', kind: 'Route', metadata: { name, namespace: ns }, spec: { backend: { url: echo.url }, stripPath: false, ...spec } });

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('tls');
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'tls'] });
  tlsPort = portOf(gw.proxyTls);
  await env.apply(
    join(
      tlsSecret('shop', shop),
      tlsSecret('wild', wild),
      tlsSecret('bad', mismatched),
      tlsRoute('shop', { hosts: ['shop.test'], paths: ['/'], protocols: ['https'], tls: [{ secretName: 'shop' }] }),
      tlsRoute('wild', { hosts: ['api.wild.test'], paths: ['/w'], httpsRedirectStatusCode: 308, protocols: ['https'], tls: [{ hosts: ['*.wild.test'], secretName: 'wild' }] }),
      tlsRoute('bad', { hosts: ['bad.test'], paths: ['/'], tls: [{ secretName: 'bad' }] }),
      tlsRoute('missing', { hosts: ['missing.test'], paths: ['/'], tls: [{ secretName: 'nope' }] }),
    ),
  );
  await eventually(async () => (await handshake(tlsPort, 'shop.test')).cn === 'shop', 15_000, 'the shop certificate to be served');
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('certificates from Route tls Secrets', () => {
  it('SNI chooses the certificate: the Route hosts by default, the tls hosts (a wildcard) when given', async () => {
    expect((await handshake(tlsPort, 'shop.test')).cn).toBe('shop');
    await eventually(async () => (await handshake(tlsPort, 'x.wild.test')).cn === 'wild', 10_000, 'wild served');
    expect((await handshake(tlsPort, 'unknown.test')).cn).toBe('localhost');
    const res = await httpsRequest(tlsPort, '/hello', { servername: 'shop.test' });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { headers: Record<string, string> }).headers['x-forwarded-proto']).toBe('https');
  });

  it('protocols: [https] answers plaintext with 426, or the Route\'s redirect code', async () => {
    const plain = await rawRequest(portOf(gw.proxy), 'GET /hello HTTP/1.1\nHost: shop.test');
    expect(plain.status).toBe(426);
    expect(plain.body).toBe('{"message":"Please use HTTPS protocol"}');
    const moved = await rawRequest(portOf(gw.proxy), 'GET /w/x?y=1 HTTP/1.1\nHost: api.wild.test');
    expect(moved.status).toBe(308);
    expect(moved.headers['location']).toBe('https://api.wild.test/w/x?y=1');
  });

  it('a key that does not match: Programmed=False, a Warning Event, no key in either; the other certificates serve', async () => {
    const obj = await eventually(async () => {
      const o = await getCustom(env, 'routes', ns, 'bad');
      return condition(o, 'Programmed')?.status === 'False' ? o : undefined;
    }, 10_000, 'bad Programmed=False');
    expect(condition(obj, 'Programmed')).toMatchObject({ reason: 'CertificateKeyMismatch', message: expect.stringContaining('spec.tls[0].secretName') });
    const events = await eventually(async () => {
      const list = await eventsAbout(env, ns, 'Route', 'bad');
      return list.some((e) => e.reason === 'CertificateKeyMismatch') ? list : undefined;
    }, 10_000, 'a CertificateKeyMismatch Event');
    expect(events.find((e) => e.reason === 'CertificateKeyMismatch')!.type).toBe('Warning');
    const missing = await eventually(async () => {
      const o = await getCustom(env, 'routes', ns, 'missing');
      return condition(o, 'Programmed')?.status === 'False' ? o : undefined;
    }, 10_000, 'missing Programmed=False');
    expect(condition(missing, 'Programmed')?.reason).toBe('SecretNotFound');
    expect((await handshake(tlsPort, 'bad.test')).cn).toBe('localhost');
    expect((await handshake(tlsPort, 'shop.test')).cn).toBe('shop');
    const everything = JSON.stringify([obj.status, events, (await env.events.listNamespacedEvent({ namespace: ns })).items]) + gw.output();
    for (const pem of [mismatched.key, shop.key]) expect(everything).not.toContain(pem.split('\n')[1]);
  });
});

describe('rotation', () => {
  it('a changed Secret applies to new handshakes within a second; an open keep-alive connection is untouched', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await httpsRequest(tlsPort, '/', { servername: 'shop.test', agent })).cn).toBe('shop');
      const started = Date.now();
      await env.apply(tlsSecret('shop', shopRotated));
      let elapsed = Infinity;
      for (;;) {
        if ((await handshake(tlsPort, 'shop.test')).cn === 'shop-rotated') {
          elapsed = Date.now() - started;
          break;
        }
        if (Date.now() - started > 5000) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(elapsed).toBeLessThan(1000);
      const again = await httpsRequest(tlsPort, '/', { servername: 'shop.test', agent });
      expect(again.status).toBe(200);
      expect(again.reusedSocket).toBe(true);
      expect(again.cn).toBe('shop');
    } finally {
      agent.destroy();
    }
  });

  it('exports the expiry per SNI with the Secret as source', async () => {
    const text = await (await fetch(`${gw.status}/metrics`)).text();
    expect(text).toMatch(new RegExp(`portcullis_tls_certificate_expiry_timestamp_seconds\\{sni="\\*\\.wild\\.test",source="Secret ${ns}/wild"\\} \\d{10}`));
  });
});
