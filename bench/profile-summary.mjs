#!/usr/bin/env node
// Self time by function from V8 .cpuprofile files (node --cpu-prof), as % of all samples.
// usage: node bench/profile-summary.mjs [--top N] [--by file|function] file.cpuprofile …
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt, positionals } = parseArgs({
  options: { top: { type: 'string', default: '40' }, by: { type: 'string', default: 'function' } },
  allowPositionals: true,
});

for (const file of positionals) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of prof.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const self = new Map();
  let total = 0;
  for (const [id, c] of counts) {
    const f = byId.get(id).callFrame;
    const where = f.url ? f.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/').replace(/^node:/, '') : '';
    const key = opt.by === 'file' ? where || f.functionName || '(native)' : `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + c);
    total += c;
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, c]) => a + c, 0);
  console.log(`\n${file}: ${total} samples, ${((100 * idle) / total).toFixed(1)}% idle; % of busy samples:`);
  const rows = [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top));
  for (const [k, c] of rows) console.log(`${((100 * c) / (total - idle)).toFixed(2).padStart(6)}%  ${k}`);
}
