import type { IncomingMessage } from 'node:http';
import type { CompiledRoute, RouteMatch } from '../snapshot/types.js';

/**
 * The request-shaping steps the proxy handler calls, injected so the serving side does not depend
 * on their implementations (src/proxy/paths.ts and src/proxy/forward-headers.ts provide the real
 * ones; the CLI wires them in one place). Every call site in the handler goes through this object.
 */
export interface ProxyPipeline {
  /** Normalize the raw request path (no query). null → 400 (malformed path). */
  normalizePath(rawPath: string): string | null;
  /**
   * Upstream request target: service base path joined with the (stripped) path, plus "?" + rawQuery
   * when rawQuery is not empty.
   */
  upstreamPath(route: CompiledRoute, match: RouteMatch, normalizedPath: string, rawQuery: string): string;
  /**
   * Headers sent upstream as a flat [name, value, …] list (undici takes it as is, repeats kept):
   * the client's headers without hop-by-hop headers, without client-sent identity headers
   * (X-Consumer-*, X-Credential-Identifier, X-Anonymous-Consumer) and without X-Request-Id, plus
   * Host, X-Forwarded-* / X-Real-IP / Via. The handler appends `x-request-id` and the consumer
   * identity headers to the returned array (it may be mutated).
   */
  upstreamHeaders(input: UpstreamHeadersInput): string[];
}

export interface UpstreamHeadersInput {
  req: IncomingMessage;
  route: CompiledRoute;
  match: RouteMatch;
  /** Normalized request path (before strip_path). */
  normalizedPath: string;
  /** "http" (TLS terminates in front of the proxy listener, if at all). */
  scheme: 'http' | 'https';
}
