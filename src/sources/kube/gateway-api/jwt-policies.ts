import { jwtPolicySpecSchema } from '../../../model/crds.js';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../../model/diagnostics.js';
import type { JwtPluginConfig } from '../../../model/jwt-config.js';
import { kubeId } from '../ids.js';
import type { CustomObject } from '../types.js';
import { objectRefOf, validateCustomObject } from '../validate-object.js';
import { creationTime } from './listeners.js';

/** What applies to the objects a JwtPolicy targets (docs/gateway-api.md#jwt). */
export interface AppliedPolicy {
  ref: ObjectRef;
  id: string;
  config?: JwtPluginConfig;
  /** The policy did not validate: its targets fail closed (500) rather than serve unauthenticated. */
  error?: string;
}

/** Targets by "HTTPRoute/ns/name" or "Gateway/ns/name". */
export interface PolicyIndex {
  byTarget: ReadonlyMap<string, AppliedPolicy>;
  /** Every target named, with the policy and field, to report targets that do not exist. */
  targets: Array<{ key: string; policy: ObjectRef; field: string }>;
}

export const targetKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/**
 * JwtPolicies → the one policy per target. Two policies on one target: the older (creationTimestamp,
 * then namespace/name) applies and the other is reported as PolicyConflict on that targetRef.
 * A policy whose spec is invalid still claims its targets, failing them closed.
 */
export function indexJwtPolicies(objs: readonly CustomObject[], diagnostics: Diagnostic[]): PolicyIndex {
  const ordered = [...objs].sort((a, b) => {
    const ca = creationTime(a) ?? '';
    const cb = creationTime(b) ?? '';
    if (ca !== cb) return ca === '' ? 1 : cb === '' ? -1 : ca < cb ? -1 : 1;
    const ka = `${a.metadata.namespace}/${a.metadata.name}`;
    const kb = `${b.metadata.namespace}/${b.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const byTarget = new Map<string, AppliedPolicy>();
  const targets: PolicyIndex['targets'] = [];
  for (const obj of ordered) {
    const ref = objectRefOf('JwtPolicy', obj);
    const ns = ref.namespace!;
    const v = validateCustomObject(jwtPolicySpecSchema, ref, obj);
    let applied: AppliedPolicy;
    let refs: Array<{ kind: string; name: string }>;
    if (v.ok) {
      applied = { ref, id: kubeId('jwtpolicy', ns, ref.name), config: { ...v.value.jwt } };
      refs = v.value.targetRefs;
    } else {
      diagnostics.push(...v.diagnostics);
      applied = { ref, id: kubeId('jwtpolicy', ns, ref.name), error: `JwtPolicy ${ns}/${ref.name} is invalid` };
      refs = lenientTargets(obj.spec);
    }
    refs.forEach((t, i) => {
      const key = targetKey(t.kind, ns, t.name);
      const field = `spec.targetRefs[${i}]`;
      const holder = byTarget.get(key);
      if (holder !== undefined && holder.ref.name !== ref.name) {
        diagnostics.push(
          diagnostic('error', ref, 'PolicyConflict', `${t.kind} ${ns}/${t.name} already has JwtPolicy ${holder.ref.name}, which takes precedence (the older policy wins: creationTimestamp, then name)`, field),
        );
        return;
      }
      byTarget.set(key, applied);
      targets.push({ key, policy: ref, field });
    });
  }
  return { byTarget, targets };
}

function lenientTargets(spec: unknown): Array<{ kind: string; name: string }> {
  const refs = (spec as { targetRefs?: unknown } | undefined)?.targetRefs;
  if (!Array.isArray(refs)) return [];
  return refs.filter((r): r is { kind: string; name: string } => typeof r?.kind === 'string' && typeof r?.name === 'string');
}

/** A target that does not exist (or is not served by us): PolicyTargetNotFound on the policy. */
export function reportMissingTargets(index: PolicyIndex, exists: (key: string) => boolean, diagnostics: Diagnostic[]): void {
  for (const t of index.targets) {
    if (exists(t.key)) continue;
    const [kind, ns, name] = t.key.split('/');
    diagnostics.push(diagnostic('error', t.policy, 'PolicyTargetNotFound', `${kind} ${ns}/${name} not found (or not attached to a Gateway of the portcullis.dev/gateway-controller class)`, t.field));
  }
}
