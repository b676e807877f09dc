import { JSON_CT, SERVER_HEADER, TEXT_CT, errorBody, wantsText } from './error-response.js';
import { HTTPS_REQUIRED_BODY } from './https-redirect.js';

/**
 * A response the proxy would send, as data (docs/explain.md): the status, the headers it sets
 * (lower-case names, in its order; node adds date/connection/keep-alive) and the body. Built
 * from the same bodies and header rules as error-response.ts and https-redirect.ts;
 * test/integration/standalone/explain.test.ts compares each with what the real gateway answers.
 */
export interface PredictedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** sendError's response. */
export function errorResponse(status: number, message: string, requestId: string, accept: string | undefined): PredictedResponse {
  const text = wantsText(accept);
  const body = errorBody(message, requestId, text);
  return {
    status,
    headers: { 'content-type': text ? TEXT_CT : JSON_CT, 'content-length': String(Buffer.byteLength(body)), 'x-request-id': requestId, server: SERVER_HEADER },
    body,
  };
}

/** sendAuthRejection's response: the plugin's exact body. */
export function authRejectionResponse(status: number, body: string, wwwAuthenticate: string | undefined, requestId: string): PredictedResponse {
  const headers: Record<string, string> = { 'content-type': JSON_CT, 'content-length': String(Buffer.byteLength(body)), 'x-request-id': requestId, server: SERVER_HEADER };
  if (wwwAuthenticate !== undefined) headers['www-authenticate'] = wwwAuthenticate;
  return { status, headers, body };
}

/** sendHttpsRequired's response over HTTP/1.1 on a keep-alive connection. */
export function httpsRequiredResponse(code: number, host: string, url: string, requestId: string): PredictedResponse {
  if (code === 426) {
    return {
      status: 426,
      headers: {
        'content-type': JSON_CT,
        'content-length': String(Buffer.byteLength(HTTPS_REQUIRED_BODY)),
        connection: 'Upgrade',
        upgrade: 'TLS/1.2, HTTP/1.1',
        'x-request-id': requestId,
        server: SERVER_HEADER,
      },
      body: HTTPS_REQUIRED_BODY,
    };
  }
  return { status: code, headers: { location: `https://${host}${url}`, 'content-length': '0', 'x-request-id': requestId, server: SERVER_HEADER }, body: '' };
}
