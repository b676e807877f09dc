import type { Http2ServerResponse } from 'node:http2';
import { SERVER_HEADER } from './error-response.js';

/**
 * Gateway errors for gRPC requests (docs/http2-grpc.md#grpc-errors). Kong treats a request as gRPC
 * when it came over HTTP/2 with a content-type starting with "application/grpc" and then answers
 * its errors with grpc-status (Kong's HTTP → gRPC table, kong/pdk/response.lua) and the message in
 * grpc-message. We send them as a trailers-only response with :status 200, which every gRPC client
 * reads as the call's status (grpc-go ignores grpc-status on a non-200 :status).
 */
const HTTP_TO_GRPC: Readonly<Record<number, number>> = {
  200: 0, 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 499: 1, 500: 13, 501: 12, 503: 14, 504: 4,
};

/** Kong's names of the codes, its grpc-message when a rejection carries no message. */
const GRPC_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable',
  'DataLoss', 'Unauthenticated',
];

export function grpcStatusFor(httpStatus: number): number {
  const code = HTTP_TO_GRPC[httpStatus];
  if (code !== undefined) return code;
  if (httpStatus >= 500 && httpStatus <= 599) return 13;
  if (httpStatus >= 400 && httpStatus <= 499) return 3;
  if (httpStatus >= 200 && httpStatus <= 299) return 0;
  return 2;
}

/** Kong's test: content-type starts with application/grpc (the HTTP/2 half is the caller's). */
export function isGrpcContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.startsWith('application/grpc');
}

/** grpc-message is percent-encoded outside printable ASCII (gRPC PROTOCOL-HTTP2 "Status-Message"). */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The message Kong puts in grpc-message for a JSON rejection body: its "message" string, else the code's name. */
export function grpcMessageOfBody(body: string, code: number): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through
  }
  return GRPC_NAMES[code] ?? 'Unknown';
}

/**
 * Answers a gRPC request with `httpStatus`'s gRPC code in one HEADERS frame (trailers-only).
 * res.statusCode is set to `httpStatus` without being sent, so metrics and the access log record
 * the status Kong would log (401, 404, 502 …).
 */
export function sendGrpcError(
  res: Http2ServerResponse,
  httpStatus: number,
  message: string | undefined,
  requestId: string,
  extra?: Record<string, string>,
): void {
  const code = grpcStatusFor(httpStatus);
  sendGrpcStatus(res, httpStatus, code, message ?? GRPC_NAMES[code] ?? 'Unknown', requestId, extra);
}

/** The trailers-only answer itself: grpc-status `code` and `message`; `loggedStatus` goes to metrics and the access log. */
export function sendGrpcStatus(
  res: Http2ServerResponse,
  loggedStatus: number,
  code: number,
  message: string,
  requestId: string,
  extra?: Record<string, string>,
): void {
  const stream = res.stream;
  if (res.headersSent || stream.destroyed || stream.closed) {
    stream.close(0x2 /* INTERNAL_ERROR */);
    return;
  }
  res.statusCode = loggedStatus;
  stream.respond(
    {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': String(code),
      'grpc-message': encodeGrpcMessage(message),
      'x-request-id': requestId,
      server: SERVER_HEADER,
      ...extra,
    },
    { endStream: true },
  );
}
