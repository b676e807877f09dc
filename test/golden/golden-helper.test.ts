import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectGolden } from '../support/golden.js';

describe('expectGolden (test/support/golden.ts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pc-golden-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on a missing expected file without UPDATE_GOLDEN, and writes nothing', () => {
    const file = join(dir, 'expected.json');
    expect(() => expectGolden(file, '{}\n', {})).toThrow(/expected\.json is missing; run with UPDATE_GOLDEN=1/);
    expect(existsSync(file)).toBe(false);
  });

  it('fails when the actual text differs from the expected file', () => {
    const file = join(dir, 'expected.json');
    writeFileSync(file, '{"a":1}\n');
    expect(() => expectGolden(file, '{"a":2}\n', {})).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
  });

  it('passes on equal text; UPDATE_GOLDEN=1 writes a missing or stale file', () => {
    const file = join(dir, 'expected.json');
    expectGolden(file, '{"a":1}\n', { UPDATE_GOLDEN: '1' });
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    expectGolden(file, '{"a":1}\n', {});
    expectGolden(file, '{"a":2}\n', { UPDATE_GOLDEN: '1' });
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}\n');
  });
});
