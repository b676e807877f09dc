import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * The one golden-file check for test/golden/*: `actual` must equal the committed expected file.
 * UPDATE_GOLDEN=1 (re)writes it first — only for a deliberate change, reviewed in the diff. Without
 * it a missing file fails: a run that writes its own expectation and then passes proves nothing.
 */
export function expectGolden(expectedPath: string, actual: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env['UPDATE_GOLDEN'] === '1') writeFileSync(expectedPath, actual);
  if (!existsSync(expectedPath)) throw new Error(`${expectedPath} is missing; run with UPDATE_GOLDEN=1 to write it`);
  expect(actual).toBe(readFileSync(expectedPath, 'utf8'));
}
