import { Writable } from 'node:stream';
import { waitFor } from './http.js';
import { SnapshotStore } from '../../src/snapshot/store.js';
import { createAccessLog, type AccessLog } from '../../src/observability/logger.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { createProxyServer, type ProxyServer, type ProxyServerOptions } from '../../src/proxy/server.js';
import { Readiness } from '../../src/health/readiness.js';
import type { Snapshot } from '../../src/snapshot/types.js';

/** Collects access-log lines written by pino (synchronous in-memory destination). */
export class LineCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    for (const l of chunk.toString().split('\n')) if (l) this.lines.push(l);
    cb();
  }
  json(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestGateway {
  store: SnapshotStore;
  metrics: GatewayMetrics;
  readiness: Readiness;
  accessLines: LineCapture;
  accessLog: AccessLog;
  proxy: ProxyServer;
  port: number;
  /** The TLS listener's port, when `proxy.tls` was given. */
  tlsPort?: number;
  close(): Promise<void>;
}

export async function startGateway(
  snapshot: Snapshot | undefined,
  opts: { drainTimeoutMs?: number; host?: string; proxy?: Pick<ProxyServerOptions, 'clientIp' | 'proxyProtocol' | 'proxyHeaderTimeoutMs' | 'tls' | 'h2c'> } = {},
): Promise<TestGateway> {
  const store = new SnapshotStore();
  if (snapshot) store.swap(snapshot);
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const readiness = new Readiness(store);
  const accessLines = new LineCapture();
  const accessLog = createAccessLog({ enabled: true, destination: accessLines });
  const proxy = createProxyServer({ store, metrics, accessLog, readiness, drainTimeoutMs: opts.drainTimeoutMs, ...opts.proxy });
  const addr = await proxy.listen({ host: opts.host ?? '127.0.0.1', port: 0 });
  const tlsPort = opts.proxy?.tls ? (await proxy.listenTls({ host: opts.host ?? '127.0.0.1', port: 0 })).port : undefined;
  return { store, metrics, readiness, accessLines, accessLog, proxy, port: addr.port, ...(tlsPort !== undefined ? { tlsPort } : {}), close: () => proxy.close() };
}

/** The access log's client_ip for `requestId`, once its line is written. */
export async function loggedClientIp(gw: TestGateway, requestId: string): Promise<unknown> {
  await waitFor(() => gw.accessLines.json().some((l) => l.request_id === requestId), 3000);
  return gw.accessLines.json().find((l) => l.request_id === requestId)!.client_ip;
}
