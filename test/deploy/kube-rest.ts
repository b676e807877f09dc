// Raw REST calls to the API server for the deploy tests. The typed clients hide what these tests
// assert on: the HTTP status, the Status message of a rejection, and Accept-negotiated Tables.
import { request, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface RestResponse {
  status: number;
  /** Parsed JSON body (a Kubernetes object, list, Table or Status); undefined for an empty body. */
  body: any;
}

export interface RestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Content-Type for the body (default application/json). */
  contentType?: string;
}

/** Like client-go: a 429 (e.g. "storage is (re)initializing" while a new CRD's watch cache fills)
 * is retried after the server's Retry-After, a few times. */
const MAX_RETRIES_ON_429 = 10;

/** One request with the kubeconfig's credentials (and impersonation headers, if any). */
export async function kubeRest(kc: KubeConfig, method: string, path: string, opts: RestOptions = {}): Promise<RestResponse> {
  for (let attempt = 0; ; attempt++) {
    const res = await kubeRestOnce(kc, method, path, opts);
    if (res.status !== 429 || attempt >= MAX_RETRIES_ON_429) return res;
    const seconds = Number(res.retryAfter ?? 1);
    await new Promise((r) => setTimeout(r, Math.min(Number.isFinite(seconds) ? seconds : 1, 2) * 1000));
  }
}

async function kubeRestOnce(
  kc: KubeConfig,
  method: string,
  path: string,
  opts: RestOptions,
): Promise<RestResponse & { retryAfter?: string }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeRest: kubeconfig has no current cluster');
  const url = new URL(path, server);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const reqOpts: RequestOptions = {
    method,
    headers: {
      Accept: 'application/json',
      ...(payload !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}),
      ...opts.headers,
    },
    timeout: 15_000,
  };
  await kc.applyToHTTPSOptions(reqOpts);
  return new Promise((resolve, reject) => {
    const req = request(url, reqOpts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = text;
        }
        resolve({ status: res.statusCode ?? 0, body, retryAfter: res.headers['retry-after'] });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`kubeRest ${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The REST collection path of a namespaced resource (`/api/v1/...` for the core group). */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}
