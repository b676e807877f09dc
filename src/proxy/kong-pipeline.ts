import { buildUpstreamHeaders } from './forward-headers.js';
import { hostWithoutPort } from './host-header.js';
import { escapeUpstreamPath, joinUpstreamPath, normalizePath } from './paths.js';
import type { ProxyPipeline } from './pipeline.js';

export interface KongPipelineOptions {
  /** Forward header names containing "_" (see forward-headers.ts); off by default, as in nginx. */
  keepUnderscoreHeaders: boolean;
}

/** The production request shaping: Kong's path normalization, path joining and upstream headers. */
export function createKongPipeline(opts: KongPipelineOptions): ProxyPipeline {
  const keepUnderscoreHeaders = opts.keepUnderscoreHeaders;
  return {
    normalizePath,

    upstreamPath(route, match, normalizedPath, rawQuery) {
      const joined = joinUpstreamPath(route.upstream.basePath, normalizedPath, match.strippedPath, route.spec.stripPath);
      const path = escapeUpstreamPath(joined);
      return rawQuery === '' ? path : `${path}?${rawQuery}`;
    },

    upstreamHeaders({ req, route, match, normalizedPath, scheme }) {
      const host = req.headers.host ?? '';
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      return buildUpstreamHeaders(req.rawHeaders, {
        clientIp: req.socket.remoteAddress ?? '',
        proto: scheme,
        host: hostWithoutPort(host),
        port: req.socket.localPort ?? 0,
        rawPath: q === -1 ? url : url.slice(0, q),
        strippedPrefix: route.spec.stripPath ? normalizedPath.slice(0, normalizedPath.length - match.strippedPath.length) : '',
        preserveHost: route.spec.preserveHost,
        upstreamHostHeader: route.upstream.hostHeader,
        httpVersion: req.httpVersion,
        keepUnderscoreHeaders,
      });
    },
  };
}

/** The default request shaping (header names with "_" dropped, as nginx does). */
export const kongPipeline: ProxyPipeline = createKongPipeline({ keepUnderscoreHeaders: false });
