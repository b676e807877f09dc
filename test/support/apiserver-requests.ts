import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * What the API server itself says about the requests it served (docs/controller-scale.md):
 * its Prometheus counter `apiserver_request_total` (by verb and resource, all clients), and, for a
 * control plane started with `audit: true`, its audit log (by user agent).
 */
export async function apiServerMetrics(kc: KubeConfig): Promise<string> {
  const cluster = kc.getCurrentCluster()!;
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL('/metrics', cluster.server), { ...options, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`/metrics: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sum of apiserver_request_total samples whose labels include every one given. */
export function requestTotal(metrics: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export interface AuditRequest {
  verb: string;
  resource: string;
  subresource?: string;
  name?: string;
  userAgent: string;
  /** ms since the epoch the request was received. */
  at: number;
  code?: number;
}

/** One entry per request (by auditID) from the audit log. */
export async function auditRequests(path: string): Promise<AuditRequest[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const byId = new Map<string, AuditRequest>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: any;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    byId.set(e.auditID, {
      verb: e.verb,
      resource: e.objectRef?.resource ?? e.requestURI,
      ...(e.objectRef?.subresource && { subresource: e.objectRef.subresource }),
      ...(e.objectRef?.name && { name: e.objectRef.name }),
      userAgent: e.userAgent ?? '',
      at: Date.parse(e.requestReceivedTimestamp),
      ...(e.responseStatus?.code !== undefined && { code: e.responseStatus.code }),
    });
  }
  return [...byId.values()];
}
