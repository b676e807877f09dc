import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { objectKey } from './kube-objects.js';
import { changeOf, strongest, type ObjectChange, type StatusRead } from './object-change.js';
import { internLabels, internName, internTime } from './intern.js';

/**
 * In-memory store of one resource type, keyed "ns/name". Watch events only touch this; the
 * rebuild loop reads it whole. Mutators return whether anything the gateway reads changed
 * (object-change.ts), so an idle periodic relist, or a status PATCH of ours coming back through
 * the watch, does not trigger a rebuild; the cache still keeps the newest object (its status is
 * what the status writers compare with).
 */
export class ObjectCache<T extends KubernetesObject> {
  constructor(private readonly statusRead: StatusRead = 'all') {}

  private items = new Map<string, T>();
  /** Memo of sortedValues(), dropped on every mutation: a rebuild caused by one Route does not
   * re-copy and re-sort 10k consumers. */
  private sorted: readonly T[] | null = null;
  /** The last sorted list handed out and its keys, and the keys changed since: the next list is
   * that one patched (sorting 50,000 keys after each change cost more than the rest of a rebuild). */
  private lastSorted: { keys: readonly string[]; values: readonly T[] } | null = null;
  private changedKeys = new Set<string>();

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
      const base = this.lastSorted;
      let keys: string[];
      if (base !== null && this.changedKeys.size <= PATCH_LIMIT) {
        keys = [...base.keys];
        const values = [...base.values];
        for (const key of this.changedKeys) patchSorted(keys, values, key, this.items.get(key));
        this.sorted = values;
      } else {
        keys = [...this.items.keys()].sort();
        this.sorted = keys.map((k) => this.items.get(k)!);
      }
      this.lastSorted = { keys, values: this.sorted };
      this.changedKeys.clear();
    }
    return this.sorted;
  }

  upsert(obj: T): ObjectChange {
    const key = objectKey(obj.metadata);
    const prev = this.items.get(key);
    // The same version again (a resumed watch): keep the object held, and what was derived from it.
    if (sameVersion(prev, obj)) return 'none';
    const next = slim(obj);
    this.items.set(key, next);
    this.touched(key);
    return changeOf(prev, next, this.statusRead);
  }

  delete(obj: T): boolean {
    const key = objectKey(obj.metadata);
    this.touched(key);
    return this.items.delete(key);
  }

  /**
   * What the cache would keep of a listed object: the one held at that version, else it slimmed.
   * A relist passes each page through this as it arrives, so 100 pages of 500 are not all held
   * whole (managedFields and all) until the last one came: then replaceAll(list, true).
   */
  prepare(obj: T): T {
    const held = this.items.get(objectKey(obj.metadata));
    return held !== undefined && sameVersion(held, obj) ? held : slim(obj);
  }

  /**
   * Atomically swap in a full list (after a relist): objects deleted meanwhile disappear. An object
   * listed at the version already held stays the object held, so what was derived from it
   * (sources/kube/conversion-memo.ts) is still reused after a relist. `prepared`: every object
   * came through prepare().
   */
  replaceAll(list: readonly T[], prepared = false): ObjectChange {
    const next = new Map<string, T>();
    let change: ObjectChange = 'none';
    for (const obj of list) {
      const key = objectKey(obj.metadata);
      const held = this.items.get(key);
      if (held !== undefined && sameVersion(held, obj)) next.set(key, held);
      else {
        const slimmed = prepared ? obj : slim(obj);
        next.set(key, slimmed);
        if (change !== 'read') change = strongest(change, changeOf(held, slimmed, this.statusRead));
      }
    }
    if (next.size !== this.items.size) change = 'read';
    this.items = next;
    this.sorted = null;
    this.lastSorted = null;
    this.changedKeys.clear();
    return change;
  }

  private touched(key: string): void {
    this.sorted = null;
    if (this.lastSorted !== null) this.changedKeys.add(key);
  }
}

/** More changes than this since the last sorted list: sort again rather than patch. */
const PATCH_LIMIT = 256;

/** Puts `value` at `key`'s place in the sorted `keys`/`values` (inserting it), or removes the key when value is undefined. */
function patchSorted<T>(keys: string[], values: T[], key: string, value: T | undefined): void {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  const present = lo < keys.length && keys[lo] === key;
  if (value === undefined) {
    if (present) {
      keys.splice(lo, 1);
      values.splice(lo, 1);
    }
  } else if (present) values[lo] = value;
  else {
    keys.splice(lo, 0, key);
    values.splice(lo, 0, value);
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
 * Repeated values (apiVersion, kind, namespace, Secret type, timestamps, labels) are shared
 * (intern.ts), and the metadata is one object literal: built key by key, its 7–8 fields spilled
 * into a second allocation (V8 keeps 4 in the object).
 */
function slim<T extends KubernetesObject>(obj: T): T {
  const meta = obj.metadata;
  if (obj.apiVersion !== undefined) obj.apiVersion = internName(obj.apiVersion);
  if (obj.kind !== undefined) obj.kind = internName(obj.kind);
  const typed = obj as { type?: unknown };
  if (typeof typed.type === 'string') typed.type = internName(typed.type);
  if (!meta) return obj;
  let annotations = meta.annotations;
  if (annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
    annotations = rest;
  }
  // The API's own text (second resolution) is what every replica sees; typed as a Date by client-node.
  const created = internTime(creationTimestampText(meta.creationTimestamp as unknown)) as unknown as Date | undefined;
  const kept: V1ObjectMeta = {
    name: meta.name,
    namespace: internName(meta.namespace),
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    generation: meta.generation,
    creationTimestamp: created,
    labels: internLabels(meta.labels),
    annotations,
  };
  obj.metadata = kept;
  return obj;
}

function creationTimestampText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return undefined;
}

function sameVersion(a: KubernetesObject | undefined, b: KubernetesObject): boolean {
  if (!a) return false;
  const ra = a.metadata?.resourceVersion;
  const rb = b.metadata?.resourceVersion;
  return ra !== undefined && ra === rb && a.metadata?.uid === b.metadata?.uid;
}
