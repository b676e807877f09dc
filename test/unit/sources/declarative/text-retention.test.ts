import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { detachStrings } from '../../../../src/sources/declarative/detach-strings.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { collectStartupGarbage } from '../../../../src/runtime/startup-gc.js';

const MB = 1024 * 1024;

function usedHeapAfterGc(): number {
  expect(collectStartupGarbage()).toBeTypeOf('number');
  return getHeapStatistics().used_heap_size;
}

describe('a parsed kong.yml does not keep its text alive', () => {
  it('keeps only the values: 30 MB of text, < 8 MB retained with the resources', () => {
    const before = usedHeapAfterGc();
    // Long secrets and usernames (V8 slices strings of 13+ characters), then a 30 MB comment:
    // one surviving slice would keep all of it.
    const consumers = Array.from({ length: 200 }, (_, i) =>
      `  - username: consumer-with-a-long-name-${i}\n    jwt_secrets:\n      - key: key-${i}\n        secret: a-secret-long-enough-to-be-sliced-${i}\n`).join('');
    let text: string | undefined = `_format_version: "3.0"\nconsumers:\n${consumers}${'# padding padding padding\n'.repeat((30 * MB) / 26)}`;
    const parsed = parseDeclarative(text, 'kong.yml');
    text = undefined;
    expect(parsed.fatal).toBeUndefined();
    expect(parsed.resources.credentials).toHaveLength(200);
    expect(parsed.resources.credentials[7]!.secret).toBe('a-secret-long-enough-to-be-sliced-7');
    const retained = usedHeapAfterGc() - before;
    expect(retained).toBeLessThan(8 * MB);
  });

  it('detachStrings keeps every value as it was', () => {
    const doc = { a: ['x'.repeat(40), 1, null, { b: 'short', c: 'y'.repeat(13), d: true }], e: 'z'.repeat(12) };
    expect(detachStrings(structuredClone(doc))).toEqual(doc);
  });
});
