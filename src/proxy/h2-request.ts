import type { Http2ServerRequest } from 'node:http2';

/**
 * An HTTP/2 request's headers as the HTTP/1.1 pipeline reads them (docs/http2-grpc.md#one-pipeline):
 * pseudo-headers removed, `:authority` as the Host (RFC 9113 §8.3.1: an intermediary forwarding
 * over HTTP/1.1 builds Host from it; a Host header sent as well is replaced), split `cookie`
 * fields joined with "; " (RFC 9113 §8.2.3), as nginx does. Names are lower-case already (h2).
 */
export interface Http1HeaderView {
  rawHeaders: string[];
  host: string | undefined;
}

export function http1HeaderView(raw: readonly string[]): Http1HeaderView {
  const out: string[] = [];
  let authority: string | undefined;
  let host: string | undefined;
  let cookie: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.charCodeAt(0) === 58 /* : */) {
      if (name === ':authority') authority ??= value;
      continue;
    }
    if (name === 'cookie') {
      cookie = cookie === undefined ? value : `${cookie}; ${value}`;
      continue;
    }
    if (name === 'host') {
      host ??= value;
      continue;
    }
    out.push(name, value);
  }
  const h = authority ?? host;
  if (h !== undefined) out.push('host', h);
  if (cookie !== undefined) out.push('cookie', cookie);
  return { rawHeaders: out, host: h };
}

/** The request carries a body: a non-zero content-length, or no END_STREAM on its HEADERS frame. */
export function http2HasBody(req: Http2ServerRequest): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return !req.stream.endAfterHeaders;
}

/** First value of a header in a flat [name, value, …] list of lower-case names. */
export function firstHeader(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i] === name) return raw[i + 1];
  return undefined;
}
