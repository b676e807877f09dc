import { basename } from 'node:path';
import YAML from 'yaml';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import type { ErrorReason } from '../../model/reasons.js';
import type { ConsumerSpec, CredentialSpec, ResourceSet, RouteSpec } from '../../model/resources.js';
import { pluginId, rememberConsumerId } from '../../model/ids.js';
import { EntityIndex } from './entity-index.js';
import { detachStrings } from './detach-strings.js';
import { loadSimpleYaml } from './fast-yaml.js';
import { parseCertificates } from './certificates.js';
import { parseConsumer, parseJwtSecret, type ConsumerEntry } from './consumers.js';
import { parseAcl } from './acls.js';
import { ACL_PLUGIN, CORRELATION_ID_PLUGIN, CORS_PLUGIN, IP_RESTRICTION_PLUGIN, JWT_CLAIMS_PLUGIN, RATE_LIMITING_PLUGIN, parsePlugin, PluginTable, type PluginCore, type ScopeKey } from './plugins.js';
import { isMapping, type Mapping } from './fields.js';
import { Reporter } from './report.js';
import { parseRoute, parseService, type RouteCore, type ServiceEntry } from './services.js';
import { UpstreamCertificates } from './upstream-certificates.js';
import { resolveJwksDraft } from './jwks.js';


/**
 * Plugins that refuse requests, scoped to a consumer: what the diagnostic adds (Kong refuses acl's
 * consumer scope too; per-consumer limits are not implemented). Dropping them for some consumers
 * would let through what Kong refuses.
 */
const CONSUMER_SCOPE_FAILS_CLOSED: ReadonlyMap<string, string> = new Map([
  [JWT_CLAIMS_PLUGIN, ''],
  [IP_RESTRICTION_PLUGIN, ''],
  [ACL_PLUGIN, ' (Kong refuses it too)'],
]);
export interface DeclarativeResult {
  resources: ResourceSet;
  /** Set when the whole file is rejected: the caller keeps serving its last good snapshot. */
  fatal?: Diagnostic[];
}

export const SUPPORTED_FORMAT_VERSIONS = ['3.0', '2.1', '1.1'] as const;

/** Document-level keys Kong accepts besides entities; they carry no behaviour here. */
const META_KEYS = new Set(['_format_version', '_transform', '_comment', '_ignore', '_info', '_workspace']);
const ENTITY_KEYS = new Set(['services', 'routes', 'plugins', 'consumers', 'jwt_secrets', 'acls', 'ca_certificates', 'certificates', 'snis']);
/** Kong entities Portcullis does not implement: reported and left out, the rest loads. */
const UNSUPPORTED_ENTITY_KEYS = new Set([
  'upstreams', 'targets', 'vaults', 'consumer_groups', 'keyauth_credentials',
  'basicauth_credentials', 'hmacauth_credentials', 'oauth2_credentials', 'mtls_auth_credentials', 'key_sets', 'keys',
  'filter_chains', 'workspaces', 'parameters',
]);

/**
 * Entity paths ("consumers[12].jwt_secrets[0]") live as long as the snapshot, one or two per
 * entity. A template literal leaves a tree of cons strings (~100 bytes); join builds one flat
 * string (~60 bytes): 10+ MB less at 100,000 consumers.
 */
const flat = (...parts: Array<string | number>): string => parts.join('');

const emptySet = (diagnostics: Diagnostic[]): ResourceSet => ({ consumers: [], credentials: [], routes: [], diagnostics });

/**
 * kong.yml (YAML or JSON) → ResourceSet. Pure. Fatal only for problems with the document as a
 * whole (syntax, not a mapping, empty, missing/unsupported _format_version); every other problem
 * is a diagnostic on the entity at fault, which is left out with what depends on it.
 */
export function parseDeclarative(text: string, fileName: string): DeclarativeResult {
  const fileRef: ObjectRef = { kind: 'file', name: basename(fileName), file: fileName };
  const fatal = (reason: ErrorReason, message: string, field?: string): DeclarativeResult => {
    const d = diagnostic('error', fileRef, reason, message, field);
    return { resources: emptySet([d]), fatal: [d] };
  };

  if (text.trim() === '') return fatal('EmptyFile', 'file is empty');
  let value: unknown;
  const simple = loadSimpleYaml(text);
  if (simple !== undefined) value = simple.value;
  else {
    // logLevel 'error': the package's warnings (e.g. a collection used as a key) quote the document.
    const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true, logLevel: 'error' });
    if (doc.errors.length > 0) {
      // The parser's own messages quote the offending line, which may hold a secret: position and code only.
      const diags = doc.errors.map((e): Diagnostic => {
        const pos = e.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : `offset ${e.pos[0]}`;
        return diagnostic('error', fileRef, 'InvalidYAML', `syntax error (${e.code}) at ${where}`);
      });
      return { resources: emptySet(diags), fatal: diags };
    }
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      return fatal('InvalidYAML', 'document could not be loaded (too many aliases or an invalid alias)');
    }
  }
  if (value === null || value === undefined) return fatal('EmptyFile', 'file is empty (no document)');
  detachStrings(value);
  if (!isMapping(value)) return fatal('InvalidValue', 'expected a mapping at the top level');

  const version = value._format_version;
  if (version === undefined || version === null) return fatal('InvalidFormatVersion', 'required field missing', '_format_version');
  if (typeof version !== 'string') return fatal('InvalidFormatVersion', 'expected a string (quote it: _format_version: "3.0")', '_format_version');
  if (!(SUPPORTED_FORMAT_VERSIONS as readonly string[]).includes(version)) {
    return fatal('InvalidFormatVersion', `unsupported version '${version}' (expected one of "3.0", "2.1", "1.1")`, '_format_version');
  }
  return { resources: new DeclarativeLoader(fileName, version !== '3.0').load(value) };
}

interface RouteEntry {
  core: RouteCore;
  service: ServiceEntry;
}

interface PluginSite {
  core: PluginCore;
  scope?: ScopeKey;
  keys: { route?: string; service?: string; consumer?: string };
  /** A consumer-scoped rate-limiting instance: the consumer's id (docs/rate-limiting.md#consumers). */
  consumerId?: string;
}

const serviceIndex = () => new EntityIndex<ServiceEntry, 'id' | 'name'>({ id: (s) => s.id, name: (s) => s.name });
const consumerIndex = () =>
  new EntityIndex<ConsumerEntry, 'id' | 'username' | 'customId'>({ id: (c) => c.id, username: (c) => c.username, customId: (c) => c.customId });

class DeclarativeLoader {
  private readonly rep: Reporter;
  private readonly services = serviceIndex();
  private readonly invalidServices = serviceIndex();
  private readonly routes = new EntityIndex<RouteEntry, 'id' | 'name'>({ id: (r) => r.core.id, name: (r) => r.core.userName });
  private readonly invalidRoutes = new EntityIndex<RouteCore, 'id' | 'name'>({ id: (r) => r.id, name: (r) => r.userName });
  private readonly consumers = consumerIndex();
  private readonly invalidConsumers = consumerIndex();
  private readonly credentials: CredentialSpec[] = [];
  private readonly plugins: PluginSite[] = [];
  /** ACL groups by consumer (docs/acl.md#groups), in file order: nested acls, then top-level ones. */
  private readonly groups = new Map<ConsumerEntry, string[]>();
  /** Invalid acls entries: every route with an acl plugin fails closed (a lost group could lift a deny). */
  private readonly aclErrors: string[] = [];
  /** ca_certificates, for JWKS credentials' CA references. */
  private tls: UpstreamCertificates | undefined;

  constructor(file: string, private readonly legacyPaths: boolean) {
    this.rep = new Reporter(file);
  }

  load(doc: Mapping): ResourceSet {
    for (const key of Object.keys(doc)) {
      if (META_KEYS.has(key) || ENTITY_KEYS.has(key)) continue;
      const ref = this.rep.ref('file', key, key);
      if (UNSUPPORTED_ENTITY_KEYS.has(key)) this.rep.error(ref, 'Unsupported', `'${key}' are not supported by Portcullis; left out`, key);
      else this.rep.error(ref, 'UnknownField', 'unknown field', key);
    }
    const list = (key: string, rep = this.rep): unknown[] => {
      const v = doc[key];
      if (v === undefined || v === null) return [];
      if (Array.isArray(v)) return v;
      rep.error(rep.ref('file', key, key), 'InvalidValue', 'expected an array', key);
      return [];
    };

    list('services').forEach((raw, i) => this.addService(raw, flat('services[', i, ']')));
    // `certificates` are parsed once, for TLS termination and services' client_certificate alike;
    // their diagnostics keep their place after the other entities'.
    const certificateRep = new Reporter(this.rep.file);
    const caList = list('ca_certificates');
    const certificates = parseCertificates(list('certificates', certificateRep), list('snis', certificateRep), certificateRep);
    // Upstream TLS (docs/upstream-tls.md): resolved now, so routes can fail closed on a broken reference.
    const tls = new UpstreamCertificates(caList, certificates, this.rep);
    this.tls = tls;
    for (const s of this.services.items) {
      const spec = tls.resolve(s);
      if (spec !== undefined) s.info.tls = spec;
    }
    for (const s of this.services.items) {
      s.routes.forEach((raw, j) => this.addRoute(raw, flat(s.path, '.routes[', j, ']'), flat(s.label, '.routes[', j, ']'), s));
    }
    list('routes').forEach((raw, i) => this.addRoute(raw, flat('routes[', i, ']'), flat('routes[', i, ']'), undefined));
    for (const s of this.invalidServices.items) {
      s.routes.forEach((raw, j) => this.dependent('routes', raw, `${s.path}.routes[${j}]`, 'service', s.label));
    }

    list('consumers').forEach((raw, i) => this.addConsumer(raw, flat('consumers[', i, ']')));
    for (const c of this.consumers.items) {
      const ref = c.explicitId ?? c.username ?? c.id;
      c.jwtSecrets.forEach((raw, j) => this.addSecret(raw, flat(c.path, '.jwt_secrets[', j, ']'), c, ref));
    }
    for (const c of this.invalidConsumers.items) {
      c.jwtSecrets.forEach((raw, j) => this.dependent('jwt_secrets', raw, `${c.path}.jwt_secrets[${j}]`, 'consumer', c.ref.name));
    }
    list('jwt_secrets').forEach((raw, i) => this.addSecret(raw, flat('jwt_secrets[', i, ']'), undefined, undefined));
    for (const c of this.consumers.items) c.acls.forEach((raw, j) => this.addAcl(raw, `${c.path}.acls[${j}]`, c));
    for (const c of this.invalidConsumers.items) {
      c.acls.forEach((raw, j) => this.dependent('acls', raw, `${c.path}.acls[${j}]`, 'consumer', c.ref.name));
    }
    list('acls').forEach((raw, i) => this.addAcl(raw, `acls[${i}]`, undefined));

    this.collectPlugins(list('plugins'));
    const table = new PluginTable(this.rep);
    for (const site of this.plugins) {
      if (site.scope === undefined) continue;
      const p = site.core;
      const id = p.explicitId ?? pluginId({ name: p.name ?? p.path, ...(p.instanceName !== undefined ? { instanceName: p.instanceName } : {}), ...site.keys });
      if (site.consumerId !== undefined) table.addForConsumer(p, site.consumerId, site.scope, id);
      else {
        if (p.name === RATE_LIMITING_PLUGIN && site.keys.route !== undefined && site.keys.service !== undefined) table.markRatePair(site.scope);
        table.add(p, site.scope, id);
      }
    }

    const routes: RouteSpec[] = this.routes.items.map(({ core, service }) => this.routeSpec(core, service, table));
    const consumers: ConsumerSpec[] = this.consumers.items.map((c) => {
      // Usual fields in one literal: see addSecret.
      const spec: ConsumerSpec = c.username !== undefined ? { ref: c.ref, scope: '', username: c.username, tags: c.tags } : { ref: c.ref, scope: '', tags: c.tags };
      if (c.customId !== undefined) spec.customId = c.customId;
      const groups = this.groups.get(c);
      if (groups !== undefined) spec.groups = groups;
      if (c.explicitId !== undefined) spec.id = c.explicitId;
      else rememberConsumerId(spec, c.id);
      return spec;
    });
    this.rep.add(certificateRep.diagnostics);
    const set: ResourceSet = { consumers, credentials: this.credentials, routes, diagnostics: this.rep.diagnostics };
    // Left out when empty: a kong.yml without certificates hashes as before.
    if (certificates.specs.length > 0) set.certificates = certificates.specs;
    // Likewise: only a kong.yml with a global opentelemetry plugin carries tracing (docs/tracing.md#kongyml).
    const tracing = table.tracing.settings;
    if (tracing !== undefined) set.tracing = tracing;
    return set;
  }

  private dependent(kind: string, raw: unknown, path: string, parentKind: string, parentName: string): void {
    const nameField = kind === 'jwt_secrets' ? 'key' : kind === 'acls' ? 'group' : 'name';
    const own = isMapping(raw) && typeof raw[nameField] === 'string' && raw[nameField] !== '' ? (raw[nameField] as string) : path;
    this.rep.error(this.rep.ref(kind, own, path), 'DependencyInvalid', `left out: its ${parentKind} '${parentName}' is invalid`);
  }

  private addService(raw: unknown, path: string): void {
    const s = parseService(raw, path, this.rep);
    if (s === undefined) return;
    if (s.ok) {
      const clash = this.services.firstOf({ name: s.name, id: s.id });
      if (clash) {
        this.rep.error(s.ref, 'DuplicateName', `duplicate service: ${s.name !== undefined && clash.name === s.name ? `name '${s.name}'` : `id '${s.id}'`} is already used by ${clash.path}`, s.name !== undefined && clash.name === s.name ? 'name' : 'id');
        s.ok = false;
      }
    }
    if (!s.ok) return void this.invalidServices.push(s);
    if (!s.enabled) {
      // Kong builds no router entries for a disabled service; its plugins have nothing to apply to.
      this.rep.warn(s.ref, 'ServiceDisabled', 'service is disabled (enabled: false); its routes are not served', 'enabled');
      s.routes = [];
      s.plugins = [];
    }
    this.services.push(s);
  }

  private findService(ref: string): { found?: ServiceEntry; invalid?: ServiceEntry } {
    const lower = ref.toLowerCase();
    const found = this.services.get('id', lower) ?? this.services.get('name', ref);
    if (found) return { found };
    const invalid = this.invalidServices.get('id', lower) ?? this.invalidServices.get('name', ref);
    return invalid ? { invalid } : {};
  }

  private addRoute(raw: unknown, path: string, label: string, parent: ServiceEntry | undefined): void {
    const core = parseRoute(raw, path, label, parent === undefined, this.legacyPaths, this.rep);
    if (core === undefined) return;
    let service = parent;
    if (parent === undefined && core.serviceRef !== undefined) {
      const { found, invalid } = this.findService(core.serviceRef);
      if (found && !found.enabled) return; // routes of a disabled service are not served (warned on the service)
      if (found) service = found;
      else if (invalid) {
        this.rep.error(core.ref, 'DependencyInvalid', `left out: its service '${invalid.label}' is invalid`, 'service');
        core.ok = false;
      } else {
        this.rep.error(core.ref, 'ServiceNotFound', `invalid reference 'service: ${core.serviceRef}' (no such entry in 'services')`, 'service');
        core.ok = false;
      }
    }
    if (core.ok) {
      const clash = this.routes.firstOf({ name: core.userName, id: core.id });
      if (clash) {
        const byName = core.userName !== undefined && clash.core.userName === core.userName;
        this.rep.error(core.ref, 'DuplicateName', `duplicate route: ${byName ? `name '${core.name}'` : `id '${core.id}'`} is already used by ${clash.core.path}`, byName ? 'name' : 'id');
        core.ok = false;
      }
    }
    if (!core.ok || service === undefined) return void this.invalidRoutes.push(core);
    this.routes.push({ core, service });
  }

  private findRoute(ref: string): { found?: RouteEntry; invalid?: RouteCore } {
    const lower = ref.toLowerCase();
    const found = this.routes.get('id', lower) ?? this.routes.get('name', ref);
    if (found) return { found };
    const invalid = this.invalidRoutes.get('id', lower) ?? this.invalidRoutes.get('name', ref);
    return invalid ? { invalid } : {};
  }

  private addConsumer(raw: unknown, path: string): void {
    const c = parseConsumer(raw, path, this.rep);
    if (c === undefined) return;
    if (c.ok) {
      const o = this.consumers.firstOf({ username: c.username, customId: c.customId, id: c.id });
      if (o !== undefined) {
        const field = c.username !== undefined && o.username === c.username ? 'username'
          : c.customId !== undefined && o.customId === c.customId ? 'custom_id'
          : 'id';
        const value = field === 'username' ? c.username : field === 'custom_id' ? c.customId : c.id;
        this.rep.error(c.ref, 'DuplicateName', `duplicate consumer: ${field} '${value}' is already used by ${o.path}`, field);
        c.ok = false;
      }
    }
    (c.ok ? this.consumers : this.invalidConsumers).push(c);
  }

  /** Kong resolves a consumer reference by id first, then by username. */
  private findConsumer(ref: string): { found?: ConsumerEntry; invalid?: ConsumerEntry } {
    const lower = ref.toLowerCase();
    const match = (index: ReturnType<typeof consumerIndex>) => index.get('id', lower) ?? index.get('username', ref);
    const found = match(this.consumers);
    if (found) return { found };
    const invalid = match(this.invalidConsumers);
    return invalid ? { invalid } : {};
  }

  private addSecret(raw: unknown, path: string, parent: ConsumerEntry | undefined, parentRef: string | undefined): void {
    const s = parseJwtSecret(raw, path, parent === undefined, this.rep);
    if (s === undefined) return;
    let consumerRef = parentRef;
    if (parent === undefined && s.consumerRef !== undefined) {
      const { found, invalid } = this.findConsumer(s.consumerRef);
      if (found) consumerRef = s.consumerRef;
      else if (invalid) {
        this.rep.error(s.ref, 'DependencyInvalid', `left out: its consumer '${invalid.ref.name}' is invalid`, 'consumer');
        s.ok = false;
      } else {
        this.rep.error(s.ref, 'ConsumerNotFound', `invalid reference 'consumer: ${s.consumerRef}' (no such entry in 'consumers')`, 'consumer');
        s.ok = false;
      }
    }
    if (!s.ok || consumerRef === undefined) return;
    // The usual fields in one literal (kept in-object); a property added later costs a separate
    // property array per object, which adds up over 100,000 credentials.
    const spec: CredentialSpec = s.secret !== undefined
      ? { ref: s.ref, scope: '', consumerRef, consumerRefKind: 'username-or-id', key: s.key, algorithm: s.algorithm, secret: s.secret, tags: s.tags }
      : { ref: s.ref, scope: '', consumerRef, consumerRefKind: 'username-or-id', key: s.key, algorithm: s.algorithm, tags: s.tags };
    if (s.id !== undefined) spec.id = s.id;
    if (s.rsaPublicKey !== undefined) spec.rsaPublicKey = s.rsaPublicKey;
    if (s.kid !== undefined) spec.kid = s.kid;
    if (s.jwks !== undefined) {
      const jwks = resolveJwksDraft(s.jwks, s.ref, this.tls);
      if (jwks === undefined) return;
      spec.jwks = jwks;
    }
    this.credentials.push(spec);
  }

  /** An acls entry (nested in `parent`, or top-level naming its consumer): the consumer's group. */
  private addAcl(raw: unknown, path: string, parent: ConsumerEntry | undefined): void {
    const a = parseAcl(raw, path, parent === undefined, this.rep);
    if (a === undefined) return void this.aclErrors.push(path);
    let consumer = parent;
    if (parent === undefined && a.consumerRef !== undefined) {
      const { found, invalid } = this.findConsumer(a.consumerRef);
      if (found) consumer = found;
      else if (invalid) this.rep.error(a.ref, 'DependencyInvalid', `left out: its consumer '${invalid.ref.name}' is invalid`, 'consumer');
      else this.rep.error(a.ref, 'ConsumerNotFound', `invalid reference 'consumer: ${a.consumerRef}' (no such entry in 'consumers')`, 'consumer');
    }
    if (!a.ok) return void this.aclErrors.push(path);
    if (consumer === undefined) return;
    const list = this.groups.get(consumer);
    if (list === undefined) this.groups.set(consumer, [a.group]);
    else if (list.includes(a.group)) this.rep.error(a.ref, 'DuplicateName', `duplicate acl: group '${a.group}' is already given to consumer '${consumer.ref.name}'`, 'group');
    else list.push(a.group);
  }

  private collectPlugins(topLevel: unknown[]): void {
    const nested = (raw: unknown, path: string, scope: ScopeKey, keys: PluginSite['keys']) =>
      this.plugins.push({ core: parsePlugin(raw, path, false, false, this.rep), scope, keys });
    for (const s of this.services.items) s.plugins.forEach((raw, i) => nested(raw, `${s.path}.plugins[${i}]`, `service:${s.id}`, { service: s.id }));
    for (const { core: r } of this.routes.items) r.plugins.forEach((raw, i) => nested(raw, `${r.path}.plugins[${i}]`, `route:${r.id}`, { route: r.id }));
    for (const c of this.consumers.items) {
      c.plugins.forEach((raw, i) => {
        const core = parsePlugin(raw, `${c.path}.plugins[${i}]`, false, true, this.rep);
        // rate-limiting applies to this consumer on every route (Kong's consumer scope, docs/rate-limiting.md#consumers).
        if (core.name === RATE_LIMITING_PLUGIN) return void this.plugins.push({ core, scope: 'global', keys: { consumer: c.id }, consumerId: c.id });
        this.rep.error(core.ref, 'Unsupported', 'plugins scoped to a consumer are not supported; ignored', core.name === 'jwt' ? 'consumer' : undefined);
      });
    }
    topLevel.forEach((raw, i) => this.addTopLevelPlugin(parsePlugin(raw, `plugins[${i}]`, true, false, this.rep)));
  }

  private addTopLevelPlugin(p: PluginCore): void {
    const keys: PluginSite['keys'] = {
      ...(p.routeRef !== undefined ? { route: p.routeRef } : {}),
      ...(p.serviceRef !== undefined ? { service: p.serviceRef } : {}),
      ...(p.consumerRef !== undefined ? { consumer: p.consumerRef } : {}),
    };
    let consumerId: string | undefined;
    if (p.consumerRef !== undefined) {
      const { found } = this.findConsumer(p.consumerRef);
      if (found && p.name === RATE_LIMITING_PLUGIN) consumerId = found.id;
      if (!found) this.rep.error(p.ref, 'ConsumerNotFound', `invalid reference 'consumer: ${p.consumerRef}' (no such entry in 'consumers')`, 'consumer');
      if (p.name === 'jwt') {
        // Kong's jwt schema has `consumer = typedefs.no_consumer`: it authenticates, so it cannot be scoped by who is authenticated.
        this.rep.error(p.ref, 'Unsupported', "the jwt plugin cannot be scoped to a consumer (Kong refuses it too); ignored", 'consumer');
        return;
      }
      // A plugin that refuses requests cannot be lifted for some consumers only: its routes fail closed.
      const failsClosed = p.name === undefined || consumerId !== undefined ? undefined : CONSUMER_SCOPE_FAILS_CLOSED.get(p.name);
      // A rate-limiting whose consumer is not found: applying it to everyone would be wrong, dropping it too lenient.
      if (p.name === RATE_LIMITING_PLUGIN && consumerId === undefined) p = { ...p, ok: false };
      if (failsClosed !== undefined) {
        this.rep.error(p.ref, 'Unsupported', `the ${p.name} plugin cannot be scoped to a consumer${failsClosed}; the routes it applies to answer 500`, 'consumer');
        p = { ...p, ok: false };
      }
      if (p.name === CORRELATION_ID_PLUGIN || p.name === CORS_PLUGIN) {
        // It only adds a header: leaving it out refuses nothing Kong would let through.
        this.rep.error(p.ref, 'Unsupported', `the ${p.name} plugin cannot be scoped to a consumer; ignored`, 'consumer');
        return;
      }
    }
    // route: and service: together: Kong ranks the pair above a route-only instance; we scope it to
    // the route (the narrower of the two), which keeps "one jwt per route" simple.
    let scope: ScopeKey | undefined = 'global';
    if (p.routeRef !== undefined) {
      const { found, invalid } = this.findRoute(p.routeRef);
      if (found) scope = `route:${found.core.id}`;
      else {
        scope = undefined;
        if (invalid) this.rep.error(p.ref, 'DependencyInvalid', `left out: its route '${invalid.name}' is invalid`, 'route');
        else this.rep.error(p.ref, 'RouteNotFound', `invalid reference 'route: ${p.routeRef}' (no such entry in 'routes')`, 'route');
      }
    } else if (p.serviceRef !== undefined) {
      const { found, invalid } = this.findService(p.serviceRef);
      if (found) scope = `service:${found.id}`;
      else {
        scope = undefined;
        if (invalid) this.rep.error(p.ref, 'DependencyInvalid', `left out: its service '${invalid.label}' is invalid`, 'service');
        else this.rep.error(p.ref, 'ServiceNotFound', `invalid reference 'service: ${p.serviceRef}' (no such entry in 'services')`, 'service');
      }
    }
    this.plugins.push({ core: p, ...(scope !== undefined ? { scope } : {}), keys, ...(consumerId !== undefined ? { consumerId } : {}) });
  }

  private routeSpec(core: RouteCore, service: ServiceEntry, table: PluginTable): RouteSpec {
    const { jwt, claims, ipRestriction, correlationId, acl, cors, rateLimiting, rateLimitingByConsumer, pluginError: tableError } = table.resolve(core.id, service.id);
    let pluginError = tableError;
    // docs/acl.md#groups: a broken acls entry may have been a group a deny list needed.
    if (acl && this.aclErrors.length > 0) pluginError ??= `acl plugin: acls ${this.aclErrors.join(', ')} invalid`;
    if (claims && !jwt && pluginError === undefined) {
      // docs/claims.md: jwt-claims checks the token jwt verified; without jwt the route fails closed.
      this.rep.error(core.ref, 'ClaimsWithoutJwt', `the jwt-claims plugin ${claims.path} applies to this route but no jwt plugin does; the route answers 500 until one does`, 'plugins');
      pluginError = `jwt-claims plugin ${claims.path} applies without a jwt plugin`;
    }
    if (jwt) {
      const uncovered = core.protocols.filter((p) => !jwt.protocols.includes(p));
      if (uncovered.length > 0) {
        this.rep.warn(core.ref, 'PluginProtocols', `the jwt plugin's protocols do not include ${uncovered.join(', ')}; Portcullis enforces it on every protocol of the route`);
      }
    }
    return {
      ref: core.ref,
      scope: '',
      id: core.id,
      name: core.name,
      protocols: core.protocols,
      ...(core.httpsRedirectStatusCode !== undefined ? { httpsRedirectStatusCode: core.httpsRedirectStatusCode } : {}),
      hosts: core.hosts,
      paths: core.paths,
      methods: core.methods,
      headers: core.headers,
      stripPath: core.stripPath,
      preserveHost: core.preserveHost,
      regexPriority: core.regexPriority,
      backend: service.backend,
      service: service.info,
      ...(jwt ? { jwt: { id: jwt.id, config: jwt.config } } : {}),
      // Kept even when the route fails closed: its header names are still stripped everywhere.
      ...(claims ? { claims: { id: claims.id, config: claims.config } } : {}),
      ...(ipRestriction ? { ipRestriction } : {}),
      ...(correlationId ? { correlationId } : {}),
      ...(acl ? { acl } : {}),
      ...(cors ? { cors } : {}),
      ...(rateLimiting ? { rateLimiting } : {}),
      ...(rateLimitingByConsumer
        ? { rateLimitingByConsumer: rateLimitingByConsumer.map(({ consumerId, ...rl }) => ({ consumerRef: consumerId, consumerRefKind: 'username-or-id' as const, ...rl })) }
        : {}),
      ...(pluginError !== undefined || service.tlsError !== undefined ? { pluginError: pluginError ?? service.tlsError! } : {}),
      tags: core.tags,
    };
  }
}
