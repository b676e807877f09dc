import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  LAYER_RANKS,
  analyze,
  cycles,
  folderEdges,
  layerViolations,
  parseImports,
  unrankedFolders,
  unreachable,
} from '../../scripts/import-graph.mjs';

// The layers of docs/architecture.md#layers, enforced on the real import graph of src/ (the same
// analysis `npm run imports` prints). LAYER_RANKS in scripts/import-graph.mjs is the rank table;
// the doc's table must say the same.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const graph = analyze(repo);

/** The layer table of docs/architecture.md: rank → the `src/<folder>` names in its row. */
function documentedRanks(): Record<string, number> {
  const doc = readFileSync(`${repo}docs/architecture.md`, 'utf8');
  const section = doc.slice(doc.indexOf('## Layers'), doc.indexOf('\n## ', doc.indexOf('## Layers') + 1));
  const out: Record<string, number> = {};
  for (const line of section.split('\n')) {
    const row = /^\|\s*(\d+)\s*\|([^|]*)\|/.exec(line);
    if (!row) continue;
    for (const m of row[2]!.matchAll(/`src\/(\w+)(?:\/|\.ts)`/g)) out[m[1]!] = Number(row[1]);
  }
  return out;
}

describe('the import graph of src/', () => {
  it('has parsed the source: every file, and every relative import resolved', () => {
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.edges.length).toBeGreaterThan(300);
    expect(graph.unresolved).toEqual([]);
  });

  it('places every top-level folder of src/ in a layer', () => {
    expect(unrankedFolders(graph.files)).toEqual([]);
  });

  it('imports only folders of a strictly lower rank (no upward, no same-rank imports)', () => {
    expect(graph.violations.map((v) => `${v.from} → ${v.to}: ${v.reason} (${v.files.join('; ')})`)).toEqual([]);
  });

  it('has no cycle between top-level folders', () => {
    expect(graph.folderCycles).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(graph.fileCycles).toEqual([]);
  });

  it('holds no file that only tests use: cli.ts, the workers and bench/scripts reach every one', () => {
    expect(graph.entries).toContain('cli.ts');
    expect(graph.workers).toEqual(expect.arrayContaining(['runtime/proxy-worker-main.ts', 'sources/declarative/parse-thread.ts']));
    expect(graph.unreachable).toEqual([]);
  });

  it('is the layering docs/architecture.md documents', () => {
    expect(documentedRanks()).toEqual({ ...LAYER_RANKS });
  });
});

// The checks above pass on a clean tree; these show that the same functions fail on a bad one.
describe('the checker', () => {
  const e = (from: string, to: string) => ({ from, to });

  it('finds upward, same-rank and unranked imports, and accepts downward ones', () => {
    const found = layerViolations([
      e('model/ids.ts', 'cli/usage-error.ts'),
      e('proxy/server.ts', 'status/health.ts'),
      e('gadgets/x.ts', 'model/ids.ts'),
      e('runtime/gateway.ts', 'proxy/server.ts'),
      e('cli.ts', 'modes/standalone.ts'),
    ]);
    expect(found.map((v) => `${v.from} → ${v.to}: ${v.reason}`)).toEqual([
      'gadgets → gadgets: folder "gadgets" has no layer rank',
      'model → cli: upward (0 → 8)',
      'proxy → status: same rank (5)',
    ]);
    expect(unrankedFolders(['gadgets/x.ts', 'model/ids.ts', 'cli.ts'])).toEqual(['gadgets']);
  });

  it('finds folder and file cycles, and none in a chain', () => {
    const edges = [e('snapshot/types.ts', 'plugins/jwt/types.ts'), e('plugins/jwt/types.ts', 'snapshot/types.ts'), e('proxy/a.ts', 'model/b.ts')];
    expect(cycles(folderEdges(edges))).toEqual([['plugins', 'snapshot']]);
    expect(cycles(edges)).toEqual([['plugins/jwt/types.ts', 'snapshot/types.ts']]);
    expect(cycles([e('a', 'b'), e('b', 'c'), e('c', 'a'), e('c', 'd')])).toEqual([['a', 'b', 'c']]);
    expect(cycles([e('a', 'b'), e('b', 'c')])).toEqual([]);
  });

  it('reads static, type-only, dynamic and worker imports, but not commented-out ones', () => {
    const { specs, selfWorker } = parseImports(`
      import { a } from './a.js';
      import type { B } from "../b.js";
      export { c } from './c.js';
      export type {
        D,
      } from './d.js';
      import './side-effect.js';
      // import { gone } from './commented.js';
      /* export { gone } from './block-commented.js'; */
      const url = 'http://example.com/x.js';
      const m = await import('./dynamic.js');
      fork(new URL('./worker-main.js', import.meta.url));
      new Worker(new URL(import.meta.url));
    `);
    expect(specs).toEqual([
      { specifier: './a.js', kind: 'static' },
      { specifier: '../b.js', kind: 'type' },
      { specifier: './c.js', kind: 'static' },
      { specifier: './d.js', kind: 'type' },
      { specifier: './side-effect.js', kind: 'static' },
      { specifier: './dynamic.js', kind: 'dynamic' },
      { specifier: './worker-main.js', kind: 'worker' },
    ]);
    expect(selfWorker).toBe(true);
  });

  it('lists files no entry point reaches', () => {
    expect(unreachable(['cli.ts', 'modes/a.ts', 'tokens/test-only.ts'], [e('cli.ts', 'modes/a.ts')], ['cli.ts'])).toEqual(['tokens/test-only.ts']);
  });
});
