#!/usr/bin/env node
// The import graph of src/: which top-level folder imports which, cycles, and imports that break the
// layer ranks (docs/architecture.md#layers). No dependencies: it reads the .ts sources with a small
// lexer, so it runs before `npm ci` and inside the unit tests (test/unit/architecture.test.ts).
//
//   npm run imports            folder graph, cycles, layer violations, files no entry point reaches
//   npm run imports -- -v      also every file-level edge
//   npm run imports -- DIR     the same for another checkout (e.g. `git worktree add /tmp/old <rev>`)
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Layer rank of every top-level folder of src/ (src/cli.ts counts as `cli`). A folder may import only
 * folders of a strictly lower rank; folders of the same rank never import each other. A new folder
 * must be placed here, or the architecture test fails.
 */
export const LAYER_RANKS = Object.freeze({
  model: 0,
  observability: 1,
  snapshot: 2,
  plugins: 3,
  sources: 4,
  translate: 4,
  tokens: 4,
  proxy: 5,
  admin: 5,
  health: 5,
  status: 5,
  runtime: 6,
  modes: 7,
  cli: 8,
});

/** Blanks out comments (keeping strings and line breaks) so commented-out imports do not count. */
export function stripComments(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const STATIC = /(?:^|[;\n}])\s*(import|export)\s+(type\s+)?(?:[\w*\s{},$]*?\s*from\s*)?(['"])([^'"\n]+)\3/g;
const DYNAMIC = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;
const WORKER_URL = /\bnew\s+URL\(\s*(['"])([^'"\n]+)\1\s*,\s*import\.meta\.url\s*\)/g;
const SELF_URL = /\bnew\s+URL\(\s*import\.meta\.url\s*\)/;

/**
 * The module specifiers one source file refers to, each with its kind: `static` (import/export from),
 * `type` (import type / export type), `dynamic` (import('…')) or `worker` (new URL('…', import.meta.url),
 * a file started as a worker or child process). `selfWorker` is true when the file starts itself.
 */
export function parseImports(text) {
  const src = stripComments(text);
  const specs = [];
  for (const m of src.matchAll(STATIC)) {
    // `export const x = …` and friends have no string right after; only `from '…'` or a bare import match.
    specs.push({ specifier: m[4], kind: m[2] ? 'type' : 'static' });
  }
  for (const m of src.matchAll(DYNAMIC)) specs.push({ specifier: m[2], kind: 'dynamic' });
  for (const m of src.matchAll(WORKER_URL)) specs.push({ specifier: m[2], kind: 'worker' });
  return { specs, selfWorker: SELF_URL.test(src) };
}

function listTs(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** `model/ids.ts` → `model`; `cli.ts` → `cli`. Paths are relative to src/ with forward slashes. */
export function folderOf(file) {
  const slash = file.indexOf('/');
  return slash === -1 ? file.replace(/\.ts$/, '') : file.slice(0, slash);
}

/** A relative specifier as written in `from` (compiled .js names) → the .ts file it means, or undefined. */
function resolveSpecifier(fromFile, specifier, files) {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => files.has(c));
}

/**
 * Reads every src/**\/*.ts under `srcDir` and returns the file-level edges
 * ({ from, to, kind }, paths relative to src/) plus the files that start themselves as workers.
 */
export function collectEdges(srcDir) {
  const files = new Set(listTs(srcDir).map((f) => path.relative(srcDir, f).split(path.sep).join('/')));
  const edges = [];
  const selfWorkers = [];
  const unresolved = [];
  for (const file of [...files].sort()) {
    const { specs, selfWorker } = parseImports(readFileSync(path.join(srcDir, file), 'utf8'));
    if (selfWorker) selfWorkers.push(file);
    for (const { specifier, kind } of specs) {
      if (!specifier.startsWith('.')) continue;
      // A URL reaching outside src/ (the package.json next to dist/) is a file read, not a layer edge.
      if (path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).startsWith('../')) continue;
      const to = resolveSpecifier(file, specifier, files);
      if (to === undefined) unresolved.push({ from: file, specifier });
      else edges.push({ from: file, to, kind });
    }
  }
  return { files: [...files].sort(), edges, selfWorkers, unresolved };
}

/** Cross-folder edges with their counts: [{ from, to, count }], sorted. */
export function folderEdges(edges) {
  const counts = new Map();
  for (const e of edges) {
    const from = folderOf(e.from);
    const to = folderOf(e.to);
    if (from === to) continue;
    const key = `${from}\0${to}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .map(([key, count]) => {
      const [from, to] = key.split('\0');
      return { from, to, count };
    })
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** Strongly connected components with more than one node (or a self-loop): the cycles of a graph. */
export function cycles(pairs) {
  const adj = new Map();
  const selfLoops = new Set();
  for (const { from, to } of pairs) {
    if (from === to) selfLoops.add(from);
    if (!adj.has(from)) adj.set(from, new Set());
    if (!adj.has(to)) adj.set(to, new Set());
    adj.get(from).add(to);
  }
  // Tarjan's algorithm, iterative so deep file chains cannot overflow the stack.
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  for (const root of [...adj.keys()].sort()) {
    if (idx.has(root)) continue;
    const work = [{ node: root, it: [...adj.get(root)].sort()[Symbol.iterator]() }];
    idx.set(root, index);
    low.set(root, index++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const step = frame.it.next();
      if (!step.done) {
        const w = step.value;
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, it: [...adj.get(w)].sort()[Symbol.iterator]() });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node), idx.get(w)));
        }
        continue;
      }
      work.pop();
      const v = frame.node;
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === idx.get(v)) {
        const scc = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 || selfLoops.has(v)) out.push(scc.sort());
      }
    }
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * Cross-folder edges that break the ranks: upward or same-rank imports, and folders with no rank.
 * Returns [{ from, to, reason }] at folder level (with the file-level edges that cause each).
 */
export function layerViolations(edges, ranks = LAYER_RANKS) {
  const out = [];
  const unranked = new Set();
  for (const folder of new Set(edges.flatMap((e) => [folderOf(e.from), folderOf(e.to)]))) {
    if (!(folder in ranks)) unranked.add(folder);
  }
  for (const folder of [...unranked].sort()) {
    out.push({ from: folder, to: folder, reason: `folder "${folder}" has no layer rank`, files: [] });
  }
  for (const fe of folderEdges(edges)) {
    const rf = ranks[fe.from];
    const rt = ranks[fe.to];
    if (rf === undefined || rt === undefined) continue;
    if (rt < rf) continue;
    const reason = rt === rf ? `same rank (${rf})` : `upward (${rf} → ${rt})`;
    const files = edges
      .filter((e) => folderOf(e.from) === fe.from && folderOf(e.to) === fe.to)
      .map((e) => `${e.from} → ${e.to}`);
    out.push({ from: fe.from, to: fe.to, reason, files });
  }
  return out;
}

/** Folders in `folders` that have no rank (every top-level folder of src/ must be placed). */
export function unrankedFolders(files, ranks = LAYER_RANKS) {
  return [...new Set(files.map(folderOf))].filter((f) => !(f in ranks)).sort();
}

/**
 * Files no production entry point reaches: the entries are src/cli.ts, every worker started by
 * new URL(…, import.meta.url), and any src file that bench/ or scripts/ load (from dist/ or src/).
 */
export function unreachable(files, edges, entries) {
  const adj = new Map();
  for (const e of edges) {
    if (!adj.has(e.from)) adj.set(e.from, []);
    adj.get(e.from).push(e.to);
  }
  const seen = new Set();
  const todo = [...entries];
  while (todo.length > 0) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    for (const t of adj.get(f) ?? []) todo.push(t);
  }
  return files.filter((f) => !seen.has(f));
}

/** src files (relative to src/) that the given directories load, built (`dist/x/y.js`) or not (`src/x/y.js`). */
export function distImports(dirs, files) {
  const fileSet = new Set(files);
  const out = new Set();
  const scan = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) scan(p);
      } else if (/\.(m?js|cjs|ts|sh)$/.test(entry.name)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/\b(?:dist|src)\/([\w/.-]+?)\.js\b/g)) {
          const ts = `${m[1]}.ts`;
          if (fileSet.has(ts)) out.add(ts);
        }
      }
    }
  };
  for (const d of dirs) scan(d);
  return [...out].sort();
}

/** The whole analysis of a repository checkout. */
export function analyze(repoDir, ranks = LAYER_RANKS) {
  const srcDir = path.join(repoDir, 'src');
  const { files, edges, selfWorkers, unresolved } = collectEdges(srcDir);
  const workers = [...new Set([...edges.filter((e) => e.kind === 'worker').map((e) => e.to), ...selfWorkers])].sort();
  const external = distImports([path.join(repoDir, 'bench'), path.join(repoDir, 'scripts')], files);
  const entries = [...new Set(['cli.ts', ...workers, ...external])];
  return {
    files,
    edges,
    unresolved,
    entries,
    workers,
    external,
    folderEdges: folderEdges(edges),
    folderCycles: cycles(folderEdges(edges)),
    fileCycles: cycles(edges.filter((e) => e.from !== e.to)),
    violations: layerViolations(edges, ranks),
    unranked: unrankedFolders(files, ranks),
    unreachable: unreachable(files, edges, entries),
  };
}

/** Human-readable report (what `npm run imports` prints). */
export function formatReport(a, { verbose = false, ranks = LAYER_RANKS } = {}) {
  const lines = [];
  const rank = (f) => (f in ranks ? ranks[f] : '?');
  lines.push(`src/: ${a.files.length} files, ${a.edges.length} file-level imports`);
  lines.push('');
  lines.push('folder graph (rank) → (rank): file-level imports');
  for (const e of a.folderEdges) {
    const bad = a.violations.some((v) => v.from === e.from && v.to === e.to) ? '  ✗' : '';
    lines.push(`  ${e.from} (${rank(e.from)}) → ${e.to} (${rank(e.to)}): ${e.count}${bad}`);
  }
  lines.push('');
  lines.push(`folder cycles: ${a.folderCycles.length === 0 ? 'none' : ''}`);
  for (const c of a.folderCycles) lines.push(`  ${c.join(' ↔ ')}`);
  lines.push(`file cycles: ${a.fileCycles.length === 0 ? 'none' : ''}`);
  for (const c of a.fileCycles) lines.push(`  ${c.join(' ↔ ')}`);
  lines.push(`layer violations: ${a.violations.length === 0 ? 'none' : ''}`);
  for (const v of a.violations) {
    lines.push(`  ${v.from} → ${v.to}: ${v.reason}`);
    for (const f of v.files) lines.push(`      ${f}`);
  }
  if (a.unresolved.length > 0) {
    lines.push('unresolved relative imports:');
    for (const u of a.unresolved) lines.push(`  ${u.from}: ${u.specifier}`);
  }
  lines.push(`entry points: cli.ts; workers: ${a.workers.join(', ') || 'none'}`);
  lines.push(`  and ${a.external.length} files bench/ or scripts/ load: ${a.external.join(', ')}`);
  lines.push(`files no entry point reaches: ${a.unreachable.length === 0 ? 'none' : ''}`);
  for (const f of a.unreachable) lines.push(`  ${f}`);
  if (verbose) {
    lines.push('');
    lines.push('file-level imports:');
    for (const e of a.edges) lines.push(`  ${e.from} → ${e.to}${e.kind === 'static' ? '' : ` (${e.kind})`}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const verbose = process.argv.includes('-v') || process.argv.includes('--verbose');
  // An optional checkout to read instead of this one, e.g. an older commit's worktree (before/after).
  const other = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const repoDir = other ? path.resolve(other) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const a = analyze(repoDir);
  console.log(formatReport(a, { verbose }));
  const bad = a.folderCycles.length + a.fileCycles.length + a.violations.length + a.unranked.length;
  process.exitCode = bad > 0 ? 1 : 0;
}
