import type { JwtPluginConfig } from '../model/jwt-config.js';
import { diagnostic, type Diagnostic } from '../model/diagnostics.js';
import type { HostPolicy } from '../model/host-policy.js';
import type { RouteSpec } from '../model/resources.js';
import { compileAcl } from '../plugins/acl/policy.js';
import { compileClaimsPolicy } from '../plugins/claims/policy.js';
import { compileCors } from '../plugins/cors/policy.js';
import { compileCorrelationId } from '../plugins/correlation-id/policy.js';
import { compileIpRestriction } from '../plugins/ip-restriction/policy.js';
import { compileRateLimiting } from '../plugins/rate-limiting/policy.js';
import { createJwtAuthenticator } from '../plugins/jwt/authenticator.js';
import { compileHeaderRegex, compileRouteRegex } from '../snapshot/router.js';
import type { AclPolicy, Authenticator, ClaimsPolicy, CompiledRoute, CorrelationIdPolicy, CorsPolicy, CredentialIndex, IpRestrictionPolicy, RateLimitingPolicy } from '../snapshot/types.js';
import { findConsumer, findConsumerByObjectName, type ConsumerTable } from './consumers.js';
import { HostPolicyCheck } from './host-policy.js';
import { describeObject, inPrecedenceOrder, isKubeObject } from './precedence.js';
import { RouteTies } from './route-ties.js';
import { UpstreamTable } from './upstreams.js';

/**
 * Routes → compiled routes, in precedence order (the router breaks exact priority ties by it).
 * A route with an invalid matcher, or an exact duplicate of an earlier route, is refused with a
 * diagnostic; a route whose jwt plugin is broken is kept but fails closed (500), never proxied
 * unauthenticated. Controller mode adds tenancy rules: a Route claiming a host the host policy
 * does not give its namespace is refused (HostNotAllowed), and so is a Route tying in the router
 * with an established one (RouteConflict) — the established one keeps its requests.
 */
export function buildRoutes(
  specs: readonly RouteSpec[],
  consumers: ConsumerTable,
  credentials: CredentialIndex,
  diagnostics: Diagnostic[],
  hostPolicy?: HostPolicy,
): CompiledRoute[] {
  const upstreams = new UpstreamTable();
  const authenticators = new Map<string, Authenticator>();
  const policies = new Map<string, ClaimsPolicy>();
  const ipPolicies = new Map<string, IpRestrictionPolicy>();
  const correlationPolicies = new Map<string, CorrelationIdPolicy>();
  const aclPolicies = new Map<string, AclPolicy>();
  const corsPolicies = new Map<string, CorsPolicy>();
  const ratePolicies = new Map<string, RateLimitingPolicy>();
  const matchers = new Map<string, RouteSpec>();
  const ties = new RouteTies();
  const policy = hostPolicy && hostPolicy.rules.length > 0 ? new HostPolicyCheck(hostPolicy) : undefined;
  const compiled: CompiledRoute[] = [];

  for (const spec of inPrecedenceOrder(specs)) {
    const regexError = firstRegexError(spec);
    if (regexError) {
      diagnostics.push(diagnostic('error', spec.ref, 'InvalidRegex', regexError.message, regexError.field));
      continue;
    }
    const kube = isKubeObject(spec);
    // Refused before conflicts are looked at: a Route the policy refuses claims nothing.
    const denied = kube ? policy?.check(spec) : undefined;
    if (denied) {
      diagnostics.push(denied);
      continue;
    }
    const signature = matcherSignature(spec);
    const duplicated = matchers.get(signature);
    const earlier = duplicated ?? (kube ? ties.claim(spec) : undefined);
    if (earlier) {
      const exactly = duplicated !== undefined;
      const message = `matches ${exactly ? 'exactly the same' : 'some of the same'} requests as ${describeObject(earlier.ref)}, which takes precedence${
        kube ? ' (the older Route wins: creationTimestamp, then namespace/name)' : ''
      }`;
      diagnostics.push(diagnostic('error', spec.ref, 'RouteConflict', message, spec.field));
      continue;
    }
    matchers.set(signature, spec);

    const route: CompiledRoute = {
      id: spec.id ?? spec.name,
      name: spec.name,
      spec,
      upstream: upstreams.forRoute(spec),
      label: spec.scope ? `${spec.scope}/${spec.name}` : spec.name,
    };
    // Kong's access phase: https without http answers plaintext with 426 or a redirect.
    if (spec.protocols.includes('https') && !spec.protocols.includes('http')) route.httpsRedirect = spec.httpsRedirectStatusCode ?? 426;
    // Kong's access phase again: a gRPC route answers what is not gRPC over HTTP/2 (proxy/grpc-route.ts).
    if (spec.protocols.length > 0 && spec.protocols.every((p) => p === 'grpc' || p === 'grpcs')) route.grpcOnly = { tlsOnly: !spec.protocols.includes('grpc') };
    if (spec.pluginError !== undefined) {
      route.pluginError = spec.pluginError;
    } else if (spec.claims !== undefined && spec.jwt === undefined) {
      // Sources report this (ClaimsWithoutJwt); never authorize without a verified token.
      route.pluginError = `jwt-claims plugin ${spec.claims.id} applies without a jwt plugin`;
    } else if (spec.jwt) {
      route.auth = authenticatorFor(spec, authenticators, consumers, credentials);
      if (spec.claims !== undefined) route.claims = claimsPolicyFor(spec, policies);
    }
    // Kong's ip-restriction and correlation-id: compiled once per instance and scope (docs/ip-restriction.md, docs/correlation-id.md).
    if (spec.pluginError === undefined) {
      const ip = spec.ipRestriction;
      if (ip !== undefined) route.ipRestriction = cached(ipPolicies, `${spec.scope}\u0000${ip.id}`, () => compileIpRestriction(ip.id, ip.config));
      const cid = spec.correlationId;
      if (cid !== undefined) route.correlationId = cached(correlationPolicies, `${spec.scope}\u0000${cid.id}`, () => compileCorrelationId(cid.id, cid.config));
      // Kong's acl and cors (docs/acl.md, docs/cors.md), the same way.
      const acl = spec.acl;
      if (acl !== undefined) route.acl = cached(aclPolicies, `${spec.scope}\u0000${acl.id}`, () => compileAcl(acl.id, acl.config));
      const cors = spec.cors;
      if (cors !== undefined) route.cors = cached(corsPolicies, `${spec.scope}\u0000${cors.id}`, () => compileCors(cors.id, cors.config));
      const rl = spec.rateLimiting;
      if (rl !== undefined) route.rateLimiting = cached(ratePolicies, `${spec.scope}\u0000${rl.id}`, () => compileRateLimiting(rl.id, rl.counterScope, rl.config));
      const byConsumer = spec.rateLimitingByConsumer;
      if (byConsumer !== undefined) {
        const map = consumerRatePolicies(spec, byConsumer, consumers, ratePolicies);
        if (map.size > 0) route.rateLimitingByConsumer = map;
      }
    }
    compiled.push(route);
  }
  return compiled;
}

/**
 * A route's consumer-scoped rate-limiting instances by consumer id (docs/rate-limiting.md#consumers):
 * the request's consumer is looked up once in this map. A consumer that does not resolve (refused,
 * or missing) is left out: nobody authenticates as it.
 */
function consumerRatePolicies(
  spec: RouteSpec,
  entries: NonNullable<RouteSpec['rateLimitingByConsumer']>,
  consumers: ConsumerTable,
  ratePolicies: Map<string, RateLimitingPolicy>,
): Map<string, RateLimitingPolicy> {
  const map = new Map<string, RateLimitingPolicy>();
  for (const rl of entries) {
    const consumer = rl.consumerRefKind === 'object-name'
      ? findConsumerByObjectName(consumers, spec.scope, rl.consumerRef)
      : findConsumer(consumers, spec.scope, rl.consumerRef);
    if (consumer === undefined) continue;
    map.set(consumer.id, cached(ratePolicies, `${spec.scope}\u0000${rl.id}`, () => compileRateLimiting(rl.id, rl.counterScope, rl.config)));
  }
  return map;
}

/**
 * Routes built before from the same specs, consumers and host policy, with their jwt plugin
 * instances made again on a new credential index (translate/build-reuse.ts): what buildRoutes
 * would give, without re-checking matchers, conflicts and upstreams.
 */
export function relinkRoutes(routes: readonly CompiledRoute[], consumers: ConsumerTable, credentials: CredentialIndex): CompiledRoute[] {
  const authenticators = new Map<string, Authenticator>();
  return routes.map((r) => (r.auth === undefined ? r : { ...r, auth: authenticatorFor(r.spec, authenticators, consumers, credentials) }));
}

/** Whether every route's jwt `anonymous` (and consumer-scoped rate-limiting) names the same consumer object in both tables. */
export function anonymousConsumersUnchanged(specs: readonly RouteSpec[], before: ConsumerTable, after: ConsumerTable): boolean {
  if (before === after) return true;
  for (const spec of specs) {
    for (const rl of spec.rateLimitingByConsumer ?? []) {
      const find = (t: ConsumerTable) =>
        rl.consumerRefKind === 'object-name' ? findConsumerByObjectName(t, spec.scope, rl.consumerRef) : findConsumer(t, spec.scope, rl.consumerRef);
      if (find(before) !== find(after)) return false;
    }
    const name = spec.jwt?.config.anonymous;
    if (name === undefined) continue;
    const find = (t: ConsumerTable) =>
      spec.jwt!.anonymousRefKind === 'object-name' ? findConsumerByObjectName(t, spec.scope, name) : findConsumer(t, spec.scope, name);
    if (find(before) !== find(after)) return false;
  }
  return true;
}

/** One authenticator (and so one token cache) per plugin instance and scope. */
function authenticatorFor(
  spec: RouteSpec,
  cache: Map<string, Authenticator>,
  consumers: ConsumerTable,
  credentials: CredentialIndex,
): Authenticator {
  // An instance a jwt-claims plugin runs after keeps the verified payload; the others stay as they were.
  return jwtAuthenticator(cache, spec.scope, spec.jwt!, spec.claims !== undefined, consumers, credentials);
}

/**
 * One jwt plugin instance per (scope, plugin id[, claims kept]) of a snapshot, shared by every
 * route it applies to: Route CRs and kong.yml routes here, HTTPRoute rules in gateway-rules.ts.
 */
export function jwtAuthenticator(
  cache: Map<string, Authenticator>,
  scope: string,
  jwt: { id: string; config: JwtPluginConfig; anonymousRefKind?: 'username-or-id' | 'object-name' },
  retainClaims: boolean,
  consumers: ConsumerTable,
  credentials: CredentialIndex,
): Authenticator {
  const key = `${scope}\u0000${jwt.id}${retainClaims ? '\u0000claims' : ''}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const anonymousName = jwt.config.anonymous;
  const auth = createJwtAuthenticator({
    pluginId: jwt.id,
    config: jwt.config,
    credentialsByKey: credentials.byKey,
    ...(retainClaims && { retainClaims }),
    ...(anonymousName !== undefined && {
      anonymous:
        (jwt.anonymousRefKind === 'object-name'
          ? findConsumerByObjectName(consumers, scope, anonymousName)
          : findConsumer(consumers, scope, anonymousName)) ?? { missing: anonymousName },
    }),
  });
  cache.set(key, auth);
  return auth;
}

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    cache.set(key, v);
  }
  return v;
}

/** One compiled jwt-claims policy per plugin instance and scope. */
function claimsPolicyFor(spec: RouteSpec, cache: Map<string, ClaimsPolicy>): ClaimsPolicy {
  const claims = spec.claims!;
  const key = `${spec.scope}\u0000${claims.id}`;
  let policy = cache.get(key);
  if (policy === undefined) {
    policy = compileClaimsPolicy(claims.id, claims.config);
    cache.set(key, policy);
  }
  return policy;
}

/** A path or header regex the linear-time engine cannot compile (syntax, backreference, lookaround). */
function firstRegexError(spec: RouteSpec): { field: string; message: string } | undefined {
  for (const [i, path] of spec.paths.entries()) {
    if (!path.startsWith('~')) continue;
    const result = compileRouteRegex(path);
    if ('error' in result) return { field: `paths[${i}]`, message: `invalid regex: ${result.error}` };
  }
  for (const h of spec.headers) {
    for (const [j, value] of h.values.entries()) {
      if (!value.startsWith('~*')) continue;
      const result = compileHeaderRegex(value);
      if ('error' in result) return { field: `headers.${h.name}[${j}]`, message: `invalid regex: ${result.error}` };
    }
  }
  return undefined;
}

function matcherSignature(spec: RouteSpec): string {
  const sorted = (xs: readonly string[]) => [...xs].sort().join('\u0001');
  return [
    spec.scope === '' ? '' : 'k8s',
    sorted(spec.hosts.map((h) => h.toLowerCase())),
    sorted(spec.paths),
    sorted(spec.methods),
    sorted(spec.headers.map((h) => `${h.name}=${sorted(h.values)}`)),
    sorted(spec.protocols),
  ].join('\u0002');
}
