import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import { ingressSpecSchema, type IngressBackend, type IngressSettings, type IngressSpec } from '../../model/ingress.js';
import type { CertificateSpec, RouteSpec, UpstreamProtocol } from '../../model/resources.js';
import { resolveServiceEndpoints } from './endpoints.js';
import { isServed, servedClasses } from './ingress-class.js';
import { ingressJwt } from './ingress-jwt.js';
import { ingressRoutePaths } from './ingress-paths.js';
import type { IngressClassObject, IngressObject } from './ingress-types.js';
import { kubeId } from './ids.js';
import { secretCertificate } from './tls-certificates.js';
import { protocolOfPort } from './service-protocol.js';
import type { ToResourceSetInput } from './types.js';
import { issuesToDiagnostics, objectRefOf } from './validate-object.js';

/** Kong's service defaults, as for Route CRs (docs/kong-compatibility.md#kongyml). */
const SERVICE_DEFAULTS = { connectTimeoutMs: 60_000, readTimeoutMs: 60_000, writeTimeoutMs: 60_000, retries: 5 } as const;

export interface IngressInput extends Pick<ToResourceSetInput, 'secrets' | 'services' | 'endpointSlices'> {
  ingresses: readonly IngressObject[];
  ingressClasses: readonly IngressClassObject[];
}

/**
 * PURE: the Ingresses of our classes → routes and certificates of the ResourceSet, next to the
 * Route CRs' and ranked with them by Kong's router (docs/ingress.md). Each path of each rule is one
 * route (its own backend); defaultBackend is a route without host or path, which ranks below
 * every other. Ingresses of other classes are not looked at. Diagnostics name the Ingress and the
 * field; the rest keeps serving.
 */
export function ingressResources(
  input: IngressInput,
  settings: IngressSettings,
  diagnostics: Diagnostic[],
): { routes: RouteSpec[]; certificates: CertificateSpec[] } {
  const served = servedClasses(input.ingressClasses, settings);
  const routes: RouteSpec[] = [];
  const certificates: CertificateSpec[] = [];
  for (const ing of input.ingresses) {
    if (!isServed(ing, served)) continue;
    const ref = objectRefOf('Ingress', ing as { metadata: IngressObject['metadata'] });
    if (!ref.name) continue;
    const v = ingressSpecSchema.safeParse(ing.spec);
    if (!v.success) {
      diagnostics.push(...issuesToDiagnostics(ref, v.error.issues));
      continue;
    }
    const out = translateIngress(ref, ing, v.data, input, diagnostics);
    routes.push(...out.routes);
    certificates.push(...out.certificates);
  }
  return { routes, certificates };
}

function translateIngress(
  ref: ObjectRef,
  ing: IngressObject,
  spec: IngressSpec,
  input: IngressInput,
  diagnostics: Diagnostic[],
): { routes: RouteSpec[]; certificates: CertificateSpec[] } {
  const ns = ref.namespace!;
  const createdAt = creationTime(ing);
  const jwt = ingressJwt(ref, ing.metadata, diagnostics);
  const routes: RouteSpec[] = [];
  const add = (at: string, hosts: string[], paths: string[], regexPriority: number, backend: IngressBackend) => {
    const target = serviceBackend(ref, `${at}.backend`, backend, input, diagnostics);
    if (!target) return;
    const route: RouteSpec = {
      ref,
      scope: ns,
      id: kubeId('ingress', ns, ref.name, at),
      name: `${ns}.${ref.name}.${at}`,
      field: at,
      // Both listeners: an Ingress with tls is served over TLS and plaintext alike (docs/ingress.md#tls).
      protocols: ['http', 'https'],
      hosts,
      paths,
      methods: [],
      headers: [],
      // The upstream sees the request as the client sent it: path and Host header (as ingress-nginx).
      stripPath: false,
      preserveHost: true,
      regexPriority,
      backend: target.backend,
      service: target.service,
      tags: [],
    };
    if (createdAt !== undefined) route.createdAt = createdAt;
    if (jwt.kind === 'ok') route.jwt = { id: kubeId('ingress', ns, ref.name, 'jwt'), config: { ...jwt.config }, anonymousRefKind: 'object-name' };
    if (jwt.kind === 'invalid') route.pluginError = `jwt annotation of Ingress ${ns}/${ref.name} is invalid`;
    routes.push(route);
  };

  (spec.rules ?? []).forEach((rule, i) => {
    (rule.http?.paths ?? []).forEach((p, j) => {
      const { paths, regexPriority } = ingressRoutePaths(p.path, p.pathType);
      add(`spec.rules[${i}].http.paths[${j}]`, rule.host ? [rule.host] : [], paths, regexPriority, p.backend);
    });
  });
  if (spec.defaultBackend) add('spec.defaultBackend', [], [], 0, spec.defaultBackend);

  const ruleHosts = [...new Set((spec.rules ?? []).map((r) => r.host).filter((h): h is string => h !== undefined))];
  const certificates = ingressCertificates(ref, spec, ruleHosts, input, createdAt, diagnostics);
  return { routes, certificates };
}

/**
 * spec.tls → certificates from kubernetes.io/tls Secrets (tls.crt, tls.key) in the Ingress's
 * namespace, seen through the labelled Secret watch (docs/tls.md). An entry without hosts covers
 * the hosts of the rules; one without secretName leaves its hosts to the default certificate.
 */
function ingressCertificates(
  ref: ObjectRef,
  spec: IngressSpec,
  ruleHosts: readonly string[],
  input: IngressInput,
  createdAt: string | undefined,
  diagnostics: Diagnostic[],
): CertificateSpec[] {
  const out: CertificateSpec[] = [];
  (spec.tls ?? []).forEach((entry, i) => {
    const at = `spec.tls[${i}]`;
    if (!entry.secretName) return;
    const snis = entry.hosts
      ? entry.hosts.map((name, j) => ({ name, field: `${at}.hosts[${j}]` }))
      : ruleHosts.map((name) => ({ name, field: `${at}.hosts` }));
    const c = secretCertificate(ref, entry.secretName, at, snis, input.secrets, createdAt, diagnostics);
    if (c !== undefined) out.push(c);
  });
  return out;
}

function serviceBackend(
  ref: ObjectRef,
  at: string,
  backend: IngressBackend,
  input: IngressInput,
  diagnostics: Diagnostic[],
): Pick<RouteSpec, 'backend' | 'service'> | undefined {
  const ns = ref.namespace!;
  const svc = backend.service;
  if (svc === undefined) {
    diagnostics.push(diagnostic('error', ref, 'Unsupported', 'resource backends are not supported (only service); left out', `${at}.resource`));
    return undefined;
  }
  const port: number | string = svc.port.number ?? svc.port.name!;
  const key = `${ns}/${svc.name}`;
  const resolved = resolveServiceEndpoints(input.services.get(key), input.endpointSlices.get(key) ?? [], port);
  if (resolved.problem) {
    // As for Route CRs: the path stays routed and answers 503 until the Service shows up.
    const { reason, message } = resolved.problem;
    diagnostics.push(diagnostic('warning', ref, reason, `Service '${key}' ${message}`, reason === 'ServiceNotFound' ? `${at}.service.name` : `${at}.service.port`));
  }
  const portNumber = resolved.servicePort?.port ?? (typeof port === 'number' ? port : undefined);
  const protocol: UpstreamProtocol = protocolOfPort(resolved.servicePort);
  const tls = protocol === 'https' || protocol === 'grpcs';
  return {
    backend: {
      kind: 'service',
      name: svc.name,
      port,
      endpoints: resolved.endpoints,
      hostHeader: `${svc.name}.${ns}.svc${portNumber === undefined || portNumber === (tls ? 443 : 80) ? '' : `:${portNumber}`}`,
      protocol,
    },
    // Same id as a Route CR's backend on that Service port: one upstream pool for both.
    service: { id: kubeId('service', ns, svc.name, String(port)), name: `${ns}.${svc.name}.${port}`, ...SERVICE_DEFAULTS, tags: [] },
  };
}

function creationTime(obj: IngressObject): string | undefined {
  const raw = obj.metadata?.creationTimestamp;
  if (raw === undefined) return undefined;
  const ms = raw instanceof Date ? raw.getTime() : Date.parse(raw);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
