import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { eventually, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';
import { startCollector, type Collector } from '../support/otel-collector.js';

/**
 * Tracing in controller mode (docs/tracing.md#turning-it-on): the flags, as the chart's tracing.*
 * values set them, over Route CRs of a real API server, exported to a real OpenTelemetry Collector.
 */
const SECRET = 'Tr4c1ngControllerSecret0123456789';
const hex = (n: number) => randomBytes(n).toString('hex');

let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let collector: Collector;
let ns: string;

beforeAll(async () => {
  [env, echo, collector] = await Promise.all([startKubeEnv(), startEchoUpstream(), startCollector()]);
  ns = await env.namespace('tracing');
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'tracing'], env: { PORTCULLIS_OTEL_ENDPOINT: collector.endpoint, PORTCULLIS_OTEL_SERVICE_NAME: 'ctl' } });
  await env.apply(
    join(
      consumer(ns, 'erin'),
      secret(ns, 'erin-jwt', { secret: SECRET }),
      credential(ns, 'erin-hs', { consumer: 'erin', key: `${ns}-key`, secretName: 'erin-jwt' }),
      route(ns, 'api', { paths: [`/${ns}`], backend: { url: echo.url }, jwt: {} }),
    ),
  );
  const token = mintToken({ algorithm: 'HS256', key: `${ns}-key`, secret: SECRET });
  await eventually(async () => (await fetch(`${gw.proxy}/${ns}`, { headers: { authorization: `Bearer ${token}` } })).status === 200, 15_000, 'the route to serve');
}, 30 * 60_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await collector?.close();
  await env?.stop();
});

describe('tracing in controller mode', () => {
  it('a Route CR request: SERVER span with route and consumer, CLIENT child, traceparent upstream', async () => {
    const traceId = hex(16);
    const token = mintToken({ algorithm: 'HS256', key: `${ns}-key`, secret: SECRET });
    const res = await fetch(`${gw.proxy}/${ns}/x`, { headers: { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${hex(8)}-01` } });
    expect(res.status).toBe(200);
    const upstreamTp = String(echo.seen[echo.seen.length - 1]!.headers['traceparent']);
    expect(upstreamTp.split('-')[1]).toBe(traceId);
    const spans = await collector.waitForSpans((s) => s.filter((x) => x.traceId === traceId).length === 2);
    const server = spans.find((s) => s.traceId === traceId && s.kind === 2)!;
    const client = spans.find((s) => s.traceId === traceId && s.kind === 3)!;
    expect(client.parentSpanId).toBe(server.spanId);
    expect(client.spanId).toBe(upstreamTp.split('-')[2]);
    expect(server.attributes).toMatchObject({ 'portcullis.consumer': 'erin', 'portcullis.auth': 'authenticated', 'http.response.status_code': 200 });
    expect(String(server.attributes['portcullis.route'])).toContain('api');
    expect(server.resource['service.name']).toBe('ctl');
  });
});
