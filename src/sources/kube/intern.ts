/**
 * Shares equal values between the watched objects (docs/controller-memory.md#what-the-cache-keeps).
 * JSON.parse makes a new string for every value longer than 10 characters, so each of 50,000
 * KongConsumers held its own "portcullis.dev/v1alpha1", "KongConsumer" and creation timestamp,
 * and each credential Secret its own labels object. A pool hands back the first equal value it
 * saw. Bounded: once full it keeps what it has and returns new values as they are, so a stream of
 * distinct values (timestamps over months) costs at most `max` entries.
 */
export class InternPool<T> {
  readonly #held = new Map<string, T>();

  constructor(private readonly max: number) {}

  /** The pooled value equal to `value` (same `key`), else `value` itself (pooled while there is room). */
  intern(key: string, value: T): T {
    const held = this.#held.get(key);
    if (held !== undefined) return held;
    if (this.#held.size < this.max) this.#held.set(key, value);
    return value;
  }

  get size(): number {
    return this.#held.size;
  }
}

/** Few distinct values: apiVersion, kind, namespace, Secret type. */
const names = new InternPool<string>(1_024);
/** Creation timestamps (second resolution): objects created in one burst share a few. */
const times = new InternPool<string>(8_192);
/** Labels objects: credential Secrets all carry the same one. */
const labelSets = new InternPool<Record<string, string>>(1_024);

export function internName(s: string): string;
export function internName(s: string | undefined): string | undefined;
export function internName(s: string | undefined): string | undefined {
  return s === undefined ? undefined : names.intern(s, s);
}

export function internTime(s: string | undefined): string | undefined {
  return s === undefined ? undefined : times.intern(s, s);
}

/** An equal labels object already held, or `labels` (whose keys and values are then pooled). Callers must not mutate it. */
export function internLabels(labels: Record<string, string> | undefined): Record<string, string> | undefined {
  if (labels === undefined) return undefined;
  const keys = Object.keys(labels);
  if (keys.length > 8) return labels; // rare, and not worth a long key
  let key = '';
  for (const k of keys) key += `${k}\u0000${labels[k]}\u0000`;
  return labelSets.intern(key, labels);
}
