import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { sendError } from './error-response.js';
import { isGrpcContentType, sendGrpcStatus } from './grpc-errors.js';

/** Kong's messages (kong/runloop/handler.lua, access phase). */
export const NON_GRPC_REQUEST = 'Non-gRPC request matched gRPC route';
export const USE_HTTP2 = 'Please use HTTP2 protocol';
export const GRPC_ON_GRPCS_ROUTE = 'gRPC request matched gRPCs route';

/** What the checks read of a request that matched a gRPC-only route. */
export interface GrpcRouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request came over HTTP/2. */
  h2: boolean;
  /** It came over the TLS listener. */
  tls: boolean;
  /** Its peer is a trusted proxy, whose X-Forwarded-Proto counts (docs/client-ip.md). */
  trusted: boolean;
  requestId: string;
  accept: string | undefined;
}

/**
 * Kong's answers, in Kong's order, for a request that matched a route whose protocols are grpc
 * and/or grpcs only (docs/http2-grpc.md#grpc-only-routes); true when one was sent:
 * - content-type `application/grpc…` over HTTP/1.x: 426 "Please use HTTP2 protocol" with
 *   `Connection: Upgrade` and `Upgrade: HTTP/2`;
 * - any other content-type, or none: 415 "Non-gRPC request matched gRPC route";
 * - a gRPC request on a grpcs-only route whose forwarded protocol is not https (a trusted proxy's
 *   X-Forwarded-Proto, else the listener's): 200 with grpc-status 1, "gRPC request matched gRPCs route".
 * The 426 and 415 are gateway errors like a 404 (JSON or text by Accept, with the request id).
 */
export function refuseNonGrpc(rule: { tlsOnly: boolean }, x: GrpcRouteRequest): boolean {
  const { req, res } = x;
  if (!isGrpcContentType(req.headers['content-type'])) {
    sendError(res, 415, NON_GRPC_REQUEST, x.requestId, x.accept);
    return true;
  }
  if (!x.h2) {
    // A user-set Connection header makes node keep the connection: say close when it must close.
    const closing = !res.shouldKeepAlive || res.getHeader('connection') === 'close';
    sendError(res, 426, USE_HTTP2, x.requestId, x.accept, { connection: closing ? 'Upgrade, close' : 'Upgrade', upgrade: 'HTTP/2' });
    return true;
  }
  if (rule.tlsOnly && forwardedProto(x) !== 'https') {
    sendGrpcStatus(res as unknown as Http2ServerResponse, 200, 1, GRPC_ON_GRPCS_ROUTE, x.requestId);
    return true;
  }
  return false;
}

/** Kong's forwarded_proto: a trusted peer's X-Forwarded-Proto (first value) when it sent one, else the listener's scheme. */
function forwardedProto(x: GrpcRouteRequest): string {
  const sent = x.trusted ? x.req.headers['x-forwarded-proto'] : undefined;
  if (typeof sent === 'string') return sent.split(',')[0]!.trim().toLowerCase();
  return x.tls ? 'https' : 'http';
}
