import type { ServerResponse } from 'node:http';

/** Gateway-generated error messages (docs/kong-compatibility.md#proxy-errors). */
export const ERR = {
  badRequest: 'Bad request',
  noRoute: 'no Route matched with those values',
  unexpected: 'An unexpected error occurred',
  badGateway: 'An invalid response was received from the upstream server',
  timeout: 'The upstream server is timing out',
  noPeer: 'failure to get a peer from the ring-balancer',
  noConfig: 'no configuration loaded yet',
} as const;

export const SERVER_HEADER = 'portcullis';
export const JSON_CT = 'application/json; charset=utf-8';
export const TEXT_CT = 'text/plain; charset=utf-8';

/** JSON unless Accept names text/plain and nothing JSON-capable (docs/kong-compatibility.md#proxy-errors). */
export function wantsText(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes('text/plain') && !accept.includes('json') && !accept.includes('*/*');
}

export function errorBody(message: string, requestId: string, text: boolean): string {
  return text
    ? `${message}\nrequest_id: ${requestId}\n`
    : `{"message":${JSON.stringify(message)},"request_id":${JSON.stringify(requestId)}}`;
}

/** Write a templated gateway error (plus `extra` headers); when headers already went out, the connection is cut. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  requestId: string,
  accept: string | undefined,
  extra?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = wantsText(accept);
  const body = errorBody(message, requestId, text);
  res.writeHead(status, {
    'content-type': text ? TEXT_CT : JSON_CT,
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    server: SERVER_HEADER,
    ...extra,
  });
  res.end(body);
}

/** An exact body from the jwt plugin (its JSON, no request_id), as Kong sends it. */
export function sendAuthRejection(
  res: ServerResponse,
  status: number,
  body: string,
  wwwAuthenticate: string | undefined,
  requestId: string,
): void {
  const headers: Record<string, string | number> = {
    'content-type': JSON_CT,
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    server: SERVER_HEADER,
  };
  if (wwwAuthenticate !== undefined) headers['www-authenticate'] = wwwAuthenticate;
  res.writeHead(status, headers);
  res.end(body);
}
