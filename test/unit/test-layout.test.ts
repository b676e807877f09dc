import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Unit tests mirror src/: the test for src/a/b/c.ts lives in test/unit/a/b/ (see README,
 * "Development"). A file here whose folder has no twin under src/ fails, except the few below.
 */
const root = join(import.meta.dirname, '..', '..');
const unitDir = join(root, 'test', 'unit');

/** Files that check src/ as a whole, so they belong to no one folder. Path relative to test/unit. */
const EXCEPTIONS: Record<string, string> = {
  'architecture.test.ts': 'checks the import rules between all top-level folders of src/',
  'test-layout.test.ts': 'checks the layout of test/unit itself',
  'readme-layout.test.ts': 'checks that the README lists every folder of src/ and test/',
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [relative(unitDir, path)] : [];
  });
}

describe('test/unit mirrors src/', () => {
  const files = tsFiles(unitDir);

  it('finds the unit tests', () => expect(files.filter((f) => f.endsWith('.test.ts')).length).toBeGreaterThan(50));

  it('every file sits in a folder that exists under src/, or is a listed exception', () => {
    const misplaced = files.filter((f) => !(f in EXCEPTIONS) && (dirname(f) === '.' || !existsSync(join(root, 'src', dirname(f)))));
    expect(misplaced, 'move these to test/unit/<their src folder>/, or shared helpers to test/support/').toEqual([]);
  });
});
