import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * Which part of `.status` the gateway reads of a type (docs/controller-scale.md#status-writes):
 * - 'all': any change counts (Services: --publish-service addresses; types without a status);
 * - 'none': the status is ours to write and never an input (our CRs, Ingresses, GatewayClasses,
 *   Gateways): a status PATCH — ours included — is not a change, so it triggers no rebuild;
 * - a function: says whether the status part that is read changed (HTTPRoute: other controllers'
 *   parents, which our status merges).
 */
export type StatusRead = 'all' | 'none' | ((prev: unknown, next: unknown) => boolean);

/**
 * How a new version of an object differs from the cached one: 'read' in something the gateway
 * reads (rebuild), 'status' only in a status it does not read (no rebuild; the status writers look
 * again: docs/controller-scale.md#status-writes), 'none' otherwise.
 */
export type ObjectChange = 'read' | 'status' | 'none';

export function changeOf(prev: KubernetesObject | undefined, next: KubernetesObject, status: StatusRead = 'all'): ObjectChange {
  if (readChanged(prev, next, status)) return 'read';
  return sameJson(statusOf(prev!), statusOf(next)) ? 'none' : 'status';
}

/** The stronger of two changes (a relist folds every object's into one). */
export function strongest(a: ObjectChange, b: ObjectChange): ObjectChange {
  return a === 'read' || b === 'read' ? 'read' : a === 'status' || b === 'status' ? 'status' : 'none';
}

/**
 * Pure: whether `next` differs from `prev` in what the gateway reads, so a watch event that changed
 * only what it never reads (a status we wrote, a resourceVersion bump) does not rebuild. Both are
 * slimmed objects (object-cache.ts: metadata reduced to what is read). With a status the gateway
 * does not read, metadata.generation decides for the rest of the body: the API server bumps it on
 * every change outside metadata and status (CRs with a status subresource, Ingress). Types without
 * a generation (Secrets, EndpointSlices, Services) compare their body.
 */
export function readChanged(prev: KubernetesObject | undefined, next: KubernetesObject, status: StatusRead = 'all'): boolean {
  if (!prev) return true;
  const a = prev.metadata;
  const b = next.metadata;
  if (a?.uid !== b?.uid) return true;
  if (a?.resourceVersion !== undefined && a.resourceVersion === b?.resourceVersion) return false;
  if (!sameJson(a?.labels, b?.labels) || !sameJson(a?.annotations, b?.annotations)) return true;
  if (typeof status === 'function' && status(statusOf(prev), statusOf(next))) return true;
  if (status !== 'all' && a?.generation !== undefined && b?.generation !== undefined) return a.generation !== b.generation;
  return !sameJson(body(prev, status !== 'all'), body(next, status !== 'all'));
}

function statusOf(o: KubernetesObject): unknown {
  return (o as { status?: unknown }).status;
}

/** Everything but metadata (and status, unless it is read), in key order. */
function body(o: KubernetesObject, withoutStatus: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) {
    if (k === 'metadata' || (withoutStatus && k === 'status')) continue;
    out[k] = (o as Record<string, unknown>)[k];
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return isEmpty(a) && isEmpty(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
}
