import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';
import { expectGolden } from '../../support/golden.js';

/**
 * Golden cases: <case>/kong.yml → <case>/expected.json (ResourceSet + fatal, keys sorted,
 * ObjectRef.file reduced to its base name). UPDATE_GOLDEN=1 rewrites expected.json; a missing
 * expected.json fails.
 */
const here = dirname(fileURLToPath(import.meta.url));
const cases = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

function stable(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => stable(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = stable((value as Record<string, unknown>)[k], k);
    return out;
  }
  if (key === 'file' && typeof value === 'string') return basename(value);
  return value;
}

describe('declarative golden files', () => {
  it('has the required cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });
  for (const name of cases) {
    it(name, () => {
      const dir = join(here, name);
      const file = join(dir, 'kong.yml');
      const result = parseDeclarative(readFileSync(file, 'utf8'), file);
      const actual = `${JSON.stringify(stable(result), null, 2)}\n`;
      expectGolden(join(dir, 'expected.json'), actual);
    });
  }
});
