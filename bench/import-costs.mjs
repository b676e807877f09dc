// What importing each module costs the controller (issue 17): for every module, a fresh node
// imports it alone, runs a full GC and prints VmRSS and heap used, minus those of a node that
// imported nothing. Run after `npm run build`:  node bench/import-costs.mjs
import { execFileSync } from 'node:child_process';

const root = new URL('../', import.meta.url);
const MODULES = [
  '@kubernetes/client-node',
  'fastify',
  'pino',
  'prom-client',
  'zod',
  'undici',
  'jose',
  'yaml',
  'js-yaml',
  're2js',
  './dist/sources/kube/source.js',
  './dist/modes/standalone.js',
  './dist/modes/controller.js',
];
const probe = (spec) => `
const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
(async () => {
  ${spec ? `await import(${JSON.stringify(spec.startsWith('.') ? new URL(spec, root).href : spec)});` : ''}
  global.gc(); global.gc();
  process.stdout.write(JSON.stringify({ rss: rss(), heap: process.memoryUsage().heapUsed / 1048576 }));
})();`;
const measure = (spec) => {
  const runs = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', probe(spec)], { cwd: new URL('.', root), encoding: 'utf8' })));
  runs.sort((a, b) => a.rss - b.rss);
  return runs[1];
};
const base = measure(undefined);
console.log(`node alone: VmRSS ${base.rss.toFixed(1)} MB, heap ${base.heap.toFixed(1)} MB (median of 3)`);
console.log('| module | VmRSS added (MB) | heap added after GC (MB) |\n| --- | ---: | ---: |');
for (const m of MODULES) {
  const r = measure(m);
  console.log(`| ${m} | ${(r.rss - base.rss).toFixed(1)} | ${(r.heap - base.heap).toFixed(1)} |`);
}
