import type { CompiledRoute, Consumer, Credential, Snapshot } from '../snapshot/types.js';

/** Pure mapping of snapshot objects to Kong Admin API shapes (docs/kong-compatibility.md#admin-api). */

export const REDACTED = '<redacted>';

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export function consumerView(c: Consumer, createdAt: Date) {
  return {
    id: c.id,
    created_at: seconds(createdAt),
    updated_at: seconds(createdAt),
    username: c.username ?? null,
    custom_id: c.customId ?? null,
    tags: c.tags.length ? c.tags : null,
  };
}

export function credentialView(cr: Credential, createdAt: Date, exposeSecrets: boolean) {
  const secret = cr.spec.secret;
  return {
    id: cr.id,
    created_at: seconds(createdAt),
    consumer: { id: cr.consumer.id },
    key: cr.key,
    secret: secret === undefined ? null : exposeSecrets ? secretText(secret) : REDACTED,
    rsa_public_key: cr.spec.rsaPublicKey ?? null,
    algorithm: cr.algorithm,
    tags: cr.spec.tags.length ? cr.spec.tags : null,
    // Not Kong's field: shown only on credentials that have one (docs/key-material.md#rotation).
    ...(cr.kid !== undefined && { kid: cr.kid }),
    ...(cr.spec.jwks !== undefined ? { jwks: jwksView(cr) } : {}),
  };
}

/** docs/jwks.md: where the keys come from and which kids are live (public data only). */
function jwksView(cr: Credential) {
  const spec = cr.spec.jwks!;
  const keys = cr.jwks?.keys;
  return {
    ...(spec.url !== undefined ? { url: spec.url } : {}),
    ...(spec.issuer !== undefined ? { issuer: spec.issuer } : {}),
    ...(spec.inline !== undefined ? { inline: true } : {}),
    algorithms: spec.algorithms,
    usable: keys !== undefined,
    kids: keys === undefined ? [] : [...keys.byKid.keys()],
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Kong shows `secret` as a string. A Secret's bytes are shown as text when they are valid UTF-8
 * (what stringData wrote); other bytes have no faithful text form: a marker says so instead of a
 * string that would not verify.
 */
function secretText(secret: string | Uint8Array): string {
  if (typeof secret === 'string') return secret;
  try {
    return strictUtf8.decode(secret);
  } catch {
    return `<binary: ${secret.length} bytes>`;
  }
}

export function serviceViews(snap: Snapshot) {
  const seen = new Map<string, ReturnType<typeof serviceView>>();
  for (const r of snap.routes) if (!seen.has(r.spec.service.id)) seen.set(r.spec.service.id, serviceView(r, snap.createdAt));
  return [...seen.values()];
}

function serviceView(r: CompiledRoute, createdAt: Date) {
  const s = r.spec.service;
  const b = r.spec.backend;
  return {
    id: s.id,
    name: s.name ?? null,
    created_at: seconds(createdAt),
    updated_at: seconds(createdAt),
    protocol: b.protocol,
    host: b.kind === 'url' ? b.host : b.hostHeader.replace(/:\d+$/, ''),
    port: b.kind === 'url' ? b.port : typeof b.port === 'number' ? b.port : null,
    path: b.kind === 'url' && b.path ? b.path : null,
    connect_timeout: s.connectTimeoutMs,
    read_timeout: s.readTimeoutMs,
    write_timeout: s.writeTimeoutMs,
    retries: s.retries,
    tags: s.tags.length ? s.tags : null,
    enabled: true,
    // Kong's TLS fields (docs/upstream-tls.md); the material itself is never shown.
    ...(b.protocol === 'https' || b.protocol === 'grpcs' ? { tls_verify: s.tls?.verify ?? null, tls_verify_depth: s.tls?.verifyDepth ?? null } : {}),
  };
}

export function routeView(r: CompiledRoute, createdAt: Date) {
  const s = r.spec;
  return {
    id: r.id,
    name: r.name,
    created_at: seconds(createdAt),
    updated_at: seconds(createdAt),
    protocols: s.protocols,
    hosts: s.hosts.length ? s.hosts : null,
    paths: s.paths.length ? s.paths : null,
    methods: s.methods.length ? s.methods : null,
    headers: s.headers.length ? Object.fromEntries(s.headers.map((h) => [h.name, h.values])) : null,
    strip_path: s.stripPath,
    preserve_host: s.preserveHost,
    regex_priority: s.regexPriority,
    https_redirect_status_code: s.httpsRedirectStatusCode ?? 426,
    service: { id: s.service.id },
    tags: s.tags.length ? s.tags : null,
  };
}

/** Live snapshot for /debug/snapshot: structure only, secrets always redacted. */
export function debugSnapshotView(snap: Snapshot) {
  return {
    version: snap.version,
    hash: snap.hash,
    created_at: snap.createdAt.toISOString(),
    routes: snap.routes.map((r) => ({
      ...routeView(r, snap.createdAt),
      label: r.label,
      upstream: {
        id: r.upstream.id,
        protocol: r.upstream.protocol,
        base_path: r.upstream.basePath,
        host_header: r.upstream.hostHeader,
        targets: r.upstream.targets.map((t) => t.origin),
        timeouts_ms: { connect: r.upstream.connectTimeoutMs, read: r.upstream.readTimeoutMs, write: r.upstream.writeTimeoutMs },
        retries: r.upstream.retries,
        // What TLS settings apply, never the certificates or keys (docs/upstream-tls.md).
        ...(r.upstream.tls && {
          tls: {
            verify: r.upstream.tls.verify ?? null,
            verify_depth: r.upstream.tls.verifyDepth,
            ca_certificates: r.upstream.tls.ca?.length ?? 0,
            client_certificate: r.upstream.tls.cert !== undefined,
            server_name: r.upstream.tls.serverName ?? null,
          },
        }),
      },
      jwt: r.auth ? { plugin_id: r.auth.pluginId, config: r.auth.config } : null,
      jwt_claims: r.claims ? { plugin_id: r.claims.pluginId, config: r.claims.config } : null,
      plugin_error: r.pluginError ?? null,
    })),
    // Counts only: at 100,000 consumers the full lists were a 46 MB body built in one go, which
    // stalled the proxy on the same event loop for ~0.5 s. /consumers and /jwts page through them.
    consumers: snap.consumers.length,
    credentials: snap.credentials.all.length,
    diagnostics: snap.diagnostics.length,
  };
}

export interface Page<T> {
  data: T[];
  next: string | null;
  offset?: string;
}

/**
 * Kong-style paging: `size` (1..1000, default 100), `offset` (opaque; here the start index). Only
 * the page's items are mapped to their view (a list of 100,000 is not copied per request).
 */
export function paginate<T, V>(
  items: readonly T[],
  view: (item: T) => V,
  basePath: string,
  query: { size?: string; offset?: string },
): Page<V> | { error: string } {
  const size = query.size === undefined ? 100 : Number(query.size);
  if (!Number.isInteger(size) || size < 1 || size > 1000) return { error: 'size must be an integer between 1 and 1000' };
  const start = query.offset === undefined ? 0 : Number(query.offset);
  if (!Number.isInteger(start) || start < 0) return { error: 'invalid offset' };
  const data = items.slice(start, start + size).map(view);
  const nextStart = start + size;
  if (nextStart >= items.length) return { data, next: null };
  return { data, next: `${basePath}?offset=${nextStart}&size=${size}`, offset: String(nextStart) };
}
