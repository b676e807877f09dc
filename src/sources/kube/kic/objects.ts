import type { z } from 'zod';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../../model/diagnostics.js';
import { KIC_CLASS_ANNOTATION } from '../../../model/kic.js';
import type { KicObject, KicSettings } from './types.js';

/** KIC reads KongConsumers, KongConsumerGroups and KongClusterPlugins only when their class annotation names its class. */
export function hasKicClass(obj: KicObject, settings: KicSettings): boolean {
  return obj.metadata.annotations?.[KIC_CLASS_ANNOTATION] === settings.className;
}

/** The ObjectRef of a KIC object; a missing namespace is "default" (cluster-scoped objects have none). */
export function kicRef(kind: string, obj: KicObject, clusterScoped = false): ObjectRef {
  const m = obj.metadata;
  const ref: ObjectRef = { kind, name: m.name ?? '' };
  if (!clusterScoped) ref.namespace = m.namespace ?? 'default';
  if (m.generation !== undefined) ref.generation = m.generation;
  if (m.uid !== undefined) ref.uid = m.uid;
  return ref;
}

/** One diagnostic per zod issue; KIC's fields are top-level, so the field is the issue path ("config", "credentials[1]"). */
export function schemaDiagnostics(ref: ObjectRef, issues: readonly z.core.$ZodIssue[]): Diagnostic[] {
  return issues.map((i) => {
    const field = i.path.map((seg, n) => (typeof seg === 'number' ? `[${seg}]` : `${n === 0 ? '' : '.'}${String(seg)}`)).join('');
    return diagnostic('error', ref, 'InvalidSpec', i.message, field === '' ? undefined : field);
  });
}

/** "a, b,c" → ["a", "b", "c"] (KIC's konghq.com/plugins list). */
export function pluginNames(annotations: Readonly<Record<string, string>> | undefined, key: string): string[] {
  const raw = annotations?.[key];
  if (raw === undefined) return [];
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
