import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/gateway-process.js';

/**
 * Each coverage-guided fuzz target (test/fuzz/targets/) runs for a bounded time with a fixed seed:
 * first every input of its checked-in corpus (test/fuzz/corpus/<target>/), then mutations. Any
 * throw or oracle violation fails the test and prints the input (saved under test/fuzz/findings/).
 * `node bench/fuzz.mjs` runs the same targets for long.
 */
const BUDGET_SECONDS: Record<string, number> = { 'jwt-token': 12, router: 8, 'forward-headers': 6, 'kong-yml': 12, 'proxy-protocol': 5 };
const SEED = process.env.FUZZ_SEED ?? '1';

describe('fuzz targets (bounded run)', () => {
  for (const [target, seconds] of Object.entries(BUDGET_SECONDS)) {
    it(`${target}: ${seconds} s, no finding`, () => {
      const run = spawnSync(process.execPath, [path.join(repoRoot, 'test/fuzz/run.mjs'), target, '--seconds', String(seconds), '--seed', SEED], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: (seconds + 60) * 1000,
      });
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status, output).toBe(0);
      // The run must have done real work beyond replaying the corpus.
      const runs = Number(/: (\d+) runs in /.exec(output)?.[1] ?? 0);
      expect(runs, output).toBeGreaterThan(100);
    }, (seconds + 90) * 1000);
  }
});
