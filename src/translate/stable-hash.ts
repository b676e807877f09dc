import { createHash } from 'node:crypto';

/**
 * Content hash of a source's output: identical inputs give identical hashes whatever the key
 * order, so a rebuild that changes nothing is detected and no swap happens.
 */
export function stableHash(value: unknown): string {
  const hash = createHash('sha256');
  feed(hash, value);
  return hash.digest('hex');
}

function feed(hash: ReturnType<typeof createHash>, value: unknown): void {
  if (value === null || typeof value !== 'object') {
    hash.update(value === undefined ? 'u' : JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    hash.update('[');
    for (const item of value) {
      feed(hash, item);
      hash.update(',');
    }
    hash.update(']');
    return;
  }
  hash.update('{');
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    hash.update(JSON.stringify(key));
    hash.update(':');
    feed(hash, v);
    hash.update(',');
  }
  hash.update('}');
}
