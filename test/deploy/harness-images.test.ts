// The image harness (test/harness/images/) without building anything: its hello-upstream fixture
// Dockerfile, its Node pin and its rebuild key. Building needs root, debootstrap and buildah
// (minutes); `node test/harness/images/build.mjs --verify` does that, these checks stay fast.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helm.js';

const harness = join(repoRoot, 'test/harness/images');

/** Runs `body` as an ES module with the harness module `mod` imported as `m`; returns its JSON output. */
function withModule(mod: string, body: string): unknown {
  const src = `import * as m from ${JSON.stringify(join(harness, mod))};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

/** Instruction lines (continuations joined, comments dropped) -> [KEYWORD, args]. */
function instructions(text: string): [string, string][] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [, k, a] = /^(\S+)\s*(.*)$/.exec(l)!;
      return [k!.toUpperCase(), a!];
    });
}

const product = instructions(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
const productFrom = product.find(([k]) => k === 'FROM')![1].split(/\s+/)[0]!;

describe('hello-upstream fixture image (test/harness/images/hello-upstream.Dockerfile)', () => {
  const hello = instructions(readFileSync(join(harness, 'hello-upstream.Dockerfile'), 'utf8'));
  const args = (k: string) => hello.filter(([kw]) => kw === k).map(([, a]) => a);

  it('builds on the product image base, from files in the build context, and runs them as a non-root uid', () => {
    expect(args('FROM')).toEqual([productFrom]);
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const copies = args('COPY').map((c) => c.split(/\s+/));
    expect(copies.length).toBeGreaterThan(0);
    const copied = copies.flatMap((words) => words.slice(0, -1));
    for (const src of copied) {
      expect(existsSync(join(repoRoot, src)), src).toBe(true);
      expect(ignored.some((p) => src === p || src.startsWith(`${p}/`)), `${src} is .dockerignored`).toBe(false);
    }
    const entrypoint = JSON.parse(args('ENTRYPOINT')[0]!) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(copied.map((s) => s.split('/').at(-1))).toContain(entrypoint[1]);
    const [uid] = args('USER')[0]!.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(args('RUN')).toEqual([]);
  });
});

describe('base image pin (test/harness/images/base-image.mjs)', () => {
  it('is a Node version the Dockerfile FROM and package.json engines accept', () => {
    const base = withModule('base-image.mjs', 'console.log(JSON.stringify(m.BASE))') as { node: string; suite: string };
    const [major, minor, patch] = base.node.split('.').map(Number);
    expect(`node:${major}-${base.suite}-slim`).toBe(productFrom);
    const engines = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).engines.node as string;
    const [emaj, emin, epat] = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(engines)!.slice(1).map(Number);
    expect(major).toBe(emaj);
    expect(major! * 1e6 + minor! * 1e3 + patch!).toBeGreaterThanOrEqual(emaj! * 1e6 + emin! * 1e3 + epat!);
  });
});

describe('rebuild key (test/harness/images/context-key.mjs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-image-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = () =>
    withModule(
      'context-key.mjs',
      `console.log(JSON.stringify(m.contextKey({ contextDir: ${JSON.stringify(dir)}, dockerfile: ${JSON.stringify(join(dir, 'Dockerfile'))} })))`,
    ) as string;

  it('changes with the Dockerfile and every context file it copies, and only with those', () => {
    mkdirSync(join(dir, 'src/sub'), { recursive: true });
    writeFileSync(join(dir, 'Dockerfile'), 'FROM b AS one\nCOPY package.json \\\n  ./\nCOPY src ./src\nFROM b\nCOPY --from=one /app ./app\n');
    writeFileSync(join(dir, 'package.json'), '{}');
    writeFileSync(join(dir, 'src/sub/a.ts'), 'a');
    writeFileSync(join(dir, 'README.md'), 'r');
    const k0 = key();
    writeFileSync(join(dir, 'README.md'), 'r2');
    expect(key()).toBe(k0);
    writeFileSync(join(dir, 'src/sub/a.ts'), 'a2');
    const k1 = key();
    expect(k1).not.toBe(k0);
    writeFileSync(join(dir, 'src/sub/b.ts'), '');
    const k2 = key();
    expect(k2).not.toBe(k1);
    writeFileSync(join(dir, 'package.json'), '{ }');
    const k3 = key();
    expect(k3).not.toBe(k2);
    writeFileSync(join(dir, 'Dockerfile'), readFileSync(join(dir, 'Dockerfile'), 'utf8') + 'USER 1:1\n');
    expect(key()).not.toBe(k3);
  });
});
