import { basename } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Diagnostic, ObjectRef } from '../../src/model/diagnostics.js';
import type { JwtPluginConfig } from '../../src/model/jwt-config.js';
import type { Consumer, Credential, Snapshot, Upstream } from '../../src/snapshot/types.js';

/**
 * A plain, JSON-serializable and secret-free picture of a Snapshot, sorted so equal snapshots
 * give equal views whatever the input order. For golden files and debugging: it names which key
 * material is present (and of what type), never the material itself. Leaves out what varies
 * between runs or machines: version, hash, createdAt, absolute file paths.
 */
export interface SnapshotView {
  routes: RouteView[];
  upstreams: UpstreamView[];
  consumers: ConsumerView[];
  credentials: CredentialView[];
  diagnostics: DiagnosticView[];
}

export interface RouteView {
  id: string;
  name: string;
  label: string;
  scope: string;
  hosts: string[];
  paths: string[];
  methods: string[];
  stripPath: boolean;
  preserveHost: boolean;
  upstream: string;
  auth: { pluginId: string; config: JwtPluginConfig } | null;
  pluginError: string | null;
}

export interface UpstreamView {
  id: string;
  protocol: Upstream['protocol'];
  basePath: string;
  hostHeader: string;
  targets: string[];
  timeoutsMs: { connect: number; read: number; write: number };
  retries: number;
}

export interface ConsumerView {
  id: string;
  scope: string;
  username: string | null;
  customId: string | null;
  upstreamHeaders: Record<string, string>;
}

export interface PublicKeyView {
  type: string;
  /** EC keys: the OpenSSL curve name (prime256v1, secp384r1, secp521r1). */
  curve?: string;
  modulusLength?: number;
}

export interface CredentialView {
  id: string;
  key: string;
  algorithm: string;
  consumer: string;
  /** docs/key-material.md#rotation: the credential's kid, when it has one. */
  kid?: string;
  /** Set on credentials whose key the token's kid decides: whether this one answers tokens without a known kid. */
  answersTokensWithoutKnownKid?: boolean;
  /** Which key material was imported; absent fields were not. */
  material: {
    hmac?: true;
    /** null: the secret is not valid base64, so secret_is_base64 routes cannot use it. */
    hmacFromBase64?: true | null;
    publicKey?: PublicKeyView;
  };
}

export interface DiagnosticView {
  severity: string;
  object: ObjectRef;
  field: string | null;
  reason: string;
  message: string;
}

export function snapshotView(snapshot: Snapshot): SnapshotView {
  const upstreams = new Map<string, Upstream>();
  for (const r of snapshot.routes) upstreams.set(r.upstream.id, r.upstream);
  return {
    routes: sortBy(
      snapshot.routes.map(
        (r): RouteView => ({
          id: r.id,
          name: r.name,
          label: r.label,
          scope: r.spec.scope,
          hosts: [...r.spec.hosts],
          paths: [...r.spec.paths],
          methods: [...r.spec.methods],
          stripPath: r.spec.stripPath,
          preserveHost: r.spec.preserveHost,
          upstream: r.upstream.id,
          auth: r.auth ? { pluginId: r.auth.pluginId, config: plain(r.auth.config) } : null,
          pluginError: r.pluginError ?? null,
        }),
      ),
      (r) => [r.scope, r.id, r.name],
    ),
    upstreams: sortBy([...upstreams.values()].map(upstreamView), (u) => [u.id]),
    consumers: sortBy(snapshot.consumers.map(consumerView), (c) => [c.scope, c.id]),
    credentials: sortBy(snapshot.credentials.all.map(credentialView), (c) => [c.key, c.id]),
    diagnostics: sortBy(snapshot.diagnostics.map(diagnosticView), (d) => [
      d.object.kind,
      d.object.namespace ?? '',
      d.object.file ?? '',
      d.object.path ?? '',
      d.object.name,
      d.field ?? '',
      d.reason,
      d.message,
    ]),
  };
}

function upstreamView(u: Upstream): UpstreamView {
  return {
    id: u.id,
    protocol: u.protocol,
    basePath: u.basePath,
    hostHeader: u.hostHeader,
    targets: u.targets.map((t) => t.origin),
    timeoutsMs: { connect: u.connectTimeoutMs, read: u.readTimeoutMs, write: u.writeTimeoutMs },
    retries: u.retries,
  };
}

function consumerView(c: Consumer): ConsumerView {
  return {
    id: c.id,
    scope: c.scope,
    username: c.username ?? null,
    customId: c.customId ?? null,
    upstreamHeaders: plain(c.upstreamHeaders),
  };
}

function credentialView(c: Credential): CredentialView {
  const material: CredentialView['material'] = {};
  if (c.hmacKey !== undefined) material.hmac = true;
  if (c.hmacKeyFromBase64 !== undefined) material.hmacFromBase64 = c.hmacKeyFromBase64 === null ? null : true;
  if (c.publicKey !== undefined) material.publicKey = publicKeyView(c.publicKey);
  const view: CredentialView = { id: c.id, key: c.key, algorithm: c.algorithm, consumer: c.consumer.id, material };
  // Only credentials with a kid show one (and which credential answers the key's other tokens).
  if (c.kid !== undefined) view.kid = c.kid;
  if (c.kidTable !== undefined) view.answersTokensWithoutKnownKid = c.kidTable.fallback === c;
  return view;
}

function publicKeyView(key: KeyObject): PublicKeyView {
  const view: PublicKeyView = { type: key.asymmetricKeyType ?? 'unknown' };
  const details = key.asymmetricKeyDetails;
  if (details?.namedCurve !== undefined) view.curve = details.namedCurve;
  if (details?.modulusLength !== undefined) view.modulusLength = details.modulusLength;
  return view;
}

function diagnosticView(d: Diagnostic): DiagnosticView {
  const object: ObjectRef = { ...d.object };
  if (object.file !== undefined) object.file = basename(object.file);
  return { severity: d.severity, object: plain(object), field: d.field ?? null, reason: d.reason, message: d.message };
}

/** Deep copy with keys sorted and undefined dropped, so JSON.stringify output is stable. */
function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => plain(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = plain(v);
    }
    return out as T;
  }
  return value;
}

function sortBy<T>(items: T[], keyOf: (item: T) => string[]): T[] {
  const keyed = items.map((item) => ({ item, key: keyOf(item) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) {
      const x = a.key[i]!;
      const y = b.key[i]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  return keyed.map((k) => k.item);
}
