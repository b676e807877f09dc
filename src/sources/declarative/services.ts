import { HTTPS_REDIRECT_CODES, type BackendSpec, type HeaderMatch, type HttpsRedirectCode, type RouteProtocol, type ServiceInfo } from '../../model/resources.js';
import type { ObjectRef } from '../../model/diagnostics.js';
import { serviceId, routeId } from '../../model/ids.js';
import { Fields, isMapping, readId, readReference } from './fields.js';
import type { Reporter } from './report.js';
import { readServiceTls, SERVICE_TLS_FIELDS, type ServiceTlsFields } from './service-tls.js';

const MAX_TIMEOUT = 2 ** 31 - 2;
const DEFAULT_PORT = { http: 80, https: 443, grpc: 80, grpcs: 443 } as const;
/** Kong's service protocols this gateway proxies: HTTP/1.1, or HTTP/2 for grpc/grpcs (docs/http2-grpc.md#grpc). */
const PROTOCOLS = new Set(['http', 'https', 'grpc', 'grpcs']);
const isProtocol = (p: string): p is keyof typeof DEFAULT_PORT => PROTOCOLS.has(p);
/** Kong: a grpc/grpcs service has no path ("value must be null"); gRPC paths are /package.Service/Method. */
const NO_PATH_FOR_GRPC = "value must be null when 'protocol' is grpc or grpcs";

const SERVICE_FIELDS = new Set(['id', 'name', 'url', 'protocol', 'host', 'port', 'path', 'retries', 'connect_timeout', 'read_timeout', 'write_timeout', 'tags', 'enabled', 'routes', 'plugins', ...SERVICE_TLS_FIELDS]);
/** Metadata. */
const SERVICE_IGNORED = new Set(['created_at', 'updated_at']);

const ROUTE_FIELDS = new Set(['id', 'name', 'paths', 'hosts', 'methods', 'headers', 'strip_path', 'preserve_host', 'regex_priority', 'protocols', 'https_redirect_status_code', 'tags', 'plugins', 'service']);
/**
 * Known to Kong, harmless to ignore here: metadata, stream/TLS-only matchers (we serve http/https
 * routes only), buffering knobs (we always stream), and path_handling (we implement Kong's
 * default v0 joining, docs/kong-compatibility.md#routing).
 */
const ROUTE_IGNORED = new Set(['created_at', 'updated_at', 'request_buffering', 'response_buffering', 'snis', 'sources', 'destinations', 'path_handling']);

export interface ServiceEntry {
  ref: ObjectRef;
  path: string;
  ok: boolean;
  id: string;
  name?: string;
  /** name, or the position "services[0]" when unnamed */
  label: string;
  enabled: boolean;
  info: ServiceInfo;
  backend: BackendSpec;
  /** https and grpcs only: tls_verify, tls_verify_depth, ca_certificates, client_certificate as written. */
  tls?: ServiceTlsFields;
  /** Set when those cannot be resolved: the service's routes fail closed (500). */
  tlsError?: string;
  routes: unknown[];
  plugins: unknown[];
}

export function parseService(raw: unknown, path: string, rep: Reporter): ServiceEntry | undefined {
  if (!isMapping(raw)) {
    rep.error(rep.ref('services', path, path), 'InvalidValue', 'expected a record');
    return undefined;
  }
  const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : undefined;
  const ref = rep.ref('services', name ?? path, path);
  const f = new Fields(raw, ref, rep);
  f.checkKnown(SERVICE_FIELDS, SERVICE_IGNORED);
  f.string('name');
  const id = readId(f);
  const backend = readBackend(f);
  const tls = readServiceTls(f, backend?.protocol);
  const info: ServiceInfo = {
    id: id ?? serviceId(name ?? path),
    ...(name !== undefined ? { name } : {}),
    connectTimeoutMs: f.int('connect_timeout', 60000, 1, MAX_TIMEOUT),
    readTimeoutMs: f.int('read_timeout', 60000, 1, MAX_TIMEOUT),
    writeTimeoutMs: f.int('write_timeout', 60000, 1, MAX_TIMEOUT),
    retries: f.int('retries', 5, 0, 32767),
    tags: f.strings('tags'),
  };
  const enabled = f.bool('enabled', true);
  const routes = f.list('routes');
  const plugins = f.list('plugins');
  return {
    ref,
    path,
    ok: f.ok && backend !== undefined,
    id: info.id,
    ...(name !== undefined ? { name } : {}),
    label: name ?? path,
    enabled,
    info,
    backend: backend ?? { kind: 'url', protocol: 'http', host: '', port: 0, path: '' },
    ...(tls !== undefined ? { tls } : {}),
    routes,
    plugins,
  };
}

/** `url`, or protocol/host/port/path (port defaults by scheme). Never quotes the url: it may carry credentials. */
function readBackend(f: Fields): BackendSpec | undefined {
  const url = f.string('url');
  if (url !== undefined) {
    for (const k of ['protocol', 'host', 'port', 'path']) {
      if (f.has(k)) f.fail(k, "cannot be set together with 'url'");
    }
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(url);
    if (!m) return f.fail('url', 'missing host in url'), undefined;
    const scheme = m[1]!.toLowerCase();
    if (!isProtocol(scheme)) return f.fail('url', `unsupported protocol '${scheme}' (expected http, https, grpc or grpcs)`), undefined;
    if (m[2]!.includes('@')) return f.fail('url', 'url must not contain user information'), undefined;
    if (m[4] !== undefined || m[5] !== undefined) return f.fail('url', 'url must not contain a query or fragment'), undefined;
    let parsed: URL;
    try {
      parsed = new URL(`${scheme}://${m[2]}`);
    } catch {
      return f.fail('url', 'invalid url'), undefined;
    }
    if (parsed.hostname === '') return f.fail('url', 'missing host in url'), undefined;
    const port = parsed.port === '' ? DEFAULT_PORT[scheme] : Number(parsed.port);
    if (port < 1) return f.fail('url', 'invalid port in url'), undefined;
    const path = m[3] ?? '';
    if (path !== '' && (scheme === 'grpc' || scheme === 'grpcs')) return f.fail('url', NO_PATH_FOR_GRPC), undefined;
    return { kind: 'url', protocol: scheme, host: stripBrackets(parsed.hostname), port, path };
  }
  const protocol = f.string('protocol') ?? 'http';
  const host = f.string('host');
  if (host === undefined) {
    if (!f.has('host')) f.fail(undefined, "one of 'url' or 'host' is required", 'MissingField');
    return undefined;
  }
  if (!isProtocol(protocol)) return f.fail('protocol', `unsupported protocol '${protocol}' (expected http, https, grpc or grpcs)`), undefined;
  const hostOk = (() => {
    try {
      return new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}`).hostname !== '';
    } catch {
      return false;
    }
  })();
  if (!hostOk || /[/?#@\s]/.test(host)) return f.fail('host', 'invalid hostname'), undefined;
  const port = f.int('port', DEFAULT_PORT[protocol], 1, 65535);
  const path = f.string('path') ?? '';
  if (path !== '' && (protocol === 'grpc' || protocol === 'grpcs')) return f.fail('path', NO_PATH_FOR_GRPC), undefined;
  if (path !== '' && !path.startsWith('/')) return f.fail('path', "should start with: /"), undefined;
  if (/[?#]/.test(path)) return f.fail('path', 'must not contain a query or fragment'), undefined;
  return { kind: 'url', protocol, host: stripBrackets(host.toLowerCase()), port, path };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const ROUTE_PROTOCOLS: ReadonlySet<string> = new Set<RouteProtocol>(['http', 'https', 'grpc', 'grpcs']);

export interface RouteCore {
  ref: ObjectRef;
  path: string;
  ok: boolean;
  id: string;
  name: string;
  /** the user's name; undefined for an unnamed route */
  userName?: string;
  protocols: RouteProtocol[];
  httpsRedirectStatusCode?: HttpsRedirectCode;
  hosts: string[];
  paths: string[];
  methods: string[];
  headers: HeaderMatch[];
  stripPath: boolean;
  preserveHost: boolean;
  regexPriority: number;
  tags: string[];
  /** top-level routes only: the `service:` reference as written (name or id) */
  serviceRef?: string;
  plugins: unknown[];
}

/** Paths in _format_version < 3.0 were regexes when they held regex characters; 3.0 needs "~". */
const LEGACY_REGEX_HINT = /[^A-Za-z0-9/\-._~%!$&'()*+,;=:@]/;

export function parseRoute(raw: unknown, path: string, label: string, topLevel: boolean, legacyPaths: boolean, rep: Reporter): RouteCore | undefined {
  if (!isMapping(raw)) {
    rep.error(rep.ref('routes', label, path), 'InvalidValue', 'expected a record');
    return undefined;
  }
  const userName = typeof raw.name === 'string' && raw.name !== '' ? raw.name : undefined;
  const name = userName ?? label;
  const ref = rep.ref('routes', name, path);
  const f = new Fields(raw, ref, rep);
  f.checkKnown(ROUTE_FIELDS, ROUTE_IGNORED);
  f.string('name');
  const id = readId(f) ?? routeId(name);

  let serviceRef: string | undefined;
  if (topLevel) {
    serviceRef = readReference(f, 'service');
    if (serviceRef === undefined && f.ok && !f.has('service')) f.fail('service', 'required field missing (routes without a service are not supported)', 'MissingField');
  } else if (f.has('service')) {
    f.fail('service', 'must not be set on a route nested in a service');
  }

  const protocols = f.strings('protocols', ['http', 'https']);
  protocols.forEach((p, i) => {
    if (p === 'tcp' || p === 'tls' || p === 'udp' || p === 'tls_passthrough' || p === 'ws' || p === 'wss') {
      f.fail(`protocols[${i}]`, `unsupported protocol '${p}' (http, https, grpc and grpcs routes are served)`, 'Unsupported');
    } else if (!ROUTE_PROTOCOLS.has(p)) f.fail(`protocols[${i}]`, `expected one of: grpc, grpcs, http, https`);
  });
  const redirect = f.int('https_redirect_status_code', 426, 0, 999);
  if (!(HTTPS_REDIRECT_CODES as readonly number[]).includes(redirect)) f.fail('https_redirect_status_code', `expected one of: ${HTTPS_REDIRECT_CODES.join(', ')}`);

  const hosts = f.strings('hosts');
  hosts.forEach((h, i) => {
    const wild = (h.startsWith('*.') ? 1 : 0) + (h.endsWith('.*') ? 1 : 0);
    const bare = h.replace(/^\*\./, '').replace(/\.\*$/, '');
    if (wild > 1 || bare.includes('*') || !/^[A-Za-z0-9.\-:[\]]+$/.test(bare)) f.fail(`hosts[${i}]`, 'invalid hostname');
  });

  let paths = f.strings('paths');
  paths = paths.map((p, i) => {
    let out = p;
    if (legacyPaths && !p.startsWith('~') && LEGACY_REGEX_HINT.test(p)) {
      out = `~${p}`;
      rep.warn(ref, 'LegacyRegexPath', `treated as regex '${out}' (format < 3.0); write it with a leading '~'`, `paths[${i}]`);
    }
    if (out.startsWith('~')) {
      if (!out.startsWith('~/')) f.fail(`paths[${i}]`, 'should start with: / (fixed path) or ~/ (regex path)');
      else {
        try {
          new RegExp(out.slice(1));
        } catch {
          f.fail(`paths[${i}]`, 'invalid regex', 'InvalidRegex');
        }
      }
    } else if (!out.startsWith('/')) f.fail(`paths[${i}]`, 'should start with: / (fixed path) or ~/ (regex path)');
    return out;
  });

  const methods = f.strings('methods');
  methods.forEach((m, i) => {
    if (!/^[A-Z]+$/.test(m)) f.fail(`methods[${i}]`, 'invalid value: must contain only uppercase letters');
  });

  const headers = readHeaders(f);
  const stripPath = f.bool('strip_path', true);
  const preserveHost = f.bool('preserve_host', false);
  const regexPriority = f.int('regex_priority', 0, -(2 ** 31), 2 ** 31 - 1);
  const tags = f.strings('tags');
  const plugins = f.list('plugins');

  if (f.ok && hosts.length === 0 && paths.length === 0 && methods.length === 0 && headers.length === 0) {
    f.fail(undefined, "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'", 'NoMatcher');
  }
  return {
    ref, path, ok: f.ok, id, name, ...(userName !== undefined ? { userName } : {}),
    protocols: protocols.filter((p): p is RouteProtocol => ROUTE_PROTOCOLS.has(p)),
    ...(redirect !== 426 ? { httpsRedirectStatusCode: redirect as HttpsRedirectCode } : {}),
    hosts, paths, methods, headers, stripPath, preserveHost, regexPriority, tags,
    ...(serviceRef !== undefined ? { serviceRef } : {}), plugins,
  };
}

function readHeaders(f: Fields): HeaderMatch[] {
  const raw = f.raw.headers;
  if (raw === undefined || raw === null) return [];
  if (!isMapping(raw)) return f.fail('headers', 'expected a map'), [];
  const out: HeaderMatch[] = [];
  for (const [name, values] of Object.entries(raw)) {
    const lower = name.toLowerCase();
    if (lower === 'host') {
      f.fail(`headers.${name}`, "cannot contain 'host' header, which must be specified in the 'hosts' attribute");
      continue;
    }
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) {
      f.fail(`headers.${name}`, 'expected a non-empty array of non-empty strings');
      continue;
    }
    out.push({ name: lower, values: values as string[] });
  }
  return out;
}
