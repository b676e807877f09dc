// Figures the cluster suites measure, printed once at the end of the run (and written to
// $PORTCULLIS_CLUSTER_FIGURES when set) so notes and CI logs carry them.
import { readFileSync, writeFileSync } from 'node:fs';

export const figures: Record<string, unknown> = {};

export function quantiles(samples: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!);
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: Math.round(s.at(-1)!) };
}

export function printFigures(): void {
  const text = JSON.stringify(figures, null, 2);
  process.stdout.write(`\ncluster figures:\n${text}\n`);
  const file = process.env['PORTCULLIS_CLUSTER_FIGURES'];
  if (!file) return;
  // Several test files print figures in one run: each adds its keys to what the file already holds.
  let before: Record<string, unknown> = {};
  try {
    before = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch { /* absent or not ours yet: start afresh */ }
  writeFileSync(file, `${JSON.stringify({ ...before, ...figures }, null, 2)}\n`);
}
