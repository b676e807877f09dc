import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { eventually, startController, startKubeEnv, startNetnsUpstream, type KubeEnv, type NetnsUpstream } from '../support/controller-env.js';
import { endpointSlice, join } from '../support/crs.js';
import { portOf, rawRequest, type RawResponse } from '../support/standalone.js';

/**
 * Consumer-scoped rate-limiting from KIC's resources (docs/rate-limiting.md#consumers), against the
 * real API server: a rate-limiting KongPlugin named by a KongConsumer's konghq.com/plugins limits
 * that consumer on every route (above the Ingress's own instance), a KongPlugin with consumerRef
 * on the Ingress is consumer + route; other consumers keep the Ingress's instance.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: NetnsUpstream;
let ns: string;
let port: number;

const kic = (kind: string, name: string, extra: Record<string, unknown>, annotations: Record<string, string> = {}) =>
  stringify({ apiVersion: 'configuration.konghq.com/v1', kind, metadata: { name, namespace: ns, annotations }, ...extra });
const CLASS = { 'kubernetes.io/ingress.class': 'kong' };
const secretOf = (name: string) => `${name}-s3cret-0123456789abcdef`;

function docs(): string {
  const consumer = (name: string, plugins?: string) =>
    join(
      kic('KongConsumer', name, { username: name, credentials: [`${name}-jwt`] }, { ...CLASS, ...(plugins ? { 'konghq.com/plugins': plugins } : {}) }),
      stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-jwt`, namespace: ns, labels: { 'konghq.com/credential': 'jwt' } }, stringData: { key: `${name}-iss`, algorithm: 'HS256', secret: secretOf(name) } }),
    );
  return join(
    stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: ns }, spec: { ports: [{ name: 'http', port: 1028, targetPort: 1028, protocol: 'TCP' }] } }),
    endpointSlice(ns, 'echo-1', 'echo', [{ ip: echo.host.ip }], 1028),
    kic('KongPlugin', 'app-jwt', { plugin: 'jwt' }),
    kic('KongPlugin', 'rl-default', { plugin: 'rate-limiting', config: { day: 5 } }),
    kic('KongPlugin', 'rl-gold', { plugin: 'rate-limiting', config: { day: 2 } }),
    kic('KongPlugin', 'rl-silver-here', { plugin: 'rate-limiting', consumerRef: 'silver', config: { day: 3 } }),
    stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'limited', namespace: ns, annotations: { 'konghq.com/plugins': 'app-jwt, rl-default, rl-silver-here' } },
      spec: { ingressClassName: 'kong', rules: [{ http: { paths: [{ path: '/limited', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 1028 } } } }] } }] },
    }),
    consumer('gold', 'rl-gold'),
    consumer('silver'),
    consumer('plain'),
  );
}

const token = (name: string) => mintToken({ algorithm: 'HS256', key: `${name}-iss`, secret: secretOf(name), expiresInSeconds: 600 });
const get = (name: string): Promise<RawResponse> => rawRequest(port, `GET /limited HTTP/1.1\nHost: kic.test\nAuthorization: Bearer ${token(name)}`);

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startNetnsUpstream('kic-rl-echo', 1028)]);
  await env.apply(await readFile(path.join(import.meta.dirname, 'fixtures', 'kic-crds.yaml'), 'utf8'));
  ns = await env.namespace('kicrl');
  await env.apply(docs());
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'kicrl', '--kic-resources'] });
  port = portOf(gw.proxy);
  await eventually(async () => (await get('plain')).status === 200, 20_000, 'the Ingress route to serve');
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.stop();
  await env?.stop();
});

const statuses = async (name: string, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(name)).status);
  return out;
};

describe('KIC: rate-limiting scoped to a consumer', () => {
  it("a KongConsumer's konghq.com/plugins rate-limiting beats the Ingress's instance for that consumer", async () => {
    const first = await get('gold');
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit-day']).toBe('2');
    expect(await statuses('gold', 2)).toEqual([200, 429]);
  });

  it('a KongPlugin with consumerRef on the Ingress is consumer + route', async () => {
    expect(await statuses('silver', 4)).toEqual([200, 200, 200, 429]);
  });

  it("other consumers keep the Ingress's instance (the first request above counted: 4 left)", async () => {
    const r = await get('plain');
    expect(r.headers['x-ratelimit-limit-day']).toBe('5');
    expect(await statuses('plain', 4)).toEqual([200, 200, 200, 429]);
  });
});
