import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import path from 'node:path';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { EchoClient, grpc, startGrpcEcho, unary, type EchoClientInstance, type GrpcEchoServer } from '../../support/grpc-echo.js';
import { request, startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startCollector, type Collector, type SpanRecord } from '../../support/otel-collector.js';
import { portOf, startStandalone, writeKongYml, type StandaloneGateway } from '../../support/standalone.js';
import { closed, openWs, roundTrip, startWsUpstream, wsBase, type WsUpstream } from '../../support/ws-peers.js';
import { cliPath, repoRoot, stopProcess, waitFor } from '../../support/gateway-process.js';
import { freePort } from '../../support/free-port.js';

/**
 * OpenTelemetry tracing through the real process (docs/tracing.md), exported to a real
 * OpenTelemetry Collector built from its Go modules: what the collector received (ids,
 * parent/child, semantic-convention attributes) and what the upstream received (traceparent).
 * HTTP/1.1, h2c, gRPC and WebSocket; flags (gateway A) and kong.yml's opentelemetry plugin (B).
 */
const SECRET = 'otel-secret-0123456789abcdef01234';
const token = (): string => mintToken({ algorithm: 'HS256', key: 'alice-key', secret: SECRET });
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const SERVER = 2;
const CLIENT = 3;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

let collector: Collector;
let upstream: EchoUpstream;
let grpcUp: GrpcEchoServer;
let wsUp: WsUpstream;
let a: StandaloneGateway;
let b: StandaloneGateway;

const services = () => [
  {
    name: 'echo',
    url: upstream.url,
    routes: [
      { name: 'open', paths: ['/open'] },
      { name: 'secure', paths: ['/secure'], plugins: [{ name: 'jwt' }] },
    ],
  },
  { name: 'grpc-echo', url: `grpc://127.0.0.1:${grpcUp.port}`, routes: [{ name: 'grpc', paths: ['/test.Echo/'], strip_path: false }] },
  { name: 'ws', url: wsUp.url, routes: [{ name: 'ws', paths: ['/ws'] }] },
];
const consumers = () => [{ username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] }];
const otelPlugin = () => ({
  name: 'opentelemetry',
  config: {
    traces_endpoint: collector.endpoint,
    sampling_rate: 0,
    resource_attributes: { 'deployment.environment': 'kong-yml-test' },
    http_response_header_for_traceid: 'x-trace-id',
    queue: { max_coalescing_delay: 0.1 },
    propagation: { default_format: 'w3c', clear: ['x-drop-me'] },
  },
});

beforeAll(async () => {
  // First run: builds the collector (minutes); .ci/run builds it before the suites.
  collector = await startCollector();
  upstream = await startEchoUpstream();
  grpcUp = await startGrpcEcho();
  wsUp = await startWsUpstream();
  a = await startStandalone(
    { services: services(), consumers: consumers() },
    { args: ['--otel-endpoint', collector.endpoint, '--otel-service-name', 'gw-a', '--proxy-h2c', 'on'] },
  );
  b = await startStandalone({ services: services(), consumers: consumers(), plugins: [otelPlugin()] });
}, 30 * 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await grpcUp?.close();
  await wsUp?.close();
  await upstream?.close();
  await collector?.close();
});

const lastSeen = () => upstream.seen[upstream.seen.length - 1]!;
const byTrace = (spans: SpanRecord[], traceId: string) => spans.filter((s) => s.traceId === traceId);
const serverOf = (spans: SpanRecord[], traceId: string) => byTrace(spans, traceId).find((s) => s.kind === SERVER);
const clientOf = (spans: SpanRecord[], traceId: string) => byTrace(spans, traceId).find((s) => s.kind === CLIENT);
/** The gateway's access-log line of the request sent with this X-Request-Id. */
const accessLine = async (gw: StandaloneGateway, requestId: string): Promise<Record<string, unknown>> => {
  let found: Record<string, unknown> | undefined;
  await waitFor(async () => {
    found = gw
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.type === 'access' && l.request_id === requestId);
    return found !== undefined;
  }, 10_000);
  return found!;
};

describe('tracing from the flags (gateway A)', () => {
  it('continues the client trace: SERVER span child of its traceparent, CLIENT span child of it, upstream gets the CLIENT span', async () => {
    const traceId = hex(16);
    const parent = hex(8);
    const res = await request(portOf(a.proxy), '/open/x?jwt=secret-in-query', {
      headers: { traceparent: `00-${traceId}-${parent}-01`, tracestate: 'vendor=abc', 'user-agent': 'trace-test/1' },
    });
    expect(res.status).toBe(200);
    const sent = TRACEPARENT.exec(String(lastSeen().headers['traceparent']));
    expect(sent?.[1]).toBe(traceId);
    expect(sent?.[2]).not.toBe(parent);
    expect(sent?.[3]).toBe('01');
    expect(lastSeen().headers['tracestate']).toBe('vendor=abc');

    const spans = await collector.waitForSpans((s) => serverOf(s, traceId) !== undefined && clientOf(s, traceId) !== undefined);
    const server = serverOf(spans, traceId)!;
    const client = clientOf(spans, traceId)!;
    expect(server.parentSpanId).toBe(parent);
    expect(client.parentSpanId).toBe(server.spanId);
    expect(client.spanId).toBe(sent![2]);
    expect(server.name).toBe('GET open');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/open/x',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'http.response.status_code': 200,
      'user_agent.original': 'trace-test/1',
      'client.address': '127.0.0.1',
      'portcullis.route': 'open',
      'portcullis.upstream.address': `127.0.0.1:${upstream.port}`,
      'portcullis.upstream.status_code': 200,
    });
    expect(client.attributes).toMatchObject({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': upstream.port,
      'http.response.status_code': 200,
      'url.full': `${upstream.url}/x`,
    });
    // The query (a token may ride in it) is recorded nowhere.
    expect(JSON.stringify(byTrace(spans, traceId))).not.toContain('secret-in-query');
    expect(server.resource['service.name']).toBe('gw-a');
  });

  it('starts a trace when the client sends none, and propagates it upstream', async () => {
    const res = await request(portOf(a.proxy), '/open/new');
    expect(res.status).toBe(200);
    const sent = TRACEPARENT.exec(String(lastSeen().headers['traceparent']));
    expect(sent).not.toBeNull();
    const traceId = sent![1]!;
    const spans = await collector.waitForSpans((s) => serverOf(s, traceId) !== undefined && clientOf(s, traceId) !== undefined);
    expect(serverOf(spans, traceId)!.parentSpanId).toBe('');
    expect(clientOf(spans, traceId)!.spanId).toBe(sent![2]);
  });

  it('at ratio 1 (the flags\' default) every request is recorded: each new trace has its SERVER and CLIENT span', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      expect((await request(portOf(a.proxy), `/open/all-${i}`)).status).toBe(200);
      const sent = TRACEPARENT.exec(String(lastSeen().headers['traceparent']))!;
      expect(sent[3]).toBe('01');
      ids.push(sent[1]!);
    }
    expect(new Set(ids).size).toBe(20);
    await collector.waitForSpans((s) => ids.every((id) => serverOf(s, id) !== undefined && clientOf(s, id) !== undefined));
  });

  it('records the consumer, and an auth refusal with its reason code and no CLIENT span', async () => {
    const ok = hex(16);
    const denied = hex(16);
    expect((await request(portOf(a.proxy), '/secure/me', { headers: { authorization: `Bearer ${token()}`, traceparent: `00-${ok}-${hex(8)}-01` } })).status).toBe(200);
    expect((await request(portOf(a.proxy), '/secure/me', { headers: { traceparent: `00-${denied}-${hex(8)}-01` } })).status).toBe(401);
    const spans = await collector.waitForSpans((s) => serverOf(s, ok) !== undefined && serverOf(s, denied) !== undefined);
    expect(serverOf(spans, ok)!.attributes).toMatchObject({ 'portcullis.route': 'secure', 'portcullis.consumer': 'alice', 'portcullis.auth': 'authenticated' });
    const refused = serverOf(spans, denied)!;
    expect(refused.attributes).toMatchObject({ 'http.response.status_code': 401, 'portcullis.auth': 'rejected', 'portcullis.refusal_reason': 'no_token' });
    expect(refused.attributes['portcullis.consumer']).toBeUndefined();
    expect(clientOf(spans, denied)).toBeUndefined();
  });

  it('records a gateway refusal (no route) as a SERVER span with its reason', async () => {
    const traceId = hex(16);
    expect((await request(portOf(a.proxy), '/nowhere', { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } })).status).toBe(404);
    const spans = await collector.waitForSpans((s) => serverOf(s, traceId) !== undefined);
    expect(serverOf(spans, traceId)!.attributes).toMatchObject({ 'http.response.status_code': 404, 'portcullis.refusal_reason': 'no_route' });
  });

  it('traces HTTP/2 (h2c) requests', async () => {
    const traceId = hex(16);
    const session = http2.connect(a.proxy);
    const status = await new Promise<number>((resolve, reject) => {
      const req = session.request({ ':path': '/open/h2', traceparent: `00-${traceId}-${hex(8)}-01` });
      let s = 0;
      req.on('response', (h) => (s = Number(h[':status'])));
      req.on('data', () => {});
      req.on('end', () => resolve(s));
      req.on('error', reject);
      req.end();
    });
    session.close();
    expect(status).toBe(200);
    expect(TRACEPARENT.exec(String(lastSeen().headers['traceparent']))?.[1]).toBe(traceId);
    const spans = await collector.waitForSpans((s) => serverOf(s, traceId) !== undefined && clientOf(s, traceId) !== undefined);
    expect(serverOf(spans, traceId)!.attributes).toMatchObject({ 'network.protocol.version': '2', 'http.response.status_code': 200 });
  });

  it('traces gRPC calls; the gRPC upstream sees the CLIENT span as its parent', async () => {
    const traceId = hex(16);
    const client: EchoClientInstance = new EchoClient(a.proxy.replace(/^http:\/\//, ''), grpc.credentials.createInsecure());
    try {
      const md = new grpc.Metadata();
      md.set('traceparent', `00-${traceId}-${hex(8)}-01`);
      const r = await unary(client, 'Unary', { text: 'hi' }, md);
      expect(r.error).toBeUndefined();
      const sent = TRACEPARENT.exec(r.value!.seen!['traceparent']!);
      expect(sent?.[1]).toBe(traceId);
      const spans = await collector.waitForSpans((s) => serverOf(s, traceId) !== undefined && clientOf(s, traceId) !== undefined);
      expect(clientOf(spans, traceId)!.spanId).toBe(sent![2]);
      expect(serverOf(spans, traceId)!.attributes).toMatchObject({ 'portcullis.route': 'grpc', 'network.protocol.version': '2', 'http.response.status_code': 200 });
    } finally {
      client.close();
    }
  });

  it('traces a WebSocket: 101 on the SERVER span once the tunnel closes, traceparent in the upstream handshake', async () => {
    const traceId = hex(16);
    const ws = await openWs(`${wsBase(a.proxy)}/ws/chat`, { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    expect(await roundTrip(ws, 'hi')).toBe('echo:hi');
    const sent = TRACEPARENT.exec(String(wsUp.seen[wsUp.seen.length - 1]!.headers['traceparent']));
    expect(sent?.[1]).toBe(traceId);
    const done = closed(ws);
    ws.close();
    await done;
    const spans = await collector.waitForSpans((s) => serverOf(s, traceId) !== undefined && clientOf(s, traceId) !== undefined);
    expect(serverOf(spans, traceId)!.attributes).toMatchObject({ 'http.response.status_code': 101, 'portcullis.route': 'ws', 'portcullis.upstream.status_code': 101 });
    expect(clientOf(spans, traceId)!.spanId).toBe(sent![2]);
  });
});

describe("kong.yml's opentelemetry plugin (gateway B: sampling_rate 0, parent-based)", () => {
  it('samples nothing new but still propagates (flags 00), and answers the trace id header', async () => {
    const res = await request(portOf(b.proxy), '/open/unsampled', { headers: { 'x-drop-me': 'yes' } });
    expect(res.status).toBe(200);
    const sent = TRACEPARENT.exec(String(lastSeen().headers['traceparent']));
    expect(sent?.[3]).toBe('00');
    expect(res.headers['x-trace-id']).toBe(sent![1]);
    // propagation.clear
    expect(lastSeen().headers['x-drop-me']).toBeUndefined();
    // A sampled request of the same gateway is exported after it: the unsampled one never was.
    const sampled = hex(16);
    await request(portOf(b.proxy), '/open/sampled', { headers: { traceparent: `00-${sampled}-${hex(8)}-01` } });
    const spans = await collector.waitForSpans((s) => serverOf(s, sampled) !== undefined);
    expect(byTrace(spans, sent![1]!)).toEqual([]);
    const server = serverOf(spans, sampled)!;
    expect(server.resource).toMatchObject({ 'service.name': 'portcullis', 'deployment.environment': 'kong-yml-test' });
    expect(TRACEPARENT.exec(String(lastSeen().headers['traceparent']))?.[3]).toBe('01');
  });

  it("an unsampled client trace (flags 00) goes upstream with the client's trace id, a fresh parent id, flags 00 and its tracestate; logged, never exported", async () => {
    const traceId = hex(16);
    const parent = hex(8);
    const res = await request(portOf(b.proxy), '/open/client-unsampled', {
      headers: { traceparent: `00-${traceId}-${parent}-00`, tracestate: 'vendor=abc,other=1', 'x-request-id': 'unsampled-client' },
    });
    expect(res.status).toBe(200);
    const sent = TRACEPARENT.exec(String(lastSeen().headers['traceparent']));
    expect(sent?.[1]).toBe(traceId);
    expect(sent?.[2]).not.toBe(parent);
    expect(sent?.[3]).toBe('00');
    expect(lastSeen().headers['tracestate']).toBe('vendor=abc,other=1');
    expect(res.headers['x-trace-id']).toBe(traceId);
    expect(await accessLine(b, 'unsampled-client')).toMatchObject({ trace_id: traceId, status: 200 });
    // Two tries of one request get two parent ids; a second request of the same trace keeps the id too.
    await request(portOf(b.proxy), '/open/client-unsampled-2', { headers: { traceparent: `00-${traceId}-${parent}-00` } });
    const again = TRACEPARENT.exec(String(lastSeen().headers['traceparent']));
    expect(again?.[1]).toBe(traceId);
    expect(again?.[2]).not.toBe(sent![2]);
    expect(lastSeen().headers['tracestate']).toBeUndefined();
    const sampled = hex(16);
    await request(portOf(b.proxy), '/open/sampled-after', { headers: { traceparent: `00-${sampled}-${hex(8)}-01` } });
    const spans = await collector.waitForSpans((s) => serverOf(s, sampled) !== undefined);
    expect(byTrace(spans, traceId)).toEqual([]);
  });

  it('an invalid client traceparent starts a new unsampled trace: new trace id upstream, in the log and the trace id header', async () => {
    const res = await request(portOf(b.proxy), '/open/bad-parent', {
      headers: { traceparent: `00-${'0'.repeat(32)}-${hex(8)}-01`, tracestate: 'vendor=abc', 'x-request-id': 'unsampled-bad-parent' },
    });
    expect(res.status).toBe(200);
    const sent = TRACEPARENT.exec(String(lastSeen().headers['traceparent']));
    expect(sent).not.toBeNull();
    expect(sent![1]).not.toBe('0'.repeat(32));
    expect(sent![3]).toBe('00');
    // A new trace: the client's tracestate belonged to the invalid one.
    expect(lastSeen().headers['tracestate']).toBeUndefined();
    expect(res.headers['x-trace-id']).toBe(sent![1]);
    expect(await accessLine(b, 'unsampled-bad-parent')).toMatchObject({ trace_id: sent![1] });
  });

  it('a reload without the plugin turns tracing off: the client traceparent is forwarded untouched again', async () => {
    await writeFile(b.configPath, YAML.stringify({ _format_version: '3.0', services: services(), consumers: consumers() }));
    const tp = `00-${hex(16)}-${hex(8)}-01`;
    await waitFor(async () => {
      await request(portOf(b.proxy), '/open/off', { headers: { traceparent: tp } });
      return lastSeen().headers['traceparent'] === tp;
    }, 15_000, undefined, 200);
    expect(b.output()).toContain('tracing off');
  });
});

describe('--otel-sampler traceidratio --otel-sample-ratio 0.5: the decision is a function of the trace id', () => {
  let d: StandaloneGateway | undefined;
  afterAll(async () => {
    await d?.close();
  });

  it("samples exactly the trace ids the SDK's TraceIdRatioBasedSampler keeps, whatever the client's flag", async () => {
    d = await startStandalone({ services: services(), consumers: consumers() }, {
      args: ['--otel-endpoint', collector.endpoint, '--otel-service-name', 'gw-d', '--otel-sampler', 'traceidratio', '--otel-sample-ratio', '0.5'],
    });
    const sdk = new TraceIdRatioBasedSampler(0.5);
    const keeps = (id: string) => sdk.shouldSample(ROOT_CONTEXT, id).decision === SamplingDecision.RECORD_AND_SAMPLED;
    const kept: string[] = [];
    const dropped: string[] = [];
    while (kept.length < 6 || dropped.length < 6) {
      const id = hex(16);
      if ((keeps(id) ? kept : dropped).length < 6) (keeps(id) ? kept : dropped).push(id);
    }
    for (const id of [...kept, ...dropped]) {
      // Flags 01 and 00 alike: this sampler is not parent-based.
      const flag = (kept.indexOf(id) + dropped.indexOf(id)) % 2 === 0 ? '01' : '00';
      expect((await request(portOf(d.proxy), '/open/ratio', { headers: { traceparent: `00-${id}-${hex(8)}-${flag}` } })).status).toBe(200);
      const sent = TRACEPARENT.exec(String(lastSeen().headers['traceparent']))!;
      expect(sent[1]).toBe(id);
      expect(sent[3]).toBe(keeps(id) ? '01' : '00');
    }
    const spans = await collector.waitForSpans((s) => kept.every((id) => serverOf(s, id) !== undefined && clientOf(s, id) !== undefined));
    for (const id of dropped) expect(byTrace(spans, id)).toEqual([]);
    // Starts gateway processes: more than the default 20 s on a loaded machine.
  }, 60_000);
});

describe('--workers 2: each worker exports its own spans', () => {
  let c: StandaloneGateway | undefined;
  afterAll(async () => {
    await c?.close();
  });

  it('spans of one gateway come from two processes (service.instance.id)', async () => {
    c = await startStandalone({ services: services(), consumers: consumers() }, { args: ['--workers', '2', '--otel-endpoint', collector.endpoint, '--otel-service-name', 'gw-c'] });
    const ids: string[] = [];
    // Fresh connections: the cluster primary hands them to the workers in turn.
    for (let i = 0; i < 10; i++) {
      const id = hex(16);
      ids.push(id);
      expect((await request(portOf(c.proxy), '/open/w', { headers: { traceparent: `00-${id}-${hex(8)}-01` } })).status).toBe(200);
    }
    const spans = await collector.waitForSpans((s) => ids.every((id) => serverOf(s, id) !== undefined));
    const instances = new Set(ids.map((id) => serverOf(spans, id)!.resource['service.instance.id']));
    expect(instances.size).toBe(2);
    for (const id of ids) expect(serverOf(spans, id)!.resource['service.name']).toBe('gw-c');
    // Starts gateway processes: more than the default 20 s on a loaded machine.
  }, 60_000);
});

describe('tracing off', () => {
  it('never loads the OpenTelemetry packages; on, it does (import() on first enable)', async () => {
    const probe = path.join(repoRoot, 'test/support/opentelemetry-probe.mjs');
    const { configPath, dir } = await writeKongYml({ services: services(), consumers: consumers() });
    const run = async (extra: string[]): Promise<number> => {
      const [proxyPort, statusPort, adminPort] = [await freePort(), await freePort(), await freePort()];
      const child = spawn(process.execPath, ['--import', probe, cliPath, 'standalone', '--config', configPath, '--proxy-listen', `127.0.0.1:${proxyPort}`,
        '--proxy-listen-tls', 'off', '--admin-listen', `127.0.0.1:${adminPort}`, '--status-listen', `127.0.0.1:${statusPort}`, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      try {
        await waitFor(async () => (await fetch(`http://127.0.0.1:${statusPort}/readyz`)).ok, 30_000);
        // A request through the proxy too: nothing is loaded lazily on the first one.
        expect((await request(proxyPort, '/open/probe')).status).toBe(200);
      } finally {
        await stopProcess(child);
      }
      return err.split('\n').filter((l) => l.startsWith('OTEL-LOADED')).length;
    };
    try {
      expect(await run([])).toBe(0);
      expect(await run(['--otel-endpoint', collector.endpoint])).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Starts gateway processes: more than the default 20 s on a loaded machine.
  }, 60_000);
});
