import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseRetryAfter } from './retry-after.js';

/**
 * One watch request, on node:http(s) directly rather than client-node's `Watch`: the watcher's
 * liveness deadline needs to see every chunk (also a partial line, also a bookmark), to know when
 * the server answered, and to abort the request at any stage, also before response headers
 * (client-node's Watch exposes its abort only once headers have arrived).
 */
export interface WatchStreamHandlers {
  /** The server answered 200: the watch is established. */
  onOpen(): void;
  /** Bytes arrived (an event, a bookmark or part of one). */
  onBytes(): void;
  onEvent(type: string, object: unknown): void;
  /** Once, unless aborted: null when the server ended the stream, else why it failed (HTTP errors carry statusCode). */
  onEnd(err: Error | null): void;
}

export interface WatchStream {
  /** Drops the request and its connection; onEnd is not called. */
  abort(): void;
}

export type WatchQuery = Record<string, string | number | boolean | undefined>;

export function openWatchStream(kc: KubeConfig, path: string, query: WatchQuery, handlers: WatchStreamHandlers): WatchStream {
  let req: http.ClientRequest | undefined;
  let ended = false;
  const end = (err: Error | null): void => {
    if (ended) return;
    ended = true;
    req?.destroy();
    handlers.onEnd(err);
  };

  void (async () => {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    const url = new URL(cluster.server + path);
    url.searchParams.set('watch', 'true');
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const options: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(options); // TLS, credentials, agent (also a proxy agent)
    if (ended) return;
    const client = url.protocol === 'http:' ? http : https;
    req = client.request(url, { ...options, method: 'GET' }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        // The body may echo request details: keep only the status (and Retry-After, honoured by the watcher).
        const header = res.headers['retry-after'];
        const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header);
        return end(Object.assign(new Error(res.statusMessage || `HTTP ${res.statusCode}`), { statusCode: res.statusCode, ...(retryAfterMs !== undefined && { retryAfterMs }) }));
      }
      handlers.onOpen();
      res.setEncoding('utf8');
      let partial = '';
      res.on('data', (chunk: string) => {
        if (ended) return;
        handlers.onBytes();
        partial += chunk;
        let nl: number;
        while (!ended && (nl = partial.indexOf('\n')) !== -1) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          if (line.trim() === '') continue;
          let parsed: { type?: unknown; object?: unknown };
          try {
            parsed = JSON.parse(line) as { type?: unknown; object?: unknown };
          } catch {
            continue; // not an event: skip the line, as client-node does
          }
          if (typeof parsed.type === 'string') handlers.onEvent(parsed.type, parsed.object);
        }
      });
      res.on('end', () => end(null));
      res.on('error', (err) => end(err));
      res.on('close', () => end(res.complete ? null : new Error('watch connection closed mid-stream')));
    });
    req.on('error', (err) => end(err));
    req.end();
  })().catch((err: unknown) => end(err instanceof Error ? err : new Error(String(err))));

  return {
    abort() {
      ended = true;
      req?.destroy();
    },
  };
}
