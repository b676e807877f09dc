import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LazyOtlpExporter } from '../../../../src/observability/tracing/lazy-exporter.js';

/** The exporter loaded on the first batch still sends OTLP/HTTP (docs/tracing.md#cost), to a real local HTTP receiver. */
let server: http.Server;
const bodies: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let url = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('LazyOtlpExporter', () => {
  it('exports spans as OTLP/HTTP JSON with the configured headers once a span ends', async () => {
    const exporter = new LazyOtlpExporter({ url, headers: { 'x-api-key': 'k1' }, timeoutMillis: 5000 });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.getTracer('t').startSpan('lazy-span').end();
    await provider.forceFlush();
    await provider.shutdown();
    const got = bodies.find((b) => b.body.includes('lazy-span'));
    expect(got).toBeDefined();
    expect(got!.headers['x-api-key']).toBe('k1');
    expect(got!.headers['content-type']).toContain('application/json');
  });

  it('a shutdown before any export loads nothing and resolves; an unreachable receiver is a failed result', async () => {
    await new LazyOtlpExporter({ url, headers: {}, timeoutMillis: 1000 }).shutdown();
    const dead = new LazyOtlpExporter({ url: 'http://127.0.0.1:9/v1/traces', headers: {}, timeoutMillis: 1000 });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(dead)] });
    const span = provider.getTracer('t').startSpan('x');
    span.end();
    const result = await new Promise<{ code: number }>((resolve) => dead.export([span as never], resolve));
    expect(result.code).not.toBe(0);
    await provider.shutdown().catch(() => {});
  });
});
