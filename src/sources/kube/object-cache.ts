import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { objectKey } from './kube-objects.js';
import { changeOf, strongest, type ObjectChange, type StatusRead } from './object-change.js';

/**
 * In-memory store of one resource type, keyed "ns/name". Watch events only touch this; the
 * rebuild loop reads it whole. Mutators return whether anything the gateway reads changed
 * (object-change.ts), so an idle periodic relist, or a status PATCH of ours coming back through
 * the watch, does not trigger a rebuild; the cache still keeps the newest object (its status is
 * what the status writers compare with).
 */
export class ObjectCache<T extends KubernetesObject> {
  private items = new Map<string, T>();
  constructor(private readonly statusRead: StatusRead = 'all') {}
  /** Memo of sortedValues(), dropped on every mutation: a rebuild caused by one Route does not
   * re-copy and re-sort 10k consumers. */
  private sorted: readonly T[] | null = null;

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  values(): T[] {
    return [...this.items.values()];
  }

  entries(): Array<[string, T]> {
    return [...this.items.entries()];
  }

  /** All objects ordered by "ns/name" key; the same array until the cache changes (do not mutate). */
  sortedValues(): readonly T[] {
    if (!this.sorted) {
      const keys = [...this.items.keys()].sort();
      this.sorted = keys.map((k) => this.items.get(k)!);
    }
    return this.sorted;
  }

  upsert(obj: T): ObjectChange {
    this.sorted = null;
    const key = objectKey(obj.metadata);
    const prev = this.items.get(key);
    const next = slim(obj);
    this.items.set(key, next);
    return changeOf(prev, next, this.statusRead);
  }

  delete(obj: T): boolean {
    this.sorted = null;
    return this.items.delete(objectKey(obj.metadata));
  }

  /** Atomically swap in a full list (after a relist): objects deleted meanwhile disappear. */
  replaceAll(list: readonly T[]): ObjectChange {
    const next = new Map<string, T>();
    for (const obj of list) next.set(objectKey(obj.metadata), slim(obj));
    let change: ObjectChange = next.size !== this.items.size ? 'read' : 'none';
    for (const [key, obj] of next) {
      if (change === 'read') break;
      change = strongest(change, changeOf(this.items.get(key), obj, this.statusRead));
    }
    this.items = next;
    this.sorted = null;
    return change;
  }
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Keeps of metadata only what the gateway reads (identity, versions, labels, annotations,
 * creationTimestamp) as a plain object. Dropped: managedFields (often larger than the object),
 * kubectl's last-applied annotation (for a Secret applied with kubectl it repeats the Secret's data
 * in clear text, which we must not keep twice), ownerReferences, finalizers and the like.
 * creationTimestamp decides which of two conflicting objects wins (the older one), so it is kept,
 * as the API's RFC 3339 string (on listed core objects client-node makes it a Date: ~100 bytes).
 */
function slim<T extends KubernetesObject>(obj: T): T {
  const meta = obj.metadata;
  if (!meta) return obj;
  const kept: V1ObjectMeta = {};
  if (meta.name !== undefined) kept.name = meta.name;
  if (meta.namespace !== undefined) kept.namespace = meta.namespace;
  if (meta.uid !== undefined) kept.uid = meta.uid;
  if (meta.resourceVersion !== undefined) kept.resourceVersion = meta.resourceVersion;
  if (meta.generation !== undefined) kept.generation = meta.generation;
  const created = creationTimestampText(meta.creationTimestamp as unknown);
  // The API's own text (second resolution) is what every replica sees; typed as a Date by client-node.
  if (created !== undefined) kept.creationTimestamp = created as unknown as Date;
  if (meta.labels !== undefined) kept.labels = meta.labels;
  if (meta.annotations !== undefined) {
    if (meta.annotations[LAST_APPLIED] === undefined) kept.annotations = meta.annotations;
    else {
      const { [LAST_APPLIED]: _dropped, ...rest } = meta.annotations;
      kept.annotations = rest;
    }
  }
  obj.metadata = kept;
  return obj;
}

function creationTimestampText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return undefined;
}
