import { ERR } from './error-response.js';

/** How an upstream failure is answered (kong-jwt-compat.md §8). */
export interface UpstreamFailure {
  status: 502 | 504 | 500;
  message: string;
  /** Safe to try another target: nothing reached the upstream application. */
  connectPhase: boolean;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);

export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const code = (err as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' ? code : '';
  if (TIMEOUT_CODES.has(c)) return { status: 504, message: ERR.timeout, connectPhase: CONNECT_CODES.has(c) };
  if (CONNECT_CODES.has(c)) return { status: 502, message: ERR.badGateway, connectPhase: true };
  // Resets, closed sockets, HTTP parse errors: the upstream gave no usable response.
  if (c.startsWith('E') || c.startsWith('UND_ERR') || c.startsWith('HPE_')) {
    return { status: 502, message: ERR.badGateway, connectPhase: false };
  }
  return { status: 500, message: ERR.unexpected, connectPhase: false };
}
