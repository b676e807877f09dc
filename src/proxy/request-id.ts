import { randomBytes } from 'node:crypto';

/** Cheap unique ids: a random per-process prefix and a counter (no crypto per request). */
const prefix = randomBytes(6).toString('hex');
let counter = 0;

export function generateRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${counter.toString(36)}`;
}

/** A client-sent id is kept when it is short and plain; otherwise a fresh one is generated. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return keepsRequestId(header) ? header : generateRequestId();
}

/** Whether the client's X-Request-ID is kept as is (also what explain predicts). */
export function keepsRequestId(header: string | string[] | undefined): header is string {
  return typeof header === 'string' && header.length > 0 && header.length <= 200 && /^[\x21-\x7e]+$/.test(header);
}
