import http from 'node:http';
import https from 'node:https';
import { freshnessSeconds } from './jwks-freshness.js';

/** Why a fetch failed, as the failures metric's `reason` label. */
export type JwksFailureReason = 'refused' | 'network' | 'timeout' | 'http_status' | 'too_large' | 'invalid_json' | 'discovery' | 'no_usable_key';

export type FetchResult =
  /** maxAgeSeconds: the answer's freshness (Cache-Control max-age, else Expires), jwks-freshness.ts. */
  | { ok: true; body: Buffer; json: unknown; maxAgeSeconds: number | undefined }
  | { ok: false; reason: JwksFailureReason; problem: string };

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  /** Trusted CAs (PEM); undefined = the system roots. */
  ca: readonly string[] | undefined;
  /** --jwks-allow-http: plain http allowed (tests, a sidecar on loopback). */
  allowHttp: boolean;
}

/**
 * One GET of a JSON document for the JWKS registry (docs/jwks.md#bounds): https only unless
 * allowed, the configured CAs, one deadline for the whole exchange, at most maxBytes of body
 * (Content-Length checked first, then counted), no redirects, 200 only. Never throws.
 */
export function fetchJson(rawUrl: string, limits: FetchLimits): Promise<FetchResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.resolve({ ok: false, reason: 'refused', problem: 'not a valid URL' });
  }
  if (url.protocol === 'http:' && !limits.allowHttp) {
    return Promise.resolve({ ok: false, reason: 'refused', problem: `plain http is refused (${redactUrl(url)}); use https, or --jwks-allow-http for tests` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.resolve({ ok: false, reason: 'refused', problem: 'not an http(s) URL' });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: FetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const options: https.RequestOptions = {
      method: 'GET',
      headers: { accept: 'application/json, application/jwk-set+json', 'user-agent': 'portcullis-jwks' },
      agent: false,
    };
    if (limits.ca !== undefined && url.protocol === 'https:') options.ca = [...limits.ca];
    const req = (url.protocol === 'https:' ? https : http).request(url, options);
    const timer = setTimeout(() => {
      finish({ ok: false, reason: 'timeout', problem: `no complete answer within ${limits.timeoutMs} ms` });
      req.destroy();
    }, limits.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: 'network', problem: err.code ?? err.message }));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        req.destroy();
        return finish({ ok: false, reason: 'http_status', problem: `answered HTTP ${res.statusCode}` });
      }
      const tooLarge = () => finish({ ok: false, reason: 'too_large', problem: `the answer is larger than ${limits.maxBytes} bytes` });
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        req.destroy();
        return tooLarge();
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBytes) {
          tooLarge();
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: 'network', problem: err.code ?? err.message }));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          return finish({ ok: false, reason: 'invalid_json', problem: 'the answer is not JSON' });
        }
        finish({ ok: true, body, json, maxAgeSeconds: freshnessSeconds(res.headers, Date.now()) });
      });
    });
    req.end();
  });
}

/** A URL for labels and messages: scheme, host, path; no credentials or query. */
export function redactUrl(url: URL | string): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
