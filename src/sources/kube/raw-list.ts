import http from 'node:http';
import https from 'node:https';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

/** resource-types.ts's ListPage and ListParams (declared here too: that module imports this one). */
interface ListPage {
  items: KubernetesObject[];
  resourceVersion: string;
  continueToken?: string;
}
interface ListParams {
  limit: number;
  continueToken?: string;
}

/**
 * One page of a collection, as the API's plain JSON (docs/controller-memory.md#what-the-cache-keeps).
 * The typed list calls of client-node turn every listed object into model class instances with a
 * property for each field the type knows (most of them undefined) and Date objects for timestamps;
 * at 50,000 Secrets that was seconds of the initial sync and objects shaped unlike the watch's
 * (plain JSON), which the cache then holds side by side. Credentials, TLS and proxies come from
 * the KubeConfig as for the watch (watch-stream.ts). HTTP errors carry statusCode (the watcher
 * reads it: 404 = CRD not installed, 410 = expired continue token); bodies are never kept.
 */
export async function listRaw(kc: KubeConfig, path: string, params: ListParams, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Promise<ListPage> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(cluster.server + path);
  url.searchParams.set('limit', String(params.limit));
  if (params.continueToken) url.searchParams.set('continue', params.continueToken);
  if (selectors.labelSelector) url.searchParams.set('labelSelector', selectors.labelSelector);
  if (selectors.fieldSelector) url.searchParams.set('fieldSelector', selectors.fieldSelector);
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const client = url.protocol === 'http:' ? http : https;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const req = client.request(url, { ...options, method: 'GET', headers: { ...options.headers, accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(Object.assign(new Error(res.statusMessage || `HTTP ${res.statusCode}`), { statusCode: res.statusCode }));
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  const list = JSON.parse(body.toString('utf8')) as { items?: ListPage['items'] | null; metadata?: { resourceVersion?: string; continue?: string } };
  const continueToken = list.metadata?.continue;
  return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '', ...(continueToken ? { continueToken } : {}) };
}
