import { pickByKid } from './kid-selection.js';
import { isHmacAlgorithm } from '../../model/algorithms.js';
import type { JwtPluginConfig } from '../../model/jwt-config.js';
import type { AuthExplanation, ExplainCheck, ExplainedAuthOutcome, ExplainedConsumer, ExplainedCredential } from '../../model/explain.js';
import type { JwksKeySource } from '../../snapshot/jwks.js';
import type { AuthOutcome, AuthRequest, Consumer, Credential } from '../../snapshot/types.js';
import { decodeToken, ownClaim, type DecodedToken } from './decode.js';
import type { Rejection, RejectionSet } from './responses.js';
import { collectTokens, type TokenSourcePlan } from './token-sources.js';
import { locateTokens } from './token-locations.js';
import type { VerifiedToken } from './verified-token-cache.js';

/**
 * The pieces of one plugin instance that authenticate() runs, handed to explain so both take the
 * same decisions with the same functions (authenticator.ts builds it once per instance).
 */
export interface JwtExplainContext {
  pluginId: string;
  config: JwtPluginConfig;
  plan: TokenSourcePlan;
  rejections: RejectionSet;
  credentialsByKey: ReadonlyMap<string, Credential>;
  /** Decode, credential lookup, algorithm, signature: authenticate()'s uncached path. */
  verify(token: string): VerifiedToken | Rejection;
  /** exp / nbf / maximum_expiration, as on every request. */
  checkTime(verified: VerifiedToken, now: number): Rejection | undefined;
  /** Anonymous mode: what a failure becomes. */
  onFailure(rejection: Rejection): AuthOutcome;
}

/** The checks of verify(), in the order it runs them (docs/kong-compatibility.md#request-flow). */
const VERIFY_STEPS = ['decode', 'key_claim', 'credential', 'algorithm', 'key', 'signature'] as const;
type VerifyStep = (typeof VERIFY_STEPS)[number];

function stepOf(r: Rejection, set: RejectionSet): VerifyStep {
  if (r === set.invalidJson || r === set.invalidAlg || r === set.invalidSignatureEncoding) return 'decode';
  if (r === set.missingKeyClaim || r === set.invalidKeyClaim) return 'key_claim';
  if (r === set.unknownCredential || r === set.missingKid || r === set.invalidKid || r === set.unknownKid) return 'credential';
  if (r === set.algorithmMismatch) return 'algorithm';
  if (r === set.invalidKey || r === set.jwksUnavailable || r === set.jwksUnknownKid) return 'key';
  return 'signature';
}

/** The message of a Kong body ({"message": …} or the claim errors), for check details. */
function messageOf(r: Rejection): string {
  const body = JSON.parse(r.body) as Record<string, string>;
  return body.message ?? Object.entries(body).map(([k, v]) => `${k}: ${v}`).join(', ');
}

/**
 * authenticate() step by step (docs/explain.md): the verdict always comes from the instance's own
 * functions (collectTokens, verify, checkTime, onFailure); the details (where the token was, the
 * decoded header and claims, the lookup) from re-running the same pure helpers. Uses no cache
 * and touches no counter. Never records the token, its signature or any key material.
 */
export function explainJwt(ctx: JwtExplainContext, req: AuthRequest, now: number): AuthExplanation {
  const cfg = ctx.config;
  const checks: ExplainCheck[] = [];
  const explanation: AuthExplanation = {
    plugin: ctx.pluginId,
    looksIn: { query: [...cfg.uriParamNames], cookies: [...cfg.cookieNames], headers: [...cfg.headerNames] },
    tokensFound: [],
    checks,
    outcome: { kind: 'skipped' },
  };
  if (!cfg.runOnPreflight && req.method === 'OPTIONS') {
    checks.push({ check: 'run_on_preflight', result: 'skip', detail: 'OPTIONS and run_on_preflight is false: the plugin does not run' });
    return explanation;
  }

  const located = locateTokens(cfg, req.rawQuery, req.rawHeaders);
  explanation.tokensFound = located.map((l) => l.location);
  const collected = collectTokens(ctx.plan, req.rawQuery, req.rawHeaders);
  const set = ctx.rejections;
  const where = located.map((l) => `${l.location.source} ${l.location.name}${l.location.bare ? ' (no value)' : ''}`).join(', ');
  if (collected.kind !== 'one') {
    const rejection = collected.kind === 'none' ? set.noToken : collected.kind === 'multiple' ? set.multipleTokens : set.unrecognizableToken;
    const detail = collected.kind === 'none' ? 'no token in any place the plugin looks' : `found in: ${where}`;
    checks.push({ check: 'token', result: 'fail', detail, reason: rejection.reason });
    return finish(explanation, ctx, rejection);
  }
  checks.push({ check: 'token', result: 'pass', detail: `found in: ${where}` });

  const token = collected.token;
  const verified = ctx.verify(token);
  const decoded = decodeToken(token);
  if (typeof decoded !== 'string') explanation.token = { header: decoded.header, claims: decoded.payload };
  const failedStep = 'kind' in verified ? stepOf(verified, set) : undefined;
  const failedAt = failedStep === undefined ? VERIFY_STEPS.length : VERIFY_STEPS.indexOf(failedStep);
  const lookup = typeof decoded === 'string' ? undefined : lookupOf(decoded, cfg.keyClaimName, ctx.credentialsByKey);
  if (lookup !== undefined) explanation.lookup = lookup.view;

  VERIFY_STEPS.forEach((step, i) => {
    if (i > failedAt) {
      checks.push({ check: step, result: 'skip', detail: 'not reached' });
    } else if (i === failedAt) {
      const rejection = verified as Rejection;
      checks.push({ check: step, result: 'fail', detail: failDetail(step, rejection, decoded, lookup?.credential), reason: rejection.reason });
    } else {
      checks.push({ check: step, result: 'pass', detail: passDetail(step, decoded as DecodedToken, lookup!, cfg) });
    }
  });
  if ('kind' in verified) {
    for (const step of ['exp', 'nbf', 'maximum_expiration']) checks.push({ check: step, result: 'skip', detail: 'not reached' });
    return finish(explanation, ctx, verified);
  }

  checks.push(...timeChecks(cfg, verified, now));
  const late = ctx.checkTime(verified, now);
  if (late !== undefined) return finish(explanation, ctx, late);
  explanation.outcome = { kind: 'authenticated', consumer: consumerView(verified.credential.consumer), credential: credentialView(verified.credential) };
  return explanation;
}

interface Lookup {
  view: NonNullable<AuthExplanation['lookup']>;
  credential: Credential | undefined;
}

/** verify()'s key-claim lookup, for display: claims first, then the JOSE header (Lua's `claims[k] or header[k]`). */
function lookupOf(decoded: DecodedToken, keyClaim: string, byKey: ReadonlyMap<string, Credential>): Lookup {
  let value = ownClaim(decoded.payload, keyClaim);
  let foundIn: 'claims' | 'header' | undefined = 'claims';
  if (value === undefined || value === false) {
    value = ownClaim(decoded.header, keyClaim);
    foundIn = value === undefined || value === false ? undefined : 'header';
  }
  const view: Lookup['view'] = { keyClaim };
  if (foundIn !== undefined) {
    view.foundIn = foundIn;
    view.value = value;
  }
  const head = typeof value === 'string' && value !== '' ? byKey.get(value) : undefined;
  // A key shared by several credentials: the one the token's kid picks, as verify() does.
  const picked = head?.kidTable === undefined ? head : pickByKid(head.kidTable, decoded.header);
  const credential = typeof picked === 'string' ? undefined : picked;
  if (credential !== undefined) view.credential = credentialView(credential);
  return { view, credential };
}

function passDetail(step: VerifyStep, decoded: DecodedToken, lookup: Lookup, cfg: JwtPluginConfig): string {
  const c = lookup.credential!;
  switch (step) {
    case 'decode':
      return `a JWS with alg ${decoded.alg}`;
    case 'key_claim':
      return `${cfg.keyClaimName} = ${JSON.stringify(lookup.view.value)} (in the ${lookup.view.foundIn})`;
    case 'credential':
      return `credential ${c.id} of consumer ${c.consumer.username ?? c.consumer.id}`;
    case 'algorithm':
      return `token alg ${decoded.alg} is the credential's algorithm`;
    case 'key':
      if (c.jwks !== undefined) return jwksKeyDetail(decoded, c.jwks);
      return isHmacAlgorithm(c.algorithm) ? `HMAC secret${cfg.secretIsBase64 ? ' (base64-decoded: secret_is_base64)' : ''}` : `${c.publicKey?.asymmetricKeyType ?? 'public'} public key`;
    case 'signature':
      return 'verifies with the credential';
  }
}

function failDetail(step: VerifyStep, r: Rejection, decoded: DecodedToken | string, c: Credential | undefined): string {
  const message = messageOf(r);
  if (step === 'algorithm' && typeof decoded !== 'string' && c !== undefined) {
    return `${message}: token alg ${decoded.alg}, credential algorithm ${c.algorithm}`;
  }
  if (step === 'key' && c?.jwks !== undefined && typeof decoded !== 'string') {
    const keys = c.jwks.keys;
    if (keys === undefined) return c.jwks.problem === undefined ? message : `${message}: ${c.jwks.problem}`;
    const kid = ownClaim(decoded.header, 'kid');
    const known = [...keys.byKid.keys()].slice(0, 10).map((k) => JSON.stringify(k)).join(', ');
    return `${message}: ${typeof kid === 'string' ? `kid ${JSON.stringify(kid)}` : 'no kid'} with alg ${decoded.alg}; the key set has kids ${known || '(none)'}`;
  }
  return message;
}

/** The JWKS key a token's kid picked (docs/jwks.md#key-selection): its kid and type, never the key. */
function jwksKeyDetail(decoded: DecodedToken, jwks: JwksKeySource): string {
  const kid = ownClaim(decoded.header, 'kid');
  const entry = typeof kid === 'string' ? jwks.keys?.byKid.get(kid)?.find((k) => k.algorithms.has(decoded.alg)) : jwks.keys?.all.find((k) => k.algorithms.has(decoded.alg));
  return `JWKS key ${typeof kid === 'string' ? `kid ${JSON.stringify(kid)}` : '(no kid: the only key for the alg)'}${entry === undefined ? '' : ` (${entry.key.asymmetricKeyType} public key)`}`;
}

/** exp, nbf and maximum_expiration one by one (the plugin answers exp and nbf together, in one body). */
function timeChecks(cfg: JwtPluginConfig, v: VerifiedToken, now: number): ExplainCheck[] {
  const out: ExplainCheck[] = [];
  const claim = (name: 'exp' | 'nbf', value: number | undefined, ok: (n: number) => boolean, failReason: string, cmp: [string, string]) => {
    if (!cfg.claimsToVerify.includes(name)) return out.push({ check: name, result: 'skip', detail: 'not in claims_to_verify' });
    if (value === undefined) return out.push({ check: name, result: 'fail', detail: `${name} must be a number`, reason: 'invalid_claims' });
    return ok(value)
      ? out.push({ check: name, result: 'pass', detail: `${name} ${value} ${cmp[0]} now ${now}` })
      : out.push({ check: name, result: 'fail', detail: `${name} ${value} ${cmp[1]} now ${now}`, reason: failReason });
  };
  claim('exp', v.exp, (n) => n > now, 'expired', ['>', '<=']);
  claim('nbf', v.nbf, (n) => n <= now, 'not_yet_valid', ['<=', '>']);
  const max = cfg.maximumExpiration;
  if (max === 0) out.push({ check: 'maximum_expiration', result: 'skip', detail: 'maximum_expiration is 0 (no limit)' });
  else if (out.some((c) => c.result === 'fail')) out.push({ check: 'maximum_expiration', result: 'skip', detail: 'not reached' });
  else if (v.exp === undefined || v.exp - now > max) {
    out.push({ check: 'maximum_expiration', result: 'fail', detail: `exp is ${v.exp === undefined ? 'missing' : `${v.exp - now} s away`}, more than ${max} s`, reason: 'max_expiration' });
  } else out.push({ check: 'maximum_expiration', result: 'pass', detail: `exp is ${v.exp - now} s away, at most ${max} s` });
  return out;
}

/** The rejection through the instance's anonymous handling, as authenticate() ends. */
function finish(explanation: AuthExplanation, ctx: JwtExplainContext, rejection: Rejection): AuthExplanation {
  const outcome = ctx.onFailure(rejection);
  if (outcome.kind === 'anonymous') {
    explanation.checks.push({ check: 'anonymous', result: 'pass', detail: `authentication failed (${rejection.reason}); proxied as the anonymous consumer` });
    explanation.outcome = { kind: 'anonymous', consumer: consumerView(outcome.consumer), after: rejection.reason };
    return explanation;
  }
  const final = outcome as Rejection;
  if (final !== rejection) explanation.checks.push({ check: 'anonymous', result: 'fail', detail: messageOf(final), reason: final.reason });
  const out: ExplainedAuthOutcome = { kind: 'rejected', status: final.status, reason: final.reason, body: final.body };
  if (final.wwwAuthenticate !== undefined) out.wwwAuthenticate = final.wwwAuthenticate;
  explanation.outcome = out;
  return explanation;
}

export function consumerView(c: Consumer): ExplainedConsumer {
  const v: ExplainedConsumer = { id: c.id };
  if (c.username !== undefined) v.username = c.username;
  if (c.customId !== undefined) v.customId = c.customId;
  return v;
}

/** Identity only: never the secret, the key material or the source spec. */
export function credentialView(c: Credential): ExplainedCredential {
  const view: ExplainedCredential = { id: c.id, key: c.key, algorithm: c.algorithm, consumer: consumerView(c.consumer) };
  if (c.kid !== undefined) view.kid = c.kid;
  return view;
}
