import type { Diagnostic, DiagnosticCollector, ObjectRef } from '../../model/diagnostics.js';
import { INGRESS_API_VERSION, LEGACY_CLASS_ANNOTATION, ingressClassSpecSchema, ingressSpecSchema } from '../../model/ingress.js';
import { ingressJwt } from '../kube/ingress-jwt.js';
import type { IngressMeta } from '../kube/ingress-types.js';
import { issuesToDiagnostics } from '../kube/validate-object.js';

/** Ingress and IngressClass (networking.k8s.io/v1) are checked by `portcullis validate` (docs/ingress.md). */
export function isIngressKind(apiVersion: unknown, kind: unknown): kind is 'Ingress' | 'IngressClass' {
  return apiVersion === INGRESS_API_VERSION && (kind === 'Ingress' || kind === 'IngressClass');
}

/**
 * Offline checks of one Ingress or IngressClass: the fields the controller reads, with the API
 * server's rules; for an Ingress also the portcullis.dev/jwt annotation (the schema of a Route's
 * spec.plugins.jwt) and a class given twice (spec.ingressClassName and the deprecated annotation,
 * which the API server refuses).
 */
export function checkIngressManifest(
  kind: 'Ingress' | 'IngressClass',
  obj: { metadata?: unknown; spec?: unknown },
  ref: ObjectRef,
  out: DiagnosticCollector,
): void {
  if (!ref.name) {
    out.error(ref, 'InvalidSpec', 'is required', 'metadata.name');
    return;
  }
  if (kind === 'IngressClass') {
    const v = ingressClassSpecSchema.safeParse(obj.spec);
    if (!v.success) out.add(issuesToDiagnostics(ref, v.error.issues));
    return;
  }
  const v = ingressSpecSchema.safeParse(obj.spec);
  if (!v.success) out.add(issuesToDiagnostics(ref, v.error.issues));
  const meta = (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as IngressMeta;
  const annotations = meta.annotations;
  if (annotations !== undefined && (typeof annotations !== 'object' || Object.values(annotations).some((a) => typeof a !== 'string'))) {
    out.error(ref, 'InvalidSpec', 'annotation values must be strings (quote them)', 'metadata.annotations');
    return;
  }
  if (v.success && v.data.ingressClassName !== undefined && annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) {
    out.error(ref, 'InvalidSpec', `can not be set when spec.ingressClassName is also set`, `metadata.annotations[${LEGACY_CLASS_ANNOTATION}]`);
  }
  const found: Diagnostic[] = [];
  ingressJwt(ref, meta, found);
  out.add(found);
}
