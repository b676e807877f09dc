import type { JwtClaimsConfig } from '../../model/jwt-claims-config.js';
import type { ClaimCheckResult, Claims, ClaimsPolicy, ClaimsRejection } from '../../snapshot/types.js';
import { CLAIM_REJECTIONS, compileChecks, type ClaimCheck } from './checks.js';
import { claimHeaderValue } from './header-values.js';
import { compileClaimPath, type ClaimReader } from './paths.js';

/** One claim → header mapping, compiled. */
interface HeaderMapping {
  /** Lower-cased: HTTP/2 upstreams (gRPC) require it, HTTP/1.1 ones do not care. */
  readonly name: string;
  readonly read: ClaimReader;
  readonly arrays: 'join' | 'json';
  readonly separator: string;
}

/** The compiled plugin instance, with its checks for explain (docs/claims.md). */
export interface CompiledClaimsPolicy extends ClaimsPolicy {
  readonly checks: readonly ClaimCheck[];
  /** Lower-cased header names this instance sets (the snapshot strips them from every request). */
  readonly headerNames: readonly string[];
}

/**
 * Every check of `policy` evaluated on `claims` (undefined: an anonymous request, which fails
 * them all with Kong's acl answer). The request path runs the same `test` functions through
 * policy.authorize, stopping at the first failure.
 */
export function evaluateClaimChecks(policy: Pick<CompiledClaimsPolicy, 'checks'>, claims: Claims | undefined): ClaimCheckResult[] {
  return policy.checks.map((check) => {
    const pass = claims !== undefined && check.test(claims);
    const r = claims === undefined ? CLAIM_REJECTIONS.anonymous : check.rejection;
    return { kind: check.kind, field: check.field, pass, status: r.status, body: r.body, reason: r.reason };
  });
}

/** Compiles one jwt-claims plugin instance, once per snapshot. */
export function compileClaimsPolicy(pluginId: string, config: JwtClaimsConfig): CompiledClaimsPolicy {
  const checks = compileChecks(config);
  const mappings: HeaderMapping[] = (config.headers ?? []).map((h) => ({
    name: h.header.toLowerCase(),
    read: compileClaimPath(h.claim),
    arrays: h.arrays,
    separator: h.separator,
  }));
  const anyCheck = checks.length > 0;
  return {
    pluginId,
    config,
    checks,
    evaluate: (claims) => evaluateClaimChecks({ checks }, claims),
    headerNames: mappings.map((m) => m.name),
    authorize(claims: Claims | undefined): ClaimsRejection | undefined {
      if (!anyCheck) return undefined;
      if (claims === undefined) return CLAIM_REJECTIONS.anonymous;
      for (const check of checks) if (!check.test(claims)) return check.rejection;
      return undefined;
    },
    appendHeaders(claims: Claims, out: string[]): void {
      for (const m of mappings) {
        const v = claimHeaderValue(m.read(claims), m.arrays, m.separator);
        if (v !== undefined) out.push(m.name, v);
      }
    },
  };
}
