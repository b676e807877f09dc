import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import type { RateLimitingConfig, RateLimitingCrConfig } from '../../model/rate-limiting-config.js';
import { readSecretValue } from './secrets.js';
import type { SecretObject } from './types.js';

/**
 * A Route's spec.plugins.rateLimiting with its Redis password read from the named Secret
 * (docs/rate-limiting.md#controller-mode). undefined (with a diagnostic naming the field, never the
 * value) when the Secret or key is missing: the Route then fails closed.
 */
export function rateLimitingFromCr(
  cr: RateLimitingCrConfig,
  ref: ObjectRef,
  secrets: ReadonlyMap<string, SecretObject>,
  diagnostics: Diagnostic[],
  /** Where it is in the Route (a per-consumer limit is under spec.plugins.rateLimitingByConsumer[i]). */
  field = 'spec.plugins.rateLimiting',
): RateLimitingConfig | undefined {
  const { redis, ...rest } = cr;
  if (redis === undefined) return rest;
  const { passwordSecretRef, ...conn } = redis;
  if (passwordSecretRef === undefined) return { ...rest, redis: conn };
  const secret = readSecretValue(secrets, ref.namespace!, passwordSecretRef.name, passwordSecretRef.key);
  if (!secret.ok) {
    const at = `${field}.redis.passwordSecretRef.${secret.reason === 'SecretNotFound' ? 'name' : 'key'}`;
    diagnostics.push(diagnostic('error', ref, secret.reason, `${secret.message}; the Route answers 500 until it is fixed`, at));
    return undefined;
  }
  return { ...rest, redis: { ...conn, password: secret.value.toString('utf8') } };
}
