import type { Diagnostic } from '../model/diagnostics.js';
import { KIC_CONSUMER_GROUP_API_VERSION, KIC_API_VERSION, KIC_CONSUMER_KIND, KIC_PLURALS, type KicKind } from '../model/kic.js';
import { hasKicClass } from '../sources/kube/kic/objects.js';
import type { KicObject, KicObjects, KicSettings } from '../sources/kube/kic/types.js';
import type { StatusCondition } from '../sources/kube/types.js';
import { CONDITION_PROGRAMMED, conditionTime, diagnosticsByObject, joinMessages, statusKey, type DesiredStatus, type StatusTarget } from './conditions.js';

/**
 * PURE: the `Programmed` condition of the Kong Ingress Controller objects we read with
 * --kic-resources (docs/kong-ingress-controller.md#status). KIC's API declares one condition,
 * `Programmed`, on KongConsumer, KongConsumerGroup, KongPlugin and KongClusterPlugin; we write
 * that one only (no `Accepted`), and only on the objects we read: consumers, groups and cluster
 * plugins of our class, every KongPlugin in the watched namespaces (they carry no class and are
 * all checked). True: reason `Programmed`; False: the first error's reason (src/model/reasons.ts)
 * and the errors' messages, which name fields, never Secret values.
 */
export const KIC_PROGRAMMED_MESSAGE = 'Object was successfully configured in Portcullis.';

/** The kind our diagnostics name each KIC kind by (KongConsumer is qualified: it clashes with ours). */
const DIAGNOSTIC_KIND: Record<KicKind, string> = {
  KongConsumer: KIC_CONSUMER_KIND,
  KongConsumerGroup: 'KongConsumerGroup',
  KongPlugin: 'KongPlugin',
  KongClusterPlugin: 'KongClusterPlugin',
};

/** The KIC objects whose status we write, with their kind. */
export function kicStatusObjects(kic: KicObjects, settings: KicSettings): Array<[KicKind, KicObject]> {
  const ofClass = (list: readonly KicObject[]) => list.filter((o) => hasKicClass(o, settings));
  return [
    ...ofClass(kic.consumers).map((o) => ['KongConsumer', o] as [KicKind, KicObject]),
    ...ofClass(kic.consumerGroups).map((o) => ['KongConsumerGroup', o] as [KicKind, KicObject]),
    ...kic.plugins.map((o) => ['KongPlugin', o] as [KicKind, KicObject]),
    ...ofClass(kic.clusterPlugins).map((o) => ['KongClusterPlugin', o] as [KicKind, KicObject]),
  ];
}

export function kicDesiredStatuses(diagnostics: readonly Diagnostic[], kic: KicObjects, settings: KicSettings, now: Date): DesiredStatus[] {
  const byObject = diagnosticsByObject(diagnostics);
  const nowIso = conditionTime(now);
  const out: DesiredStatus[] = [];
  for (const [kind, obj] of kicStatusObjects(kic, settings)) {
    const meta = obj.metadata;
    if (!meta.name) continue;
    const clusterScoped = kind === 'KongClusterPlugin';
    const target: StatusTarget = {
      kind,
      plural: KIC_PLURALS[kind],
      apiVersion: kind === 'KongConsumerGroup' ? KIC_CONSUMER_GROUP_API_VERSION : KIC_API_VERSION,
      namespace: clusterScoped ? '' : (meta.namespace ?? 'default'),
      name: meta.name,
      ...(meta.uid ? { uid: meta.uid } : {}),
      ...(meta.generation !== undefined ? { generation: meta.generation } : {}),
    };
    const diags = (byObject.get(statusKey(DIAGNOSTIC_KIND[kind], clusterScoped ? undefined : target.namespace, meta.name)) ?? []).filter(
      (d) => !d.object.uid || !meta.uid || d.object.uid === meta.uid,
    );
    const current = currentConditions(obj);
    out.push({ target, current, desired: kicConditions(diags, current, meta.generation, nowIso) });
  }
  return out;
}

/** Our Programmed condition replacing any earlier one; other conditions (another controller's) kept as they are. */
export function kicConditions(diags: readonly Diagnostic[], current: readonly StatusCondition[], generation: number | undefined, nowIso: string): StatusCondition[] {
  const errors = diags.filter((d) => d.severity === 'error');
  const warnings = diags.filter((d) => d.severity !== 'error');
  const c: Omit<StatusCondition, 'lastTransitionTime'> = errors.length
    ? { type: CONDITION_PROGRAMMED, status: 'False', reason: errors[0]!.reason, message: joinMessages(errors) }
    : { type: CONDITION_PROGRAMMED, status: 'True', reason: 'Programmed', message: warnings.length ? joinMessages(warnings) : KIC_PROGRAMMED_MESSAGE };
  const prev = current.find((p) => p.type === CONDITION_PROGRAMMED);
  const keep = prev && prev.status === c.status && prev.reason === c.reason && prev.lastTransitionTime;
  const programmed: StatusCondition = {
    ...c,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: keep ? prev.lastTransitionTime : nowIso,
  };
  return [programmed, ...current.filter((x) => x.type !== CONDITION_PROGRAMMED)];
}

function currentConditions(obj: KicObject): StatusCondition[] {
  const status = obj['status'];
  if (typeof status !== 'object' || status === null) return [];
  const conditions = (status as { conditions?: unknown }).conditions;
  return Array.isArray(conditions) ? (conditions as StatusCondition[]) : [];
}
