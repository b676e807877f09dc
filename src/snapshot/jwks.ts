import type { KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../model/algorithms.js';
import type { ObjectRef } from '../model/diagnostics.js';
import type { JwksSpec } from '../model/jwks.js';

// The narrow interface between a snapshot's JWKS credentials and the runtime's registry that
// fetches and caches key sets across snapshot builds (docs/jwks.md, docs/architecture.md#layers):
// declared here, implemented in src/runtime/jwks-registry.ts, read by src/plugins/jwt.

/** One imported JWK: a KeyObject already checked to fit each algorithm in `algorithms`. */
export interface JwksKey {
  readonly key: KeyObject;
  readonly kid: string | undefined;
  readonly algorithms: ReadonlySet<JwtAlgorithm>;
}

/**
 * One version of a provider's keys, immutable. A refetch with the same content keeps the same
 * object, so verified-token cache entries (which remember it) stay valid.
 */
export interface JwksKeySet {
  /** Keys by kid (a kid shared by several keys: all of them, in document order). */
  readonly byKid: ReadonlyMap<string, readonly JwksKey[]>;
  /** Every key, in document order (tokens without kid: used only when exactly one fits). */
  readonly all: readonly JwksKey[];
}

/** A provider's keys as the hot path sees them: a field read, never I/O. */
export interface JwksKeySource {
  /** The usable key set; undefined before the first fetch and once the last good one is older than maxStale. */
  readonly keys: JwksKeySet | undefined;
  /** Algorithms this source verifies (the credential's allowed ones). */
  readonly algorithms: ReadonlySet<JwtAlgorithm>;
  /** Why the last fetch or import failed (explain shows it; never key material). */
  readonly problem?: string | undefined;
  /**
   * A token named a kid the key set lacks (or there is no key set): the fetch in flight, or a new
   * one when the rate limit allows (docs/jwks.md#unknown-kid); undefined = none now, refuse.
   * The promise never rejects.
   */
  refetch(): Promise<void> | undefined;
}

/** What translate asks for each JWKS credential: the shared source for its settings. */
export interface JwksSources {
  source(spec: JwksSpec, owner: ObjectRef): JwksKeySource;
}
