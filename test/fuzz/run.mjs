#!/usr/bin/env node
/**
 * Runs one fuzz target with the coverage-guided engine (engine.mjs).
 *
 *   node test/fuzz/run.mjs <target> [--seconds 15] [--runs N] [--seed 1] [--slow-ms 2000] [--save-corpus DIR]
 *
 * <target> is a file name in test/fuzz/targets/ (without .mjs). Seeds come from
 * test/fuzz/corpus/<target>/. Exit 0: no finding; exit 1: a crash or a slow input, saved under
 * test/fuzz/findings/ and printed (base64) so it can be replayed with --replay FILE.
 * Needs the built dist/ (npm run build).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runFuzzer } from './engine.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.resolve(here, '../../dist');
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '15' },
    runs: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'slow-ms': { type: 'string', default: '2000' },
    'save-corpus': { type: 'string' },
    replay: { type: 'string' },
  },
});
const name = positionals[0];
if (!name) {
  console.error(`usage: run.mjs <target> [options]; targets: ${readdirSync(path.join(here, 'targets')).map((f) => f.replace(/\.mjs$/, '')).join(', ')}`);
  process.exit(2);
}
const mod = await import(pathToFileURL(path.join(here, 'targets', `${name}.mjs`)).href);

if (values.replay) {
  mod.fuzz(readFileSync(values.replay));
  console.log(`${name}: replayed ${values.replay}: no finding`);
  process.exit(0);
}

const corpusDir = path.join(here, 'corpus', name);
const seeds = readdirSync(corpusDir).sort().map((f) => readFileSync(path.join(corpusDir, f)));
const saveDir = values['save-corpus'];
if (saveDir) mkdirSync(saveDir, { recursive: true });
const seed = Number(values.seed);
const t0 = Date.now();
const result = runFuzzer({
  target: mod.fuzz,
  seeds,
  seconds: Number(values.seconds),
  runs: values.runs ? Number(values.runs) : Infinity,
  seed,
  slowMs: Number(values['slow-ms']),
  maxLen: mod.maxLength ?? 4096,
  dictionary: mod.dictionary ?? [],
  // Coverage of the gateway's own code only.
  include: (url) => url.startsWith(pathToFileURL(distDir).href),
  onNewInput: (input) => {
    if (saveDir) writeFileSync(path.join(saveDir, createHash('sha1').update(input).digest('hex')), input);
  },
  onStatus: (s) => console.log(`${name}: ${s.runs} runs, corpus ${s.corpus}, features ${s.features}`),
});
const secs = (Date.now() - t0) / 1000;
const summary = `${name}: ${result.runs} runs in ${secs.toFixed(1)} s (${Math.round(result.runs / secs)}/s), seed ${seed}, ${seeds.length} seeds, corpus ${result.corpus.length}, features ${result.features}`;
if (result.finding) {
  const { input, kind, message } = result.finding;
  const dir = path.join(here, 'findings');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${kind}-${createHash('sha1').update(input).digest('hex').slice(0, 12)}`);
  writeFileSync(file, input);
  console.log(`${summary}\nFINDING (${kind}): ${message}\ninput (base64): ${input.toString('base64')}\nsaved: ${path.relative(process.cwd(), file)} (replay: node test/fuzz/run.mjs ${name} --replay ${path.relative(process.cwd(), file)})`);
  process.exit(1);
}
console.log(`${summary}: no finding`);
