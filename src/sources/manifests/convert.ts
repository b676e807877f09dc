import { consumerId } from '../../model/ids.js';
import { CRD_API_VERSION } from '../../model/crds.js';
import { KIC_API_VERSION, KIC_CLASS_ANNOTATION, KIC_CREDENTIAL_LABEL, KIC_DEFAULT_CLASS, KIC_PLUGINS_ANNOTATION } from '../../model/kic.js';
import type { BackendSpec, ConsumerSpec, CredentialSpec, ResourceSet, RouteSpec } from '../../model/resources.js';
import type { RateLimitingConfig } from '../../model/rate-limiting-config.js';

/**
 * PURE: a kong.yml's ResourceSet → Kubernetes objects (`portcullis convert`,
 * docs/kong-ingress-controller.md#convert): Portcullis CRs by default, or Kong Ingress Controller's
 * resources (as `deck file kong2kic --ingress` writes them). What a target cannot say is a
 * warning, never silently dropped.
 */
export interface ConvertOptions {
  target: 'portcullis' | 'kic';
  /** metadata.namespace of every object; undefined: none (`kubectl apply -n`). */
  namespace?: string;
}

export interface ConvertResult {
  objects: Array<Record<string, unknown>>;
  warnings: string[];
}

const SERVICE_DEFAULTS = { connectTimeoutMs: 60_000, readTimeoutMs: 60_000, writeTimeoutMs: 60_000, retries: 5 };

/** A DNS-1123 name from free text, unique among `used`. */
function objectName(text: string, used: Set<string>, fallback: string): string {
  let base = text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').slice(0, 60);
  if (base === '') base = fallback;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  return name;
}

const camelToSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A config with camelCase keys (the shared schemas' output) → Kong's snake_case config. */
function snakeConfig(config: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined).map(([k, v]) => [camelToSnake(k), v]));
}

function backendUrl(b: Extract<BackendSpec, { kind: 'url' }>): string {
  const host = b.host.includes(':') ? `[${b.host}]` : b.host;
  return `${b.protocol}://${host}:${b.port}${b.path}`;
}

export function convertResources(set: ResourceSet, opts: ConvertOptions): ConvertResult {
  const warnings: string[] = [];
  const objects: Array<Record<string, unknown>> = [];
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...(opts.namespace !== undefined && { namespace: opts.namespace }), ...extra });
  // Names are unique per kind (a Route and its Service may share one).
  const byKind = new Map<string, Set<string>>();
  const names = (kind: string): Set<string> => byKind.get(kind) ?? byKind.set(kind, new Set()).get(kind)!;
  const secretNames = names('Secret');

  // Consumers by every way kong.yml may reference them (id, username): object names.
  const consumerNames = new Map<string, string>();
  const consumerObjects = new Map<ConsumerSpec, Record<string, unknown>>();
  for (const c of set.consumers) {
    const name = objectName(c.username ?? c.customId ?? 'consumer', names('KongConsumer'), 'consumer');
    const id = c.id ?? consumerId(c.username ?? c.customId ?? name);
    consumerNames.set(id, name);
    if (c.username !== undefined) consumerNames.set(c.username, name);
    if (c.id !== undefined) warnings.push(`consumer ${name}: its explicit id ${c.id} cannot be kept (ids are derived from username or custom_id)`);
    const obj: Record<string, unknown> =
      opts.target === 'portcullis'
        ? { apiVersion: CRD_API_VERSION, kind: 'KongConsumer', metadata: meta(name), spec: { ...(c.username !== undefined && { username: c.username }), ...(c.customId !== undefined && { customId: c.customId }) } }
        : {
            apiVersion: KIC_API_VERSION,
            kind: 'KongConsumer',
            metadata: meta(name, { annotations: { [KIC_CLASS_ANNOTATION]: KIC_DEFAULT_CLASS } }),
            ...(c.username !== undefined && { username: c.username }),
            ...(c.customId !== undefined && { custom_id: c.customId }),
            credentials: [] as string[],
          };
    consumerObjects.set(c, obj);
    objects.push(obj);
    if (opts.target === 'kic') {
      for (const g of c.groups ?? []) {
        const secret = objectName(`${name}-acl-${g}`, secretNames, `${name}-acl`);
        (obj['credentials'] as string[]).push(secret);
        objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: meta(secret, { labels: { [KIC_CREDENTIAL_LABEL]: 'acl' } }), stringData: { group: g } });
      }
    } else if ((c.groups ?? []).length > 0) {
      warnings.push(`consumer ${name}: acl groups are not converted to Portcullis CRs (use --kic)`);
    }
  }
  const consumerByName = new Map([...consumerObjects.values()].map((o) => [(o['metadata'] as { name: string }).name, o]));

  for (const cr of set.credentials) {
    const owner = consumerNames.get(cr.consumerRef) ?? consumerNames.get(cr.consumerRef.toLowerCase());
    if (owner === undefined) {
      warnings.push(`credential ${cr.key}: consumer '${cr.consumerRef}' not found; left out`);
      continue;
    }
    if (cr.jwks !== undefined) {
      warnings.push(`credential ${cr.key}: JWKS credentials are not converted; left out`);
      continue;
    }
    credential(cr, owner);
  }

  function credential(cr: CredentialSpec, owner: string): void {
    const hmac = cr.algorithm.startsWith('HS');
    const secretName = objectName(`${owner}-jwt`, secretNames, 'jwt');
    const value = hmac ? cr.secret! : cr.rsaPublicKey!;
    const field = hmac ? 'secret' : 'rsa_public_key';
    const material = typeof value === 'string' ? { stringData: { [field]: value } } : { data: { [field]: Buffer.from(value).toString('base64') } };
    if (opts.target === 'portcullis') {
      objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: meta(secretName, { labels: { 'portcullis.dev/credential': 'true' } }), ...material });
      objects.push({
        apiVersion: CRD_API_VERSION,
        kind: 'JwtCredential',
        metadata: meta(objectName(`${owner}-${cr.key}`, names('JwtCredential'), `${owner}-jwt`)),
        spec: {
          consumerRef: { name: owner },
          key: cr.key,
          algorithm: cr.algorithm,
          ...(cr.kid !== undefined && { kid: cr.kid }),
          ...(hmac ? { secretRef: { name: secretName, key: field } } : { publicKeyRef: { name: secretName, key: field } }),
        },
      });
      return;
    }
    if (cr.kid !== undefined) warnings.push(`credential ${cr.key}: kid is Portcullis's own field; KIC's jwt Secret has none, left out`);
    const data = { key: cr.key, algorithm: cr.algorithm };
    const merged =
      'stringData' in material ? { stringData: { ...data, ...material.stringData } } : { stringData: data, data: material.data };
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: meta(secretName, { labels: { [KIC_CREDENTIAL_LABEL]: 'jwt' } }), ...merged });
    (consumerByName.get(owner)!['credentials'] as string[]).push(secretName);
  }

  const services = new Map<string, string>();
  const warnedScopes = new Set<string>();
  /** KIC: one KongPlugin per consumer-only rate-limiting instance, named by its KongConsumer. */
  const consumerPlugins = new Set<string>();
  for (const r of set.routes) {
    const name = objectName(r.name, names('Route'), 'route');
    if (r.pluginError !== undefined) warnings.push(`route ${name}: fails closed in kong.yml (${r.pluginError}); converted without the plugin that fails`);
    if (r.headers.length > 0) warnings.push(`route ${name}: header matches are not converted`);
    if (r.regexPriority !== 0) warnings.push(`route ${name}: regex_priority is not converted`);
    const svc = r.service;
    if (svc.connectTimeoutMs !== SERVICE_DEFAULTS.connectTimeoutMs || svc.readTimeoutMs !== SERVICE_DEFAULTS.readTimeoutMs || svc.writeTimeoutMs !== SERVICE_DEFAULTS.writeTimeoutMs || svc.retries !== SERVICE_DEFAULTS.retries) {
      warnings.push(`route ${name}: the service's timeouts and retries are not converted (Kong's defaults apply)`);
    }
    if (svc.tls !== undefined) warnings.push(`route ${name}: the service's upstream TLS settings are not converted`);
    if (r.backend.kind !== 'url') continue;
    if (opts.target === 'portcullis') objects.push(portcullisRoute(r, name, r.backend));
    else kicRoute(r, name, r.backend);
  }
  if ((set.certificates ?? []).length > 0) warnings.push('certificates and snis are not converted (create kubernetes.io/tls Secrets)');

  function pluginsOf(r: RouteSpec) {
    if (r.rateLimiting !== undefined) rateScopeWarning(r, r.rateLimiting, 'rate-limiting');
    const byConsumer: Array<Record<string, unknown>> = [];
    for (const e of r.rateLimitingByConsumer ?? []) {
      const owner = consumerNames.get(e.consumerRef);
      if (owner === undefined) continue;
      rateScopeWarning(r, e, `rate-limiting for consumer ${owner}`);
      byConsumer.push({ consumerRef: { name: owner }, rateLimiting: crRateLimiting(e.config, `${r.name}-${owner}`) });
    }
    const anonymous = r.jwt?.config.anonymous;
    const anonName = anonymous === undefined ? undefined : consumerNames.get(anonymous) ?? consumerNames.get(anonymous.toLowerCase());
    return {
      ...(r.jwt !== undefined && { jwt: { ...r.jwt.config, ...(anonName !== undefined && { anonymous: anonName }) } }),
      ...(r.claims !== undefined && { jwtClaims: r.claims.config }),
      ...(r.ipRestriction !== undefined && { ipRestriction: r.ipRestriction.config }),
      ...(r.correlationId !== undefined && { correlationId: r.correlationId.config }),
      ...(r.rateLimiting !== undefined && { rateLimiting: crRateLimiting(r.rateLimiting.config, r.name) }),
      ...(byConsumer.length > 0 && { rateLimitingByConsumer: byConsumer }),
    };
  }

  /** docs/rate-limiting.md#convert: counters of a service-wide or global instance become the Route's own. */
  function rateScopeWarning(r: RouteSpec, rl: { counterScope: { routeId?: string } }, what: string): void {
    if (rl.counterScope.routeId !== undefined) return;
    const key = `${what}|${r.name}`;
    if (warnedScopes.has(key)) return;
    warnedScopes.add(key);
    warnings.push(`route ${r.name}: ${what} counts across its service or the whole gateway in kong.yml; converted, it counts per route`);
  }

  /** The Route CR's rateLimiting: the Redis password moves into a labelled Secret (CRs never hold one inline). */
  function crRateLimiting(config: RateLimitingConfig, owner: string): Record<string, unknown> {
    const { redis, ...rest } = config;
    if (redis === undefined) return { ...rest };
    const { password, ...conn } = redis;
    if (password === undefined) return { ...rest, redis: conn };
    const secretName = objectName(`${owner}-redis`, secretNames, 'redis');
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: meta(secretName, { labels: { 'portcullis.dev/credential': 'true' } }), stringData: { password } });
    return { ...rest, redis: { ...conn, passwordSecretRef: { name: secretName, key: 'password' } } };
  }

  function portcullisRoute(r: RouteSpec, name: string, b: Extract<BackendSpec, { kind: 'url' }>): Record<string, unknown> {
    const plugins = pluginsOf(r);
    return {
      apiVersion: CRD_API_VERSION,
      kind: 'Route',
      metadata: meta(name),
      spec: {
        ...(r.hosts.length > 0 && { hosts: r.hosts }),
        ...(r.paths.length > 0 && { paths: r.paths }),
        ...(r.methods.length > 0 && { methods: r.methods }),
        protocols: r.protocols,
        stripPath: r.stripPath,
        preserveHost: r.preserveHost,
        ...(r.httpsRedirectStatusCode !== undefined && { httpsRedirectStatusCode: r.httpsRedirectStatusCode }),
        backend: { url: backendUrl(b) },
        ...(Object.keys(plugins).length > 0 && { plugins }),
      },
    };
  }

  function kicRoute(r: RouteSpec, name: string, b: Extract<BackendSpec, { kind: 'url' }>): void {
    const plugins: string[] = [];
    const add = (kongName: string, config: object) => {
      const pluginName = objectName(`${name}-${kongName}`, names('KongPlugin'), kongName);
      plugins.push(pluginName);
      objects.push({ apiVersion: KIC_API_VERSION, kind: 'KongPlugin', metadata: meta(pluginName), plugin: kongName, config: snakeConfig(config) });
    };
    if (r.jwt !== undefined) add('jwt', r.jwt.config);
    if (r.claims !== undefined) add('jwt-claims', r.claims.config);
    if (r.ipRestriction !== undefined) add('ip-restriction', r.ipRestriction.config);
    if (r.correlationId !== undefined) add('correlation-id', r.correlationId.config);
    if (r.rateLimiting !== undefined) {
      rateScopeWarning(r, r.rateLimiting, 'rate-limiting');
      add('rate-limiting', kicRateConfig(r.rateLimiting.config));
    }
    for (const e of r.rateLimitingByConsumer ?? []) {
      const owner = consumerNames.get(e.consumerRef);
      if (owner === undefined) continue;
      const consumerOnly = e.counterScope.routeId === undefined && e.counterScope.serviceId === undefined;
      if (consumerOnly) {
        // Kong's consumer scope: a KongPlugin named by the KongConsumer's konghq.com/plugins, once.
        if (consumerPlugins.has(e.id)) continue;
        consumerPlugins.add(e.id);
        const pluginName = objectName(`${owner}-rate-limiting`, names('KongPlugin'), 'rate-limiting');
        objects.push({ apiVersion: KIC_API_VERSION, kind: 'KongPlugin', metadata: meta(pluginName), plugin: 'rate-limiting', config: kicRateConfig(e.config) });
        const annotations = (consumerByName.get(owner)!['metadata'] as { annotations: Record<string, string> }).annotations;
        const list = annotations[KIC_PLUGINS_ANNOTATION];
        annotations[KIC_PLUGINS_ANNOTATION] = list === undefined ? pluginName : `${list},${pluginName}`;
        continue;
      }
      rateScopeWarning(r, e, `rate-limiting for consumer ${owner}`);
      const pluginName = objectName(`${name}-${owner}-rate-limiting`, names('KongPlugin'), 'rate-limiting');
      plugins.push(pluginName);
      objects.push({ apiVersion: KIC_API_VERSION, kind: 'KongPlugin', metadata: meta(pluginName), plugin: 'rate-limiting', consumerRef: owner, config: kicRateConfig(e.config) });
    }
    if (r.paths.some((p) => p.startsWith('~'))) warnings.push(`route ${name}: regex paths are not converted to Ingress paths`);
    if (b.path !== '') warnings.push(`route ${name}: the service path ${b.path} is not converted (Ingress backends have none)`);
    if (r.protocols.some((p) => p === 'grpc' || p === 'grpcs') || b.protocol !== 'http') warnings.push(`route ${name}: only plain http upstreams are converted; the Service is http`);
    const svcKey = `${b.host}:${b.port}`;
    let svcName = services.get(svcKey);
    if (svcName === undefined) {
      svcName = objectName(r.service.name ?? b.host, names('Service'), 'service');
      services.set(svcKey, svcName);
      backendService(svcName, b);
    }
    const paths = r.paths.filter((p) => !p.startsWith('~'));
    const httpPaths = (paths.length > 0 ? paths : ['/']).map((p) => ({ path: p, pathType: 'ImplementationSpecific', backend: { service: { name: svcName, port: { number: b.port } } } }));
    const rules = (r.hosts.length > 0 ? r.hosts : [undefined]).map((host) => ({ ...(host !== undefined && { host }), http: { paths: httpPaths } }));
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta(name, {
        annotations: {
          'konghq.com/strip-path': String(r.stripPath),
          'konghq.com/preserve-host': String(r.preserveHost),
          ...(r.methods.length > 0 && { 'konghq.com/methods': r.methods.join(',') }),
          ...(plugins.length > 0 && { [KIC_PLUGINS_ANNOTATION]: plugins.join(',') }),
        },
      }),
      spec: { ingressClassName: KIC_DEFAULT_CLASS, rules },
    });
  }

  /** Kong's snake_case config, the redis block's keys too. */
  function kicRateConfig(config: RateLimitingConfig): Record<string, unknown> {
    const out = snakeConfig(config);
    if (config.redis !== undefined) out['redis'] = snakeConfig(config.redis);
    return out;
  }

  /** The upstream as a Service: an IP gets a selector-less Service and its EndpointSlice, a DNS name an ExternalName Service. */
  function backendService(name: string, b: Extract<BackendSpec, { kind: 'url' }>): void {
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(b.host)) {
      objects.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { ports: [{ name: 'http', port: b.port, targetPort: b.port, protocol: 'TCP' }] } });
      objects.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: meta(`${name}-1`, { labels: { 'kubernetes.io/service-name': name } }),
        addressType: 'IPv4',
        ports: [{ name: 'http', port: b.port, protocol: 'TCP' }],
        endpoints: [{ addresses: [b.host], conditions: { ready: true } }],
      });
      return;
    }
    warnings.push(`service ${name}: ${b.host} becomes an ExternalName Service, which Portcullis does not resolve for Ingresses (point a Service with endpoints at it)`);
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { type: 'ExternalName', externalName: b.host, ports: [{ name: 'http', port: b.port, protocol: 'TCP' }] } });
  }

  return { objects, warnings };
}
