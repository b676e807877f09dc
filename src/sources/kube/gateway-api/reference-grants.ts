import { referenceGrantSpecSchema, type ReferenceGrantSpec } from '../../../model/gateway-api.js';
import type { CustomObject } from '../types.js';

/** ReferenceGrants by the namespace they live in (the namespace of the objects they open up). */
export type Grants = ReadonlyMap<string, readonly ReferenceGrantSpec[]>;

export function indexGrants(objs: readonly CustomObject[]): Grants {
  const out = new Map<string, ReferenceGrantSpec[]>();
  for (const o of objs) {
    const parsed = referenceGrantSpecSchema.safeParse(o.spec);
    if (!parsed.success) continue;
    const ns = o.metadata.namespace ?? 'default';
    const list = out.get(ns);
    if (list) list.push(parsed.data);
    else out.set(ns, [parsed.data]);
  }
  return out;
}

/**
 * A reference from `from` (group/kind in a namespace) to `to` in another namespace is allowed only
 * when a ReferenceGrant in `to`'s namespace lists both (docs/gateway-api.md#referencegrant).
 */
export function referenceAllowed(
  grants: Grants,
  from: { group: string; kind: string; namespace: string },
  to: { group: string; kind: string; namespace: string; name: string },
): boolean {
  if (from.namespace === to.namespace) return true;
  for (const g of grants.get(to.namespace) ?? []) {
    const fromOk = g.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace);
    const toOk = g.to.some((t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name));
    if (fromOk && toOk) return true;
  }
  return false;
}
