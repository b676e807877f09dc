import { errors } from 'undici';
import { ERR } from './error-response.js';
import { TLS_VERIFY_CODES } from './upstream-tls.js';

/** How an upstream failure is answered (docs/kong-compatibility.md#proxy-errors). */
export interface UpstreamFailure {
  status: 502 | 504 | 500;
  message: string;
  /** Safe to try another target: nothing reached the upstream application. */
  connectPhase: boolean;
  /**
   * The connection broke before any response byte (reset, closed): the request may have reached
   * the upstream, so only an idempotent one is tried again (nginx's proxy_next_upstream `error`,
   * which Kong uses). This is the keep-alive connection an upstream pod closes as it terminates.
   */
  answerless?: boolean;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * undici codes that describe the gateway's own request, not the upstream's answer (a header value
 * undici refuses, an unsupported option): "unexpected error", as Kong answers its own faults.
 */
const OWN_FAULT_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_INVALID_RETURN_VALUE', 'UND_ERR_NOT_SUPPORTED']);

const BAD_GATEWAY: UpstreamFailure = { status: 502, message: ERR.badGateway, connectPhase: false };
const BROKEN_BEFORE_ANSWER: UpstreamFailure = { status: 502, message: ERR.badGateway, connectPhase: false, answerless: true };
/** Resets and closes with no HTTP answer at all (undici: UND_ERR_SOCKET "other side closed"). */
const ANSWERLESS_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/**
 * The upstream's answer was not HTTP: undici's HTTPParserError (bad status line, header, chunk
 * size, version, garbage). Its `code` is not reliable — undici derives it from llhttp's error
 * number with a name→number table, so it is usually undefined — hence the class (undici's
 * instanceof works across copies of undici) and the name.
 */
function isParserError(err: unknown): boolean {
  return err instanceof errors.HTTPParserError || (err as { name?: unknown } | null)?.name === 'HTTPParserError';
}

export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const code = (err as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' ? code : '';
  // The upstream's certificate was refused (docs/upstream-tls.md): nothing reached it, another target may pass.
  if (TLS_VERIFY_CODES.has(c)) return { status: 502, message: ERR.badGateway, connectPhase: true };
  if (TIMEOUT_CODES.has(c)) return { status: 504, message: ERR.timeout, connectPhase: CONNECT_CODES.has(c) };
  if (CONNECT_CODES.has(c)) return { status: 502, message: ERR.badGateway, connectPhase: true };
  if (OWN_FAULT_CODES.has(c)) return { status: 500, message: ERR.unexpected, connectPhase: false };
  if (ANSWERLESS_CODES.has(c)) return BROKEN_BEFORE_ANSWER;
  // Parse errors (HPE_*), resets and closed sockets (E*, UND_ERR_SOCKET), responses undici refuses
  // (UND_ERR_HEADERS_OVERFLOW, UND_ERR_RES_CONTENT_LENGTH_MISMATCH, UND_ERR_INFO …): no usable response.
  if (isParserError(err) || c.startsWith('HPE_') || c.startsWith('E') || c.startsWith('UND_ERR')) return BAD_GATEWAY;
  return { status: 500, message: ERR.unexpected, connectPhase: false };
}
