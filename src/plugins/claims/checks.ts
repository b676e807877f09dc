import type { ClaimMatcher, JwtClaimsConfig } from '../../model/jwt-claims-config.js';
import type { ClaimCheckResult, Claims, ClaimsRejection } from '../../snapshot/types.js';
import { compileClaimPath } from './paths.js';

/** Which requirement of the config a check enforces. */
export type ClaimCheckKind = ClaimCheckResult['kind'];

/** One requirement, compiled once per plugin instance; `test` runs per request. */
export interface ClaimCheck {
  readonly kind: ClaimCheckKind;
  /** The config field it comes from, camelCase as in the Route CRD: "audiences", "scopes", "claims[2]". */
  readonly field: string;
  /** What the client gets when it fails (authenticated requests). */
  readonly rejection: ClaimsRejection;
  test(claims: Claims): boolean;
}

const rejection = (message: string, reason: string): ClaimsRejection =>
  Object.freeze({ status: 403, body: JSON.stringify({ message }), reason });

/**
 * Fixed messages, one per kind of check (docs/claims.md#responses): they name the requirement,
 * never a value from the token. An anonymous request gets Kong's acl plugin answer.
 */
export const CLAIM_REJECTIONS = {
  audience: rejection('Token audience is not allowed', 'claims_audience'),
  issuer: rejection('Token issuer is not allowed', 'claims_issuer'),
  scope: rejection('Token lacks a required scope', 'claims_scope'),
  anonymous: rejection('You cannot consume this service', 'claims_anonymous'),
} as const;

const claimRejection = (path: string): ClaimsRejection => rejection(`Token claim '${path}' does not match`, 'claims_claim');

const hasOwn = Object.hasOwn;
const own = (claims: Claims, name: string): unknown => (hasOwn(claims, name) ? claims[name] : undefined);

/**
 * A claim compared as text: strings as they are, numbers and booleans as their JSON text;
 * undefined for anything else (objects, arrays, null never equal a configured string).
 */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  return undefined;
}

/** `word` is one of the space-separated entries of `list` (RFC 6749 §3.3 scope syntax), without splitting. */
export function spaceListHas(list: string, word: string): boolean {
  let from = 0;
  for (;;) {
    const i = list.indexOf(word, from);
    if (i === -1) return false;
    const end = i + word.length;
    if ((i === 0 || list.charCodeAt(i - 1) === 0x20) && (end === list.length || list.charCodeAt(end) === 0x20)) return true;
    from = i + 1;
  }
}

/** Granted by `scope` (space-separated) or `scp` (an array of strings, or space-separated as Entra ID sends it). */
export function grantsScope(claims: Claims, scope: string): boolean {
  const s = own(claims, 'scope');
  if (typeof s === 'string' && spaceListHas(s, scope)) return true;
  const scp = own(claims, 'scp');
  if (typeof scp === 'string') return spaceListHas(scp, scope);
  return Array.isArray(scp) && scp.includes(scope);
}

/** The array elements a contains matcher looks at: a scalar claim counts as a one-element array. */
function elements(v: unknown): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v;
  return scalarText(v) === undefined ? undefined : [v];
}

function matcherTest(m: ClaimMatcher): (claims: Claims) => boolean {
  const read = compileClaimPath(m.path);
  if (m.equals !== undefined) {
    const want = m.equals;
    return (c) => scalarText(read(c)) === want;
  }
  if (m.oneOf !== undefined) {
    const want = new Set(m.oneOf);
    return (c) => {
      const t = scalarText(read(c));
      return t !== undefined && want.has(t);
    };
  }
  if (m.contains !== undefined) {
    const want = m.contains;
    return (c) => elements(read(c))?.some((e) => scalarText(e) === want) === true;
  }
  const want = new Set(m.containsAny);
  return (c) =>
    elements(read(c))?.some((e) => {
      const t = scalarText(e);
      return t !== undefined && want.has(t);
    }) === true;
}

/**
 * The config's checks, in the order they run: audiences, issuers, scopes, then each claim matcher.
 * All of them must pass (all-of); within audiences, issuers, oneOf and containsAny any value does
 * (any-of); every listed scope is required (docs/claims.md#semantics).
 */
export function compileChecks(config: JwtClaimsConfig): ClaimCheck[] {
  const checks: ClaimCheck[] = [];
  if (config.audiences !== undefined) {
    const want = new Set(config.audiences);
    checks.push({
      kind: 'audience',
      field: 'audiences',
      rejection: CLAIM_REJECTIONS.audience,
      test: (c) => {
        const aud = own(c, 'aud');
        if (typeof aud === 'string') return want.has(aud);
        return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && want.has(a));
      },
    });
  }
  if (config.issuers !== undefined) {
    const want = new Set(config.issuers);
    checks.push({
      kind: 'issuer',
      field: 'issuers',
      rejection: CLAIM_REJECTIONS.issuer,
      test: (c) => {
        const iss = own(c, 'iss');
        return typeof iss === 'string' && want.has(iss);
      },
    });
  }
  if (config.scopes !== undefined) {
    const want = config.scopes;
    checks.push({ kind: 'scope', field: 'scopes', rejection: CLAIM_REJECTIONS.scope, test: (c) => want.every((s) => grantsScope(c, s)) });
  }
  (config.claims ?? []).forEach((m, i) => {
    checks.push({ kind: 'claim', field: `claims[${i}]`, rejection: claimRejection(m.path), test: matcherTest(m) });
  });
  return checks;
}
