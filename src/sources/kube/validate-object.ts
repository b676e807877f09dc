import type { z } from 'zod';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import type { CustomObject } from './types.js';

/** The ObjectRef of a custom resource; missing namespace means "default", as kubectl assumes. */
export function objectRefOf(kind: string, obj: CustomObject, extra?: Partial<ObjectRef>): ObjectRef {
  const m = obj.metadata ?? {};
  const ref: ObjectRef = { kind, namespace: m.namespace ?? 'default', name: m.name ?? '' };
  if (m.generation !== undefined) ref.generation = m.generation;
  if (m.uid !== undefined) ref.uid = m.uid;
  return { ...ref, ...extra };
}

/** One diagnostic per zod issue, with the dotted field below `spec` ("spec.secretRef.key"). */
export function issuesToDiagnostics(ref: ObjectRef, issues: readonly z.core.$ZodIssue[], prefix = 'spec'): Diagnostic[] {
  return issues.map((i) => diagnostic('error', ref, 'InvalidSpec', i.message, [prefix, ...i.path.map(String)].join('.')));
}

export type Validated<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };

/** metadata.name must be present before anything else can be said about an object. */
export function validateCustomObject<S extends z.ZodType>(schema: S, ref: ObjectRef, obj: CustomObject): Validated<z.output<S>> {
  if (!ref.name) {
    return { ok: false, diagnostics: [diagnostic('error', ref, 'InvalidSpec', 'is required', 'metadata.name')] };
  }
  const r = schema.safeParse(obj.spec);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, diagnostics: issuesToDiagnostics(ref, r.error.issues) };
}
