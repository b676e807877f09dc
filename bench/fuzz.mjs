#!/usr/bin/env node
/**
 * Long coverage-guided fuzzing runs (npm test runs each target for a few seconds only):
 *
 *   npm run build && node bench/fuzz.mjs [--seconds 600] [--seed N] [target ...]
 *
 * Runs each target (default: all in test/fuzz/targets/) in turn for --seconds with a random seed
 * (printed; pass --seed to repeat a run). New coverage-increasing inputs go to
 * bench/.fuzz-corpus/<target>/ (not checked in: copy the interesting ones to test/fuzz/corpus/).
 * Prints runs, exec/s, corpus and features per target; exits 1 after the first finding.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { seconds: { type: 'string', default: '600' }, seed: { type: 'string' } } });
const targets = positionals.length > 0 ? positionals : readdirSync(path.join(repo, 'test/fuzz/targets')).map((f) => f.replace(/\.mjs$/, ''));
let failed = false;
for (const target of targets) {
  const seed = values.seed ?? String(1 + Math.floor(Math.random() * 0x7fffffff));
  const run = spawnSync(
    process.execPath,
    [path.join(repo, 'test/fuzz/run.mjs'), target, '--seconds', values.seconds, '--seed', seed, '--save-corpus', path.join(repo, 'bench/.fuzz-corpus', target)],
    { cwd: repo, stdio: 'inherit' },
  );
  if (run.status !== 0) {
    failed = true;
    break;
  }
}
process.exit(failed ? 1 : 0);
