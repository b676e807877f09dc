import { jwtCredentialSpecSchema, kongConsumerSpecSchema, routeSpecSchema, type JwtCredentialSpec, type RouteCrdSpec } from '../../model/crds.js';
import { resolveJwks } from './jwks.js';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import type { HostPolicy } from '../../model/host-policy.js';
import type { IngressSettings } from '../../model/ingress.js';
import type { BackendSpec, CertificateSpec, ConsumerSpec, CredentialSpec, RateLimitingForConsumer, ResourceSet, RouteSpec, ServiceInfo, UpstreamProtocol } from '../../model/resources.js';
import { resolveBackendTls } from './backend-tls.js';
import { resolveServiceEndpoints } from './endpoints.js';
import { ingressResources } from './ingress.js';
import { kubeId } from './ids.js';
import { readSecretValue } from './secrets.js';
import { rateLimitingFromCr } from './rate-limiting.js';
import { protocolOfPort } from './service-protocol.js';
import { routeCertificates } from './tls-certificates.js';
import type { CustomObject, ToResourceSetInput } from './types.js';
import { objectRefOf, validateCustomObject } from './validate-object.js';
import type { ConversionMemo } from './conversion-memo.js';
import { internTime } from './intern.js';

export type { ToResourceSetInput } from './types.js';

/** Kong's service defaults (docs/kong-compatibility.md#kongyml); CRs have no fields for them yet. */
const SERVICE_DEFAULTS = { connectTimeoutMs: 60_000, readTimeoutMs: 60_000, writeTimeoutMs: 60_000, retries: 5 } as const;

/**
 * PURE: the watched Kubernetes objects → the translator's ResourceSet. Each CR is validated with
 * the same zod schemas the CRDs are generated from; an invalid object becomes diagnostics and is
 * left out. Secret values and Service endpoints are resolved here; cross-CR references
 * (consumerRef, key conflicts) are the translator's job. Output is sorted by namespace/name so
 * the snapshot hash does not depend on informer order.
 */
export function toResourceSet(
  input: ToResourceSetInput,
  opts: { hostPolicy?: HostPolicy; ingress?: IngressSettings; memo?: ConversionMemo } = {},
): ResourceSet {
  const diagnostics: Diagnostic[] = [];
  // With a memo (the controller), unchanged objects give back their previous spec (conversion-memo.ts).
  const memo = opts.memo;
  const convert = <R>(o: CustomObject, fn: (input: ToResourceSetInput, diagnostics: Diagnostic[]) => R): R =>
    memo === undefined ? fn(input, diagnostics) : memo.convert(o, input, diagnostics, fn);
  const consumers = sortByRef(input.consumers)
    .map((o) => convert(o, (_, d) => toConsumer(o, d)))
    .filter((c): c is ConsumerSpec => c !== undefined);
  const credentials = sortByRef(input.credentials)
    .map((o) => convert(o, (inp, d) => toCredential(o, inp, d)))
    .filter((c): c is CredentialSpec => c !== undefined);
  const certificates: CertificateSpec[] = [];
  const routes: RouteSpec[] = [];
  for (const o of sortByRef(input.routes)) {
    const r = convert(o, (inp, d) => {
      const certs: CertificateSpec[] = [];
      return { route: toRoute(o, inp, d, certs), certs };
    });
    certificates.push(...r.certs);
    if (r.route !== undefined) routes.push(r.route);
  }
  // Ingresses only when watched (--ingress): docs/ingress.md.
  if (input.ingresses !== undefined && opts.ingress !== undefined) {
    const ing = ingressResources({ ...input, ingresses: input.ingresses, ingressClasses: input.ingressClasses ?? [] }, opts.ingress, diagnostics);
    routes.push(...ing.routes);
    certificates.push(...ing.certificates);
  }
  const resources: ResourceSet = { consumers, credentials, routes, diagnostics };
  // Left out when empty: a cluster without TLS Routes hashes as before.
  if (certificates.length > 0) resources.certificates = certificates;
  if (opts.hostPolicy !== undefined) resources.hostPolicy = opts.hostPolicy;
  return resources;
}

/**
 * Keys are computed once per object (not twice per comparison), and input that is already in order
 * (the watch cache hands it over sorted) is returned as is: at 10k objects the comparator's
 * throwaway strings were a large share of each rebuild's garbage.
 */
function sortByRef<T extends CustomObject>(objs: readonly T[]): readonly T[] {
  const keys = objs.map((o) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`);
  let ordered = true;
  for (let i = 1; i < keys.length && ordered; i++) ordered = keys[i - 1]! <= keys[i]!;
  if (ordered) return objs;
  const idx = keys.map((_, i) => i);
  // Stable, as Array.prototype.sort is: equal keys keep their input order.
  idx.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  return idx.map((i) => objs[i]!);
}

function toConsumer(obj: CustomObject, diagnostics: Diagnostic[]): ConsumerSpec | undefined {
  const ref = objectRefOf('KongConsumer', obj);
  const v = validateCustomObject(kongConsumerSpecSchema, ref, obj);
  if (!v.ok) return void diagnostics.push(...v.diagnostics);
  const c: ConsumerSpec = { ref, scope: ref.namespace!, tags: [] };
  if (v.value.username !== undefined) c.username = v.value.username;
  if (v.value.customId !== undefined) c.customId = v.value.customId;
  // docs/acl.md#groups; duplicates count once.
  if (v.value.groups !== undefined && v.value.groups.length > 0) c.groups = [...new Set(v.value.groups)];
  return c;
}

function toCredential(obj: CustomObject, input: ToResourceSetInput, diagnostics: Diagnostic[]): CredentialSpec | undefined {
  const ref = objectRefOf('JwtCredential', obj);
  const v = validateCustomObject(jwtCredentialSpecSchema, ref, obj);
  if (!v.ok) return void diagnostics.push(...v.diagnostics);
  const spec = v.value;
  if (spec.jwks !== undefined) return jwksCredential(obj, ref, spec, input, diagnostics);
  const hmac = spec.algorithm.startsWith('HS');
  // The schema guarantees exactly the matching ref is present.
  const field = hmac ? 'secretRef' : 'publicKeyRef';
  const secretRef = (hmac ? spec.secretRef : spec.publicKeyRef)!;
  const secret = readSecretValue(input.secrets, ref.namespace!, secretRef.name, secretRef.key);
  if (!secret.ok) {
    diagnostics.push(diagnostic('error', ref, secret.reason, secret.message, `spec.${field}.${secret.reason === 'SecretNotFound' ? 'name' : 'key'}`));
    return undefined;
  }
  const c = credentialOf(obj, ref, spec, spec.algorithm);
  if (spec.kid !== undefined) c.kid = spec.kid;
  // HMAC keys are bytes, used as stored; a PEM is text.
  if (hmac) c.secret = secret.value;
  else c.rsaPublicKey = secret.value.toString('utf8');
  return c;
}

/** docs/jwks.md: keys from a JWKS instead of a key reference. */
function jwksCredential(obj: CustomObject, ref: ObjectRef, spec: JwtCredentialSpec, input: ToResourceSetInput, diagnostics: Diagnostic[]): CredentialSpec | undefined {
  const jwks = resolveJwks(spec, ref, input.secrets, diagnostics);
  if (jwks === undefined) return undefined;
  const c = credentialOf(obj, ref, spec, jwks.algorithms[0]!);
  c.jwks = jwks;
  return c;
}

/** What every JwtCredential's CredentialSpec has, whatever holds its keys (a Secret, a JWKS). */
function credentialOf(obj: CustomObject, ref: ObjectRef, spec: JwtCredentialSpec, algorithm: CredentialSpec['algorithm']): CredentialSpec {
  const c: CredentialSpec = { ref, scope: ref.namespace!, consumerRef: spec.consumerRef.name, consumerRefKind: 'object-name', key: spec.key, algorithm, tags: [] };
  const createdAt = creationTime(obj);
  if (createdAt !== undefined) c.createdAt = createdAt;
  return c;
}

/** spec.plugins keys whose broken config keeps the Route, failing closed. */
const PLUGIN_KEYS: ReadonlySet<string> = new Set(['jwt', 'jwtClaims', 'ipRestriction', 'correlationId', 'acl', 'cors', 'rateLimiting', 'rateLimitingByConsumer']);

function toRoute(
  obj: CustomObject,
  input: ToResourceSetInput,
  diagnostics: Diagnostic[],
  certificates: CertificateSpec[],
): RouteSpec | undefined {
  const ref = objectRefOf('Route', obj);
  let spec: RouteCrdSpec;
  let pluginError: string | undefined;
  const v = validateCustomObject(routeSpecSchema, ref, obj);
  if (v.ok) {
    spec = v.value;
  } else {
    // A broken plugin config (jwt, jwtClaims) must not drop the route (a broader public route
    // could then match its paths): keep the route and let it fail closed with a 500
    // (docs/architecture.md: auth fails closed).
    const rest = pluginsOnlyFailure(obj) ? routeSpecSchema.safeParse(withoutPlugins(obj.spec)) : undefined;
    if (!rest?.success) return void diagnostics.push(...v.diagnostics);
    diagnostics.push(...v.diagnostics);
    spec = rest.data;
    const which = (['jwtClaims', 'ipRestriction', 'correlationId', 'acl', 'cors', 'rateLimitingByConsumer', 'rateLimiting'] as const).find((p) => v.diagnostics.every((d) => d.field?.startsWith(`spec.plugins.${p}`) === true)) ?? 'jwt';
    pluginError = `${which} plugin configuration of Route ${ref.namespace}/${ref.name} is invalid`;
  }
  const ns = ref.namespace!;
  const target = toBackend(ref, spec, input, diagnostics);
  if (!target) return undefined;
  const { backend, service } = target;
  const tls = spec.backend.tls;
  if (tls !== undefined) {
    // docs/upstream-tls.md: TLS material that cannot be used makes the Route fail closed (500).
    if (backend.kind === 'url' && backend.protocol !== 'https' && backend.protocol !== 'grpcs') {
      diagnostics.push(diagnostic('error', ref, 'InvalidSpec', 'requires an https:// or grpcs:// url (or a service backend)', 'spec.backend.tls'));
      pluginError ??= `backend.tls of Route ${ns}/${ref.name} is invalid`;
    } else {
      const resolved = resolveBackendTls(tls, ref, input.secrets, diagnostics);
      if (resolved === undefined) pluginError ??= `upstream TLS settings of Route ${ns}/${ref.name} are invalid`;
      else service.tls = resolved;
    }
  }
  const route: RouteSpec = {
    ref,
    scope: ns,
    id: kubeId('route', ns, ref.name),
    name: `${ns}.${ref.name}`,
    protocols: spec.protocols,
    hosts: spec.hosts ?? [],
    paths: spec.paths ?? [],
    methods: spec.methods ?? [],
    headers: [],
    stripPath: spec.stripPath,
    preserveHost: spec.preserveHost,
    regexPriority: 0,
    backend,
    service,
    tags: [],
  };
  if (spec.httpsRedirectStatusCode !== 426) route.httpsRedirectStatusCode = spec.httpsRedirectStatusCode;
  const createdAt = creationTime(obj);
  if (createdAt !== undefined) route.createdAt = createdAt;
  if (spec.tls !== undefined) certificates.push(...routeCertificates(ref, spec, input.secrets, createdAt, diagnostics));
  const jwt = spec.plugins?.jwt;
  if (jwt) {
    // `anonymous` names a KongConsumer object in the same namespace, resolved by the translator.
    route.jwt = { id: kubeId('route', ns, ref.name, 'jwt'), config: { ...jwt }, anonymousRefKind: 'object-name' };
    const claims = spec.plugins?.jwtClaims;
    if (claims) route.claims = { id: kubeId('route', ns, ref.name, 'jwt-claims'), config: claims };
  }
  const ipRestriction = spec.plugins?.ipRestriction;
  if (ipRestriction) route.ipRestriction = { id: kubeId('route', ns, ref.name, 'ip-restriction'), config: ipRestriction };
  const correlationId = spec.plugins?.correlationId;
  if (correlationId) route.correlationId = { id: kubeId('route', ns, ref.name, 'correlation-id'), config: correlationId };
  const acl = spec.plugins?.acl;
  if (acl) route.acl = { id: kubeId('route', ns, ref.name, 'acl'), config: acl };
  const cors = spec.plugins?.cors;
  if (cors) route.cors = { id: kubeId('route', ns, ref.name, 'cors'), config: cors };
  const rateLimiting = spec.plugins?.rateLimiting;
  if (rateLimiting) {
    const resolved = rateLimitingFromCr(rateLimiting, ref, input.secrets, diagnostics);
    if (resolved === undefined) pluginError ??= `rateLimiting plugin configuration of Route ${ns}/${ref.name} is invalid`;
    else route.rateLimiting = { id: kubeId('route', ns, ref.name, 'rate-limiting'), config: resolved, counterScope: { routeId: route.id } };
  }
  // Kong's consumer + route instances (docs/rate-limiting.md#consumers): the translator resolves the names.
  const byConsumer = spec.plugins?.rateLimitingByConsumer;
  if (byConsumer && byConsumer.length > 0) {
    const list: RateLimitingForConsumer[] = [];
    byConsumer.forEach((entry, i) => {
      const field = `spec.plugins.rateLimitingByConsumer[${i}].rateLimiting`;
      const resolved = rateLimitingFromCr(entry.rateLimiting, ref, input.secrets, diagnostics, field);
      if (resolved === undefined) pluginError ??= `rateLimitingByConsumer plugin configuration of Route ${ns}/${ref.name} is invalid`;
      else {
        const name = entry.consumerRef.name;
        list.push({ consumerRef: name, consumerRefKind: 'object-name', id: kubeId('route', ns, ref.name, `rate-limiting:${name}`), config: resolved, counterScope: { routeId: route.id } });
      }
    });
    if (list.length > 0) route.rateLimitingByConsumer = list;
  }
  if (pluginError !== undefined) route.pluginError = pluginError;
  return route;

  function pluginsOnlyFailure(o: CustomObject): boolean {
    const r = routeSpecSchema.safeParse(o.spec);
    return !r.success && r.error.issues.every((i) => i.path[0] === 'plugins' && PLUGIN_KEYS.has(String(i.path[1])));
  }
}

/** metadata.creationTimestamp as ISO 8601 UTC (one format, whether the API's text or a Date). */
function creationTime(obj: CustomObject): string | undefined {
  const raw = obj.metadata?.creationTimestamp;
  if (raw === undefined) return undefined;
  const ms = raw instanceof Date ? raw.getTime() : Date.parse(raw);
  // Shared: credentials created in one burst have a few distinct times (intern.ts).
  return Number.isNaN(ms) ? undefined : internTime(new Date(ms).toISOString());
}

function withoutPlugins(spec: unknown): unknown {
  const s = { ...(spec as Record<string, unknown>) };
  delete s['plugins'];
  return s;
}

function toBackend(
  ref: ObjectRef,
  spec: RouteCrdSpec,
  input: ToResourceSetInput,
  diagnostics: Diagnostic[],
): { backend: BackendSpec; service: ServiceInfo } | undefined {
  const ns = ref.namespace!;
  const svc = spec.backend.service;
  if (svc === undefined) {
    const url = parseBackendUrl(spec.backend.url!);
    if (!url) {
      diagnostics.push(diagnostic('error', ref, 'InvalidSpec', 'is not a valid URL', 'spec.backend.url'));
      return undefined;
    }
    return {
      backend: { kind: 'url', ...url },
      service: { id: kubeId('route', ns, ref.name, 'service'), name: `${ns}.${ref.name}`, ...SERVICE_DEFAULTS, tags: [] },
    };
  }
  const key = `${ns}/${svc.name}`;
  const resolved = resolveServiceEndpoints(input.services.get(key), input.endpointSlices.get(key) ?? [], svc.port);
  if (resolved.problem) {
    // The route stays programmed and answers 503 until the Service shows up.
    const { reason, message } = resolved.problem;
    const field = reason === 'ServiceNotFound' ? 'spec.backend.service.name' : 'spec.backend.service.port';
    diagnostics.push(diagnostic('warning', ref, reason, `Service '${key}' ${message}`, field));
  }
  const sp = resolved.servicePort;
  const portNumber = sp?.port ?? (typeof svc.port === 'number' ? svc.port : undefined);
  const portProtocol = svc.protocol ?? protocolOfPort(sp);
  // A tls section makes the Service port TLS whatever it is called.
  const protocol: UpstreamProtocol =
    spec.backend.tls === undefined ? portProtocol : portProtocol === 'grpc' || portProtocol === 'grpcs' ? 'grpcs' : 'https';
  const tls = protocol === 'https' || protocol === 'grpcs';
  return {
    backend: {
      kind: 'service',
      name: svc.name,
      port: svc.port,
      endpoints: resolved.endpoints,
      // As for URL backends, the port is left out when it is the scheme's default (RFC 9110 §7.2).
      hostHeader: `${svc.name}.${ns}.svc${portNumber === undefined || portNumber === (tls ? 443 : 80) ? '' : `:${portNumber}`}`,
      protocol,
    },
    service: {
      id: kubeId('service', ns, svc.name, String(svc.port)),
      name: `${ns}.${svc.name}.${svc.port}`,
      ...SERVICE_DEFAULTS,
      tags: [],
    },
  };
}

/** The schema's pattern already admits only http(s)://host[:port][/path] and grpc(s)://host[:port]. */
function parseBackendUrl(raw: string): { protocol: UpstreamProtocol; host: string; port: number; path: string } | undefined {
  let u: URL;
  try {
    // WHATWG URL parses a non-special scheme's host too, but as opaque: read it as http(s).
    u = new URL(raw.replace(/^grpc(s?):/i, 'http$1:'));
  } catch {
    return undefined;
  }
  const scheme = /^([a-z]+):/i.exec(raw)![1]!.toLowerCase();
  const protocol: UpstreamProtocol = scheme === 'https' || scheme === 'grpc' || scheme === 'grpcs' ? scheme : 'http';
  const tls = protocol === 'https' || protocol === 'grpcs';
  const rawPath = /^[a-z]+:\/\/[^/?#]+(\/[^?#]*)?$/i.exec(raw)?.[1] ?? '';
  return {
    protocol,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? (tls ? 443 : 80) : Number(u.port),
    path: rawPath === '' || rawPath === '/' && (protocol === 'grpc' || protocol === 'grpcs') ? '' : u.pathname,
  };
}
