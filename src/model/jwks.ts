import type { JwtAlgorithm } from './algorithms.js';

/**
 * A credential whose public keys come from a JWKS (docs/jwks.md): a URL, an OIDC issuer
 * (discovery), or an inline JWKS (kong.yml text, a Secret). Sources resolve references (CA
 * certificates, Secrets) into this; the runtime's JWKS registry fetches and caches by it.
 */
export interface JwksSpec {
  /** Exactly one of url, issuer, inline. */
  url?: string;
  /** OIDC issuer: its /.well-known/openid-configuration names the jwks_uri. */
  issuer?: string;
  /** A JWKS document as JSON text (kong.yml `keys`, or a Secret's value). */
  inline?: string;
  /** The field diagnostics name for the source ("jwks.url", "spec.jwks.issuer", ...). */
  field: string;
  /** Algorithms a token may use; each key is also checked to fit the token's (docs/jwks.md#algorithms). */
  algorithms: JwtAlgorithm[];
  /** Trusted CAs (PEM) for https fetches; undefined = the system roots. */
  caCertificates?: string[];
  timing: JwksTiming;
}

/** Cache and fetch bounds (docs/jwks.md#bounds). Seconds unless named otherwise. */
export interface JwksTiming {
  /** TTL when the response has no usable Cache-Control max-age. */
  cacheTtlSeconds: number;
  /** A Cache-Control max-age is clamped into [min, max]. */
  minTtlSeconds: number;
  maxTtlSeconds: number;
  /** The last good key set is used at most this long after it was fetched; then tokens are refused. */
  maxStaleSeconds: number;
  /** At most one refetch per provider (and process) for unknown kids in this interval. */
  refetchIntervalSeconds: number;
  timeoutMs: number;
  maxBytes: number;
}

/** Defaults and [min, max] of each timing field: one table for kong.yml, the CRD and the docs. */
export const JWKS_TIMING_BOUNDS: Readonly<Record<keyof JwksTiming, { default: number; min: number; max: number }>> = Object.freeze({
  cacheTtlSeconds: { default: 300, min: 1, max: 86_400 },
  minTtlSeconds: { default: 60, min: 1, max: 86_400 },
  maxTtlSeconds: { default: 3_600, min: 1, max: 604_800 },
  maxStaleSeconds: { default: 86_400, min: 1, max: 2_592_000 },
  refetchIntervalSeconds: { default: 10, min: 1, max: 3_600 },
  timeoutMs: { default: 5_000, min: 100, max: 60_000 },
  maxBytes: { default: 262_144, min: 1_024, max: 4_194_304 },
});

/** kong.yml's snake_case names of the timing fields. */
export const JWKS_TIMING_KONG_NAMES: Readonly<Record<keyof JwksTiming, string>> = Object.freeze({
  cacheTtlSeconds: 'cache_ttl',
  minTtlSeconds: 'min_ttl',
  maxTtlSeconds: 'max_ttl',
  maxStaleSeconds: 'max_stale',
  refetchIntervalSeconds: 'refetch_interval',
  timeoutMs: 'timeout',
  maxBytes: 'max_bytes',
});

export function defaultJwksTiming(): JwksTiming {
  const out = {} as JwksTiming;
  for (const k of Object.keys(JWKS_TIMING_BOUNDS) as Array<keyof JwksTiming>) out[k] = JWKS_TIMING_BOUNDS[k].default;
  return out;
}

/** Why a timing is inconsistent (min above max, ttl outside them), or undefined. */
export function jwksTimingProblem(t: JwksTiming): { field: keyof JwksTiming; message: string } | undefined {
  if (t.minTtlSeconds > t.maxTtlSeconds) return { field: 'minTtlSeconds', message: 'must not be above the maximum TTL' };
  if (t.cacheTtlSeconds < t.minTtlSeconds || t.cacheTtlSeconds > t.maxTtlSeconds) {
    return { field: 'cacheTtlSeconds', message: 'must be between the minimum and the maximum TTL' };
  }
  return undefined;
}

/** What a JWKS URL or issuer must look like: http(s), a host, no fragment (http only with --jwks-allow-http). */
export function jwksUrlProblem(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be an https:// URL';
  if (u.hash !== '') return 'must not have a fragment';
  if (u.username !== '' || u.password !== '') return 'must not carry credentials';
  return undefined;
}
