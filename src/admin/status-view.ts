import type { Diagnostic } from '../model/diagnostics.js';
import type { RejectionEntry } from '../observability/rejections.js';
import type { CompiledRoute, Credential, Snapshot } from '../snapshot/types.js';
import type { RequestRates } from './request-rates.js';

/**
 * The status page's view model (docs/status-page.md): pure, from the live snapshot, the refused
 * requests and the request rates. Public data only: no secret, no key material, no token.
 */
export interface StatusView {
  generatedAt: string;
  mode: string | null;
  version: string;
  /** Where the refused requests come from ("this process", or "2 proxy workers"). */
  rejectionsFrom: string;
  snapshot: { version: number; hash: string; createdAt: string } | null;
  rates: RequestRates | null;
  routes: RouteRow[];
  consumers: ConsumerRow[];
  notProgrammed: ProblemRow[];
  rejections: RejectionEntry[];
}

/** What guards a route: the plugins in the order they run, or why it never proxies. */
export type Protection = 'jwt' | 'jwt + jwt-claims' | 'none' | 'fail closed';

export interface RouteRow {
  name: string;
  id: string;
  protocols: string[];
  hosts: string[];
  paths: string[];
  methods: string[];
  service: string;
  protection: Protection;
  /** Details of the protection: anonymous consumer, claims checks, the plugin error. */
  detail: string[];
}

export interface CredentialRow {
  key: string;
  algorithm: string;
  kind: 'hmac' | 'public key' | 'jwks';
  kid: string | null;
  /** ok: usable now; unusable: a JWKS set with no usable keys (never fetched, or too stale). */
  state: 'ok' | 'unusable';
  /** JWKS only: where the keys come from (URL or issuer; "inline") and the kids live now. */
  source: string | null;
  kids: string[];
}

export interface ConsumerRow {
  username: string | null;
  id: string;
  customId: string | null;
  scope: string;
  /** ACL groups (acls entities, KIC acl credentials); only on consumers that have some. */
  groups?: string[];
  credentials: CredentialRow[];
}

export interface ProblemRow {
  severity: Diagnostic['severity'];
  kind: string;
  object: string;
  /** Where it came from: "ns" (controller) or "file: path" (kong.yml). */
  location: string | null;
  field: string | null;
  reason: string;
  message: string;
}

export interface StatusInputs {
  snapshot: Snapshot | undefined;
  rejections: readonly RejectionEntry[];
  rejectionsFrom: string;
  rates: RequestRates | null;
  mode: string | undefined;
  version: string;
  now: Date;
}

export function statusView(i: StatusInputs): StatusView {
  const s = i.snapshot;
  return {
    generatedAt: i.now.toISOString(),
    mode: i.mode ?? null,
    version: i.version,
    rejectionsFrom: i.rejectionsFrom,
    snapshot: s ? { version: s.version, hash: s.hash, createdAt: s.createdAt.toISOString() } : null,
    rates: i.rates,
    routes: s ? s.routes.map(routeRow) : [],
    consumers: s ? consumerRows(s) : [],
    notProgrammed: s ? s.diagnostics.map(problemRow) : [],
    rejections: [...i.rejections],
  };
}

export function routeRow(r: CompiledRoute): RouteRow {
  const s = r.spec;
  const detail: string[] = [];
  let protection: Protection = 'none';
  if (r.pluginError !== undefined) {
    protection = 'fail closed';
    detail.push(`answers 500: ${r.pluginError}`);
  } else if (r.auth) {
    protection = r.claims ? 'jwt + jwt-claims' : 'jwt';
    const c = r.auth.config;
    if (c.anonymous) detail.push(`anonymous consumer: ${c.anonymous}`);
    if (c.claimsToVerify.length) detail.push(`verifies: ${c.claimsToVerify.join(', ')}`);
    if (r.claims) detail.push(...claimsDetail(r.claims.config));
  }
  return {
    name: r.label,
    id: r.id,
    protocols: [...s.protocols],
    hosts: [...s.hosts],
    paths: [...s.paths],
    methods: [...s.methods],
    service: s.service.name ?? s.service.id,
    protection,
    detail,
  };
}

/** The jwt-claims checks by their config field names (docs/claims.md); values are policy, not secrets. */
function claimsDetail(c: { audiences?: readonly string[]; issuers?: readonly string[]; scopes?: readonly string[]; claims?: readonly unknown[] }): string[] {
  const out: string[] = [];
  if (c.audiences?.length) out.push(`audiences: ${c.audiences.join(', ')}`);
  if (c.issuers?.length) out.push(`issuers: ${c.issuers.join(', ')}`);
  if (c.scopes?.length) out.push(`scopes: ${c.scopes.join(', ')}`);
  if (c.claims?.length) out.push(`claim checks: ${c.claims.length}`);
  return out;
}

function consumerRows(s: Snapshot): ConsumerRow[] {
  const byConsumer = new Map<string, CredentialRow[]>();
  for (const cr of s.credentials.all) {
    const rows = byConsumer.get(cr.consumer.id) ?? [];
    rows.push(credentialRow(cr));
    byConsumer.set(cr.consumer.id, rows);
  }
  return s.consumers.map((c) => ({
    username: c.username ?? null,
    id: c.id,
    customId: c.customId ?? null,
    scope: c.scope,
    ...(c.groups !== undefined && { groups: [...c.groups] }),
    credentials: byConsumer.get(c.id) ?? [],
  }));
}

/** Never the secret, the PEM or a JWK: the key claim value, the algorithm, the kid(s) and whether keys are usable. */
export function credentialRow(cr: Credential): CredentialRow {
  const jwks = cr.spec.jwks;
  if (jwks !== undefined) {
    const keys = cr.jwks?.keys;
    return {
      key: cr.key,
      algorithm: jwks.algorithms.join(', '),
      kind: 'jwks',
      kid: cr.kid ?? null,
      state: keys === undefined ? 'unusable' : 'ok',
      source: jwks.url !== undefined ? publicUrl(jwks.url) : jwks.issuer !== undefined ? publicUrl(jwks.issuer) : jwks.inline !== undefined ? 'inline' : null,
      kids: keys === undefined ? [] : [...keys.byKid.keys()],
    };
  }
  return {
    key: cr.key,
    algorithm: cr.algorithm,
    kind: cr.spec.secret !== undefined ? 'hmac' : 'public key',
    kid: cr.kid ?? null,
    state: 'ok',
    source: null,
    kids: [],
  };
}

/** A URL without user info, query or fragment: where keys come from, nothing that could be a credential. */
export function publicUrl(u: string): string {
  try {
    const url = new URL(u);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

export function problemRow(d: Diagnostic): ProblemRow {
  const o = d.object;
  const location = o.namespace ?? (o.file !== undefined ? (o.path !== undefined ? `${o.file}: ${o.path}` : o.file) : o.path ?? null);
  return {
    severity: d.severity,
    kind: o.kind,
    object: o.namespace !== undefined ? `${o.namespace}/${o.name}` : o.name,
    location,
    field: d.field ?? null,
    reason: d.reason,
    message: d.message,
  };
}
