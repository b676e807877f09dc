import { withSetHeaders } from './kong-plugins.js';
import type { RateDecision, RateLimitingPolicy } from '../snapshot/types.js';

/** What rate-limiting reads and writes of the handler's Exchange (handler.ts). */
export interface RateExchange {
  readonly path: string;
  peer: string | undefined;
  realIp: string | undefined;
  authWait: Promise<void> | undefined;
  /** The redis policy's answer, kept for the second admission after the wait (never counted twice). */
  rate: { policy: RateLimitingPolicy; decision: RateDecision } | undefined;
  header(name: string): string | undefined;
}

/**
 * Kong's get_identifier (docs/rate-limiting.md#limit_by): the consumer (else its credential), the
 * credential, the service, a header's value, or the path when it is the configured one; anything
 * missing falls back to the client address Kong calls the forwarded IP (behind trusted proxies the
 * real client IP, docs/client-ip.md).
 */
export function rateIdentifier(policy: RateLimitingPolicy, x: RateExchange, consumerId: string | undefined, credentialId: string | undefined, serviceId: string): string {
  let id: string | undefined;
  switch (policy.limitBy) {
    case 'consumer':
      id = consumerId ?? credentialId;
      break;
    case 'credential':
      id = credentialId;
      break;
    case 'service':
      id = serviceId;
      break;
    case 'header':
      id = x.header(policy.headerName!);
      break;
    case 'path':
      if (x.path === policy.path) id = x.path;
      break;
    case 'ip':
      break;
  }
  if (id !== undefined) return id;
  const ip = x.realIp ?? x.peer ?? '';
  // nginx spells an IPv4 client as a dotted quad; a dual-stack socket says ::ffff:a.b.c.d (same key as Kong's).
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The decision for this request: local answers at once; redis sets x.authWait (admission runs again
 * once the one round trip is back, and takes the kept answer). undefined: waiting.
 */
export function rateLimit(
  x: RateExchange,
  policy: RateLimitingPolicy,
  consumerId: string | undefined,
  credentialId: string | undefined,
  serviceId: string,
  nowSeconds: number,
): RateDecision | undefined {
  const kept = x.rate;
  if (kept !== undefined && kept.policy === policy) return kept.decision;
  const d = policy.check(rateIdentifier(policy, x, consumerId, credentialId, serviceId), nowSeconds);
  if (!(d instanceof Promise)) return d;
  x.authWait = d.then((decision) => {
    x.rate = { policy, decision };
  });
  return undefined;
}

/** The decision's headers on a proxied response: they replace the upstream's of the same name, as Kong's set_header does. */
export const withRateHeaders = withSetHeaders;

/** The decision's headers on the gateway's refusal (Kong's error response carries them, Retry-After too). */
export function rateHeaderRecord(headers: ReadonlyArray<readonly [string, string]> | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [n, v] of headers) out[n] = v;
  return out;
}
