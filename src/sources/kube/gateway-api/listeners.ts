import type { ObjectRef } from '../../../model/diagnostics.js';
import { GATEWAY_API_GROUP, gatewaySpecSchema, type GatewayListener, type GatewaySpec } from '../../../model/gateway-api.js';
import type { CertificateSpec } from '../../../model/resources.js';
import { readSecretValue } from '../secrets.js';
import type { CustomObject, SecretObject } from '../types.js';
import { objectRefOf } from '../validate-object.js';
import { referenceAllowed, type Grants } from './reference-grants.js';
import type { GatewayApiSettings } from './types.js';

/** Why a listener (or part of it) is not served; the standard Gateway API reasons. */
export interface ListenerProblem {
  condition: 'Accepted' | 'ResolvedRefs' | 'Conflicted';
  reason: string;
  message: string;
}

export interface ResolvedListener {
  index: number;
  listener: GatewayListener;
  /** HTTPS on the TLS listener; HTTP on the plaintext one. */
  tls: boolean;
  /** Routes may attach (Accepted, not Conflicted). */
  usable: boolean;
  problems: ListenerProblem[];
  /** HTTPRoute when allowed (allowedRoutes.kinds), else empty. */
  supportedKinds: Array<{ group: string; kind: string }>;
  attachedRoutes: number;
  /** Per-Gateway data plane (data-plane.ts): the pod port this HTTP listener's port is served on. */
  podPort?: number;
}

export interface ResolvedGateway {
  obj: CustomObject;
  ref: ObjectRef;
  /** undefined: the spec did not parse (Accepted=False, InvalidParameters... reported as Invalid). */
  spec: GatewaySpec | undefined;
  specError?: string;
  listeners: ResolvedListener[];
  /** Per-Gateway data plane: its Service's addresses (data-plane.ts); undefined: the shared ones. */
  address?: GatewayApiSettings['addresses'];
}

/**
 * A Gateway of our GatewayClass → its listeners, each checked against how the pods serve them
 * (docs/gateway-api.md#listeners): HTTP on the plaintext listener at settings.httpPort, HTTPS
 * (TLS mode Terminate) on the TLS listener at settings.httpsPort; anything else is not Accepted
 * (PortUnavailable, UnsupportedProtocol). HTTPS certificateRefs become CertificateSpecs for the
 * SNI machinery (translate/certificates.ts).
 */
export function resolveGateway(
  obj: CustomObject,
  settings: GatewayApiSettings,
  secrets: ReadonlyMap<string, SecretObject>,
  grants: Grants,
  certificates: CertificateSpec[],
): ResolvedGateway {
  const ref = objectRefOf('Gateway', obj);
  const parsed = gatewaySpecSchema.safeParse(obj.spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { obj, ref, spec: undefined, specError: `spec.${issue.path.join('.')}: ${issue.message}`, listeners: [] };
  }
  const spec = parsed.data;
  const ns = ref.namespace!;
  const listeners = spec.listeners.map((listener, index): ResolvedListener => {
    const problems: ListenerProblem[] = [];
    const tls = listener.protocol === 'HTTPS';
    if (listener.protocol !== 'HTTP' && listener.protocol !== 'HTTPS') {
      problems.push({ condition: 'Accepted', reason: 'UnsupportedProtocol', message: `protocol ${listener.protocol} is not supported (HTTP and HTTPS are)` });
    } else {
      const want = tls ? settings.httpsPort : settings.httpPort;
      // Per-Gateway data plane: any HTTP port (its Service maps it to a pod port of its own).
      if (listener.port !== want && !(settings.dataPlane !== undefined && !tls)) {
        problems.push({
          condition: 'Accepted',
          reason: 'PortUnavailable',
          message: `${listener.protocol} listeners are served on port ${want} (the Service port in front of the gateway's ${tls ? 'TLS' : 'plaintext'} listener)`,
        });
      }
    }
    const supportedKinds: Array<{ group: string; kind: string }> = [];
    const kinds = listener.allowedRoutes.kinds;
    // A protocol we do not serve supports no route kind (status.listeners[].supportedKinds: []).
    const servable = listener.protocol === 'HTTP' || listener.protocol === 'HTTPS';
    if (servable && kinds === undefined) supportedKinds.push({ group: GATEWAY_API_GROUP, kind: 'HTTPRoute' });
    else if (servable && kinds !== undefined) {
      for (const k of kinds) {
        if (k.group === GATEWAY_API_GROUP && k.kind === 'HTTPRoute') supportedKinds.push({ group: GATEWAY_API_GROUP, kind: 'HTTPRoute' });
        else problems.push({ condition: 'ResolvedRefs', reason: 'InvalidRouteKinds', message: `route kind ${k.group}/${k.kind} is not supported` });
      }
    }
    if (tls) {
      const mode = listener.tls?.mode ?? 'Terminate';
      if (mode !== 'Terminate') problems.push({ condition: 'Accepted', reason: 'UnsupportedValue', message: `tls.mode ${mode} is not supported (Terminate is)` });
      const refs = listener.tls?.certificateRefs ?? [];
      if (refs.length === 0) problems.push({ condition: 'ResolvedRefs', reason: 'InvalidCertificateRef', message: 'an HTTPS listener needs tls.certificateRefs' });
      refs.forEach((c, j) => {
        const field = `spec.listeners[${index}].tls.certificateRefs[${j}]`;
        const certNs = c.namespace ?? ns;
        if (c.group !== '' || c.kind !== 'Secret') {
          problems.push({ condition: 'ResolvedRefs', reason: 'InvalidCertificateRef', message: `${field}: only core Secrets are supported` });
          return;
        }
        if (certNs !== ns && !referenceAllowed(grants, { group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: ns }, { group: '', kind: 'Secret', namespace: certNs, name: c.name })) {
          problems.push({ condition: 'ResolvedRefs', reason: 'RefNotPermitted', message: `${field}: no ReferenceGrant in ${certNs} allows it` });
          return;
        }
        const cert = readSecretValue(secrets, certNs, c.name, 'tls.crt');
        const key = cert.ok ? readSecretValue(secrets, certNs, c.name, 'tls.key') : cert;
        if (!cert.ok || !key.ok) {
          const p = !cert.ok ? cert : (key as Extract<typeof key, { ok: false }>);
          problems.push({ condition: 'ResolvedRefs', reason: 'InvalidCertificateRef', message: `${field}: ${p.message}` });
          return;
        }
        const c2: CertificateSpec = {
          ref,
          scope: ns,
          cert: cert.value.toString('utf8'),
          key: key.value.toString('utf8'),
          certField: field,
          keyField: field,
          // No hostname: the certificate for any SNI (and clients sending none).
          snis: [{ name: listener.hostname ?? '*', field: listener.hostname === undefined ? field : `spec.listeners[${index}].hostname` }],
          source: `Secret ${certNs}/${c.name}`,
          tags: [],
        };
        const created = creationTime(obj);
        if (created !== undefined) c2.createdAt = created;
        certificates.push(c2);
      });
    }
    return { index, listener, tls, usable: !problems.some((p) => p.condition === 'Accepted'), problems, supportedKinds, attachedRoutes: 0 };
  });
  // Two listeners on one port with the same hostname: the later ones are Conflicted (HostnameConflict).
  const seen = new Set<string>();
  for (const l of listeners) {
    if (!l.usable) continue;
    const key = `${l.listener.port}/${l.listener.hostname ?? ''}`;
    if (seen.has(key)) {
      l.usable = false;
      l.problems.push({ condition: 'Conflicted', reason: 'HostnameConflict', message: `another listener on port ${l.listener.port} has the same hostname` });
    }
    seen.add(key);
  }
  return { obj, ref, spec, listeners };
}

export function creationTime(obj: CustomObject): string | undefined {
  const raw = obj.metadata?.creationTimestamp;
  if (raw === undefined) return undefined;
  const ms = raw instanceof Date ? raw.getTime() : Date.parse(raw);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
