import type { Diagnostic } from '../../model/diagnostics.js';
import type { ToResourceSetInput } from './types.js';

/** The lookups a conversion may read besides its own object (docs/controller-memory.md#incremental-rebuilds). */
type LookupName = 'secrets' | 'services' | 'endpointSlices';
const LOOKUPS: readonly LookupName[] = ['secrets', 'services', 'endpointSlices'];

/** One lookup a conversion made, and what it found (undefined: nothing). */
interface Dependency {
  lookup: LookupName;
  key: string;
  value: unknown;
}

const NONE: readonly never[] = Object.freeze([]);

interface Entry {
  value: unknown;
  diagnostics: readonly Diagnostic[];
  dependencies: readonly Dependency[];
}

/**
 * Remembers what converting one watched object gave (its spec, its diagnostics) for as long as
 * the object and every Secret, Service or EndpointSlice the conversion looked up are the same
 * objects. The watch cache replaces an object only when it changes, so a rebuild after one change
 * validates and resolves only what that change touched: at 50,000 consumers the schema checks of
 * the unchanged objects were most of a rebuild. Keyed weakly: a deleted object's entry goes with it.
 */
export class ConversionMemo {
  #entries = new WeakMap<object, Entry>();
  /** Conversions done (misses) and reused (hits) since the last call to takeCounts(). */
  #misses = 0;
  #hits = 0;

  /**
   * `convert(input, diagnostics)` must read other objects only through `input`'s secrets, services
   * and endpointSlices (by get/has) and depend on nothing else but `obj`.
   */
  convert<R>(
    obj: object,
    input: ToResourceSetInput,
    diagnostics: Diagnostic[],
    convert: (input: ToResourceSetInput, diagnostics: Diagnostic[]) => R,
  ): R {
    const hit = this.#entries.get(obj);
    if (hit !== undefined && stillValid(hit, input)) {
      this.#hits++;
      for (const d of hit.diagnostics) diagnostics.push(d);
      return hit.value as R;
    }
    this.#misses++;
    const dependencies: Dependency[] = [];
    let trackable = true;
    const tracked: ToResourceSetInput = { ...input };
    for (const lookup of LOOKUPS) {
      tracked[lookup] = new TrackedLookup(input[lookup] as ReadonlyMap<string, unknown>, lookup, dependencies, () => (trackable = false)) as never;
    }
    const own: Diagnostic[] = [];
    const value = convert(tracked, own);
    for (const d of own) diagnostics.push(d);
    // One shared empty array for the usual case: 150,000 entries each holding two empty arrays add up.
    if (trackable) this.#entries.set(obj, { value, diagnostics: own.length === 0 ? NONE : own, dependencies: dependencies.length === 0 ? NONE : dependencies });
    else this.#entries.delete(obj);
    return value;
  }

  takeCounts(): { hits: number; misses: number } {
    const counts = { hits: this.#hits, misses: this.#misses };
    this.#hits = 0;
    this.#misses = 0;
    return counts;
  }
}

function stillValid(entry: Entry, input: ToResourceSetInput): boolean {
  for (const d of entry.dependencies) {
    if ((input[d.lookup] as ReadonlyMap<string, unknown>).get(d.key) !== d.value) return false;
  }
  return true;
}

/** A read-only map that records each key looked up; anything that reads it whole makes the result untrackable. */
class TrackedLookup<V> implements ReadonlyMap<string, V> {
  constructor(
    private readonly inner: ReadonlyMap<string, V>,
    private readonly lookup: LookupName,
    private readonly dependencies: Dependency[],
    private readonly untrackable: () => void,
  ) {}

  get(key: string): V | undefined {
    const value = this.inner.get(key);
    this.dependencies.push({ lookup: this.lookup, key, value });
    return value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    this.untrackable();
    return this.inner.size;
  }

  forEach(cb: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    this.untrackable();
    this.inner.forEach((v, k) => cb.call(thisArg, v, k, this));
  }

  entries(): MapIterator<[string, V]> {
    this.untrackable();
    return this.inner.entries();
  }

  keys(): MapIterator<string> {
    this.untrackable();
    return this.inner.keys();
  }

  values(): MapIterator<V> {
    this.untrackable();
    return this.inner.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
}
