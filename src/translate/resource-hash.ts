import { createHash } from 'node:crypto';
import type { ResourceSet } from '../model/resources.js';
import { stableHash } from './stable-hash.js';

/**
 * Content hash of a ResourceSet for a source that rebuilds often from mostly unchanged objects
 * (the controller: docs/controller-memory.md#incremental-rebuilds). Each list element is hashed
 * once per object (objects a ConversionMemo hands back again keep their hash) and a list whose
 * elements are all the same objects as last time keeps its digest, so one change re-hashes one
 * object and one list, not 100,000 specs. Equal content gives equal hashes, whichever objects carry
 * it; the digests differ from hashResources' (stableHash of the whole set), so use one or the other
 * for a given store, never both.
 */
export class ResourceHasher {
  #elements = new WeakMap<object, string>();
  #lists = new Map<string, { items: readonly unknown[]; digest: string }>();

  hash(resources: ResourceSet): string {
    const out = createHash('sha256');
    const record = resources as unknown as Record<string, unknown>;
    const seen = new Set<string>();
    for (const key of Object.keys(record).sort()) {
      const value = record[key];
      if (value === undefined) continue;
      const digest = Array.isArray(value) ? this.#list(key, value) : stableHash(value);
      if (Array.isArray(value)) seen.add(key);
      out.update(`${JSON.stringify(key)}:${Array.isArray(value) ? 'L' : 'V'}${digest},`);
    }
    for (const key of this.#lists.keys()) if (!seen.has(key)) this.#lists.delete(key);
    return out.digest('hex');
  }

  #list(key: string, items: readonly unknown[]): string {
    const prev = this.#lists.get(key);
    if (prev !== undefined && sameItems(prev.items, items)) return prev.digest;
    const h = createHash('sha256');
    let buf = '';
    for (const item of items) {
      buf += this.#element(item);
      if (buf.length >= 1 << 16) {
        h.update(buf);
        buf = '';
      }
    }
    h.update(`${buf}#${items.length}`);
    const digest = h.digest('hex');
    // A copy: the caller may reuse its array.
    this.#lists.set(key, { items: [...items], digest });
    return digest;
  }

  #element(item: unknown): string {
    if (item === null || typeof item !== 'object') return stableHash(item);
    let digest = this.#elements.get(item);
    if (digest === undefined) {
      digest = stableHash(item);
      this.#elements.set(item, digest);
    }
    return digest;
  }
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
