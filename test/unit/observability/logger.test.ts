import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAccessLog, type AccessLogEntry } from '../../../src/observability/logger.js';

/** The access log's line as docs/access-log.md documents it, field by field. */
const repo = fileURLToPath(new URL('../../../', import.meta.url));

function capture(sampleSuccess?: number) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const log = createAccessLog({ enabled: true, destination, sampleSuccess });
  return { log, lines };
}

/** The stream's writes have run. */
const written = () => new Promise((r) => setImmediate(r));

const route = { label: 'shop/orders', id: '9e0d7b51-3f5c-4c6c-9a51-0c0e5c1f2a7d' };
const full: AccessLogEntry = {
  route, method: 'GET', rawPath: '/orders', rawQuery: 'a=1', status: 200, latencyMs: 4.41234, upstreamLatencyMs: 3.9,
  upstreamTarget: { host: 'fd00::5', port: 8080 }, requestId: 'r-1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  consumer: { id: 'c-1', username: 'alice' }, clientIp: '10.0.0.7', reason: 'expired',
};

/** The first column of the field table in docs/access-log.md. */
function documentedFields(): string[] {
  const doc = readFileSync(`${repo}docs/access-log.md`, 'utf8');
  const table = doc.slice(doc.indexOf('| field |'), doc.indexOf('\n\n', doc.indexOf('| field |')));
  return [...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('access log line', () => {
  it('has exactly the fields docs/access-log.md documents, in its order', async () => {
    const { log, lines } = capture();
    log.log(full);
    await written();
    expect(Object.keys(lines[0]!)).toEqual(documentedFields());
    expect(lines[0]).toMatchObject({
      route: 'shop/orders', route_id: route.id, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', upstream_addr: '[fd00::5]:8080',
      latency_ms: 4.412, consumer: 'alice', consumer_id: 'c-1',
    });
  });

  it('leaves out what it does not know; route null when none matched', async () => {
    const { log, lines } = capture();
    log.log({ route: undefined, method: 'GET', rawPath: '/x', rawQuery: '', status: 404, latencyMs: 0.2, requestId: 'r-2', reason: 'no_route' });
    await written();
    expect(lines[0]).toEqual({ level: 30, time: expect.any(String), type: 'access', request_id: 'r-2', route: null, method: 'GET', path: '/x', status: 404, latency_ms: 0.2, reason: 'no_route' });
  });

  it('sampleSuccess 0: success lines are dropped, refusals and errors kept', async () => {
    const { log, lines } = capture(0);
    const base = { route, method: 'GET', rawPath: '/orders', rawQuery: '', latencyMs: 1, requestId: 'r' };
    log.log({ ...base, status: 200 });
    log.log({ ...base, status: 302 });
    log.log({ ...base, status: 308, reason: 'https_required' });
    log.log({ ...base, status: 401, reason: 'no_token' });
    log.log({ ...base, status: 502 });
    await written();
    expect(lines.map((l) => l.status)).toEqual([308, 401, 502]);
  });
});
