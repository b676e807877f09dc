import type { ObjectRef } from '../model/diagnostics.js';

/**
 * Which of two conflicting objects wins (two Routes matching the same requests, two credentials
 * with one key). In controller mode the established one: the older metadata.creationTimestamp,
 * then namespace/name — Gateway API's rule. It depends on object data only, so every replica and
 * every restart agrees, and a newcomer can never evict what already serves. kong.yml entries have
 * neither a namespace nor a creation time: there the order of the file decides, as it always did.
 */
export interface Established {
  ref: ObjectRef;
  createdAt?: string;
}

/** Kubernetes objects carry a namespace; kong.yml entries do not. */
export function isKubeObject(o: Established): boolean {
  return o.ref.namespace !== undefined;
}

function precedenceKey(o: Established): string {
  // ISO 8601 UTC times of one format compare as strings; an object without one (manifests read
  // offline) counts as oldest.
  return `${o.createdAt ?? ''}\u0000${o.ref.namespace}/${o.ref.name}`;
}

/** Negative when `a` takes precedence over `b`. */
export function comparePrecedence(a: Established, b: Established): number {
  const x = precedenceKey(a);
  const y = precedenceKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Kubernetes objects in precedence order (a stable sort; the input when already in order);
 * kong.yml entries as they are.
 */
export function inPrecedenceOrder<T extends Established>(items: readonly T[]): readonly T[] {
  if (items.length < 2 || !items.every(isKubeObject)) return items;
  const keys = items.map(precedenceKey);
  let ordered = true;
  for (let i = 1; i < keys.length && ordered; i++) ordered = keys[i - 1]! <= keys[i]!;
  if (ordered) return items;
  const idx = keys.map((_, i) => i);
  idx.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
  return idx.map((i) => items[i]!);
}

/** "Route demo/api", or a kong.yml entry's position. */
export function describeObject(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace !== undefined ? `${ref.namespace}/${ref.name}` : (ref.path ?? ref.name)}`;
}
