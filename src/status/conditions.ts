import type { Diagnostic } from '../model/diagnostics.js';
import { conditionOf } from '../model/reasons.js';
import type { CrdKind, KubeObjects } from '../sources/kube/kube-objects.js';
import type { CustomObject, StatusCondition } from '../sources/kube/types.js';
import { CRD_PLURALS } from '../sources/kube/kube-objects.js';

/**
 * PURE: Snapshot diagnostics + live objects -> the status each CR should carry.
 *
 * Two conditions, as in Gateway API / KIC:
 * - `Accepted`: the object itself is well-formed. False only for errors whose reason the table
 *   (src/model/reasons.ts, docs/status-reasons.md) marks `Accepted`: fixable in the object's own spec.
 * - `Programmed`: the object is live in the data plane. False for every error: a missing or broken
 *   reference, key material from a Secret, a conflict with another object (both sides are valid on
 *   their own, so they stay Accepted), and of course when Accepted is False.
 * Warnings never flip a condition; they are appended to the True condition's message.
 *
 * lastTransitionTime is kept from the current status while status AND reason are unchanged,
 * so rebuilds do not churn it.
 */

export const CONDITION_ACCEPTED = 'Accepted';
export const CONDITION_PROGRAMMED = 'Programmed';
/** JwtCredentials with spec.jwks only (docs/jwks.md#status-and-logs): whether the last key set fetch worked. */
export const CONDITION_KEY_SET_READY = 'KeySetReady';
export const MANAGED_CONDITIONS = [CONDITION_ACCEPTED, CONDITION_PROGRAMMED, CONDITION_KEY_SET_READY] as const;
const KEY_SET_REASONS: ReadonlySet<string> = new Set(['JwksUnavailable', 'JwksFetchFailed']);
export const MAX_MESSAGE_LENGTH = 1024;

/** An error with this reason turns Accepted False (and so Programmed too); see the reasons table. */
export function isSpecReason(reason: string): boolean {
  return conditionOf(reason) === CONDITION_ACCEPTED;
}

export interface StatusTarget {
  /** One of our CRD kinds, or a KIC kind (kic-conditions.ts). */
  kind: string;
  plural: string;
  /** Absent: ours (portcullis.dev). Set: another group's object (KIC's), whose status holds conditions only. */
  apiVersion?: string;
  namespace: string;
  name: string;
  uid?: string;
  generation?: number;
}

export interface DesiredStatus {
  target: StatusTarget;
  /** The object's current `.status.conditions` (possibly empty). */
  current: StatusCondition[];
  /** The full conditions array to write: our two conditions plus any foreign ones kept as-is. */
  desired: StatusCondition[];
}

export function statusKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** The writers' key of a target: KIC's KongConsumer and ours share a kind name, so another group's kind is qualified. */
export function targetKey(t: StatusTarget): string {
  return statusKey(t.apiVersion === undefined ? t.kind : `${t.kind}.${t.apiVersion}`, t.namespace, t.name);
}

/** Lists the CRs of a KubeObjects with their kind. */
export function liveObjects(objects: Pick<KubeObjects, 'consumers' | 'credentials' | 'routes' | 'gatewayApi'>): Array<[CrdKind, CustomObject]> {
  return [
    ...objects.consumers.map((o) => ['KongConsumer', o] as [CrdKind, CustomObject]),
    ...objects.credentials.map((o) => ['JwtCredential', o] as [CrdKind, CustomObject]),
    ...objects.routes.map((o) => ['Route', o] as [CrdKind, CustomObject]),
    // JwtPolicies are watched with --gateway-api only (docs/gateway-api.md#jwt).
    ...(objects.gatewayApi?.jwtPolicies ?? []).map((o) => ['JwtPolicy', o] as [CrdKind, CustomObject]),
  ];
}

export function desiredStatuses(
  diagnostics: readonly Diagnostic[],
  objects: Pick<KubeObjects, 'consumers' | 'credentials' | 'routes' | 'gatewayApi'>,
  now: Date,
): DesiredStatus[] {
  const byObject = diagnosticsByObject(diagnostics);
  const nowIso = conditionTime(now);
  const out: DesiredStatus[] = [];
  for (const [kind, obj] of liveObjects(objects)) {
    const d = desiredStatusOf(kind, obj, byObject.get(statusKey(kind, obj.metadata?.namespace, obj.metadata?.name ?? '')), nowIso);
    if (d) out.push(d);
  }
  return out;
}

/** The snapshot's diagnostics by statusKey of the object they name. */
export function diagnosticsByObject(diagnostics: readonly Diagnostic[]): Map<string, Diagnostic[]> {
  const byObject = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const key = statusKey(d.object.kind, d.object.namespace, d.object.name);
    const list = byObject.get(key);
    if (list) list.push(d);
    else byObject.set(key, [d]);
  }
  return byObject;
}

/** A condition's lastTransitionTime: RFC 3339 in whole seconds. */
export function conditionTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One object's desired status from the diagnostics naming it (undefined: the object has no name). */
export function desiredStatusOf(kind: CrdKind, obj: CustomObject, named: readonly Diagnostic[] | undefined, nowIso: string): DesiredStatus | undefined {
  const meta = obj.metadata;
  if (!meta?.name) return undefined;
  const target: StatusTarget = {
    kind,
    plural: CRD_PLURALS[kind],
    namespace: meta.namespace ?? '',
    name: meta.name,
    ...(meta.uid ? { uid: meta.uid } : {}),
    ...(meta.generation !== undefined ? { generation: meta.generation } : {}),
  };
  const diags = (named ?? []).filter(
    // A diagnostic about an earlier incarnation of the same name is stale.
    (d) => !d.object.uid || !meta.uid || d.object.uid === meta.uid,
  );
  const current = obj.status?.conditions ?? [];
  const jwks = kind === 'JwtCredential' && typeof obj.spec === 'object' && obj.spec !== null && 'jwks' in obj.spec;
  return { target, current, desired: conditionsFor(diags, current, meta.generation, nowIso, jwks) };
}

export function conditionsFor(
  diags: readonly Diagnostic[],
  current: readonly StatusCondition[],
  generation: number | undefined,
  nowIso: string,
  keySet = false,
): StatusCondition[] {
  const errors = diags.filter((d) => d.severity === 'error');
  const warnings = diags.filter((d) => d.severity !== 'error');
  const specErrors = errors.filter((d) => isSpecReason(d.reason));

  const accepted: Omit<StatusCondition, 'lastTransitionTime'> = specErrors.length
    ? { type: CONDITION_ACCEPTED, status: 'False', reason: specErrors[0]!.reason, message: joinMessages(specErrors) }
    : { type: CONDITION_ACCEPTED, status: 'True', reason: 'Accepted', message: joinMessages(warnings) };
  // Spec errors first so the Programmed reason matches Accepted's when both are False.
  const programmedErrors = [...specErrors, ...errors.filter((d) => !isSpecReason(d.reason))];
  const programmed: Omit<StatusCondition, 'lastTransitionTime'> = programmedErrors.length
    ? { type: CONDITION_PROGRAMMED, status: 'False', reason: programmedErrors[0]!.reason, message: joinMessages(programmedErrors) }
    : { type: CONDITION_PROGRAMMED, status: 'True', reason: 'Programmed', message: joinMessages(warnings) };

  const conditions = [accepted, programmed];
  if (keySet) {
    // Fetch problems of a JWKS credential: False while fetches fail (an Event each time the reason changes).
    const problems = diags.filter((d) => KEY_SET_REASONS.has(d.reason));
    conditions.push(
      problems.length
        ? { type: CONDITION_KEY_SET_READY, status: 'False', reason: problems.find((d) => d.severity === 'error')?.reason ?? problems[0]!.reason, message: joinMessages(problems) }
        : { type: CONDITION_KEY_SET_READY, status: 'True', reason: 'KeySetReady', message: '' },
    );
  }
  const ours = conditions.map((c): StatusCondition => {
    const prev = current.find((p) => p.type === c.type);
    const keep = prev && prev.status === c.status && prev.reason === c.reason && prev.lastTransitionTime;
    return {
      ...c,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: keep ? prev.lastTransitionTime : nowIso,
    };
  });
  const foreign = current.filter((c) => !(MANAGED_CONDITIONS as readonly string[]).includes(c.type));
  return [...ours, ...foreign];
}

export function joinMessages(diags: readonly Diagnostic[]): string {
  const parts: string[] = [];
  for (const d of diags) {
    const m = `${d.field ? `${d.field}: ` : ''}${d.message}`;
    if (!parts.includes(m)) parts.push(m);
  }
  const msg = parts.join('; ');
  return msg.length > MAX_MESSAGE_LENGTH ? `${msg.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : msg;
}

/** Equal for writing purposes: lastTransitionTime churn and condition order are ignored. */
export function conditionsEqual(a: readonly StatusCondition[], b: readonly StatusCondition[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((ca) => {
    const cb = b.find((x) => x.type === ca.type);
    return (
      !!cb &&
      cb.status === ca.status &&
      cb.reason === ca.reason &&
      (cb.message ?? '') === (ca.message ?? '') &&
      cb.observedGeneration === ca.observedGeneration
    );
  });
}

export interface ConditionEvent {
  conditionType: string;
  reason: string;
  message: string;
}

/**
 * Which desired conditions deserve a Warning Event: those that are False and were not already
 * False with the same reason in the current status.
 */
export function eventsFor(current: readonly StatusCondition[], desired: readonly StatusCondition[]): ConditionEvent[] {
  const events: ConditionEvent[] = [];
  for (const d of desired) {
    if (!(MANAGED_CONDITIONS as readonly string[]).includes(d.type) || d.status !== 'False') continue;
    const c = current.find((x) => x.type === d.type);
    if (c && c.status === 'False' && c.reason === d.reason) continue;
    // Accepted and Programmed usually fail for the same reason: one Event is enough.
    if (events.some((e) => e.reason === d.reason)) continue;
    events.push({ conditionType: d.type, reason: d.reason, message: d.message });
  }
  return events;
}
