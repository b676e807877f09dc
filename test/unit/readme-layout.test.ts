import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The README's "Layout" section must name every folder of src/ and every top-level folder of test/. */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function folders(dir: string, recursive: boolean): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const path = `${dir}/${e.name}`;
      return recursive ? [path, ...folders(path, true)] : [path];
    });
}

/** The text of the README section headed "### Layout", up to the next heading of level 2 or 3. */
function layoutSection(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.search(/^### Layout$/m);
  if (start < 0) throw new Error('README.md has no "### Layout" section');
  const rest = readme.slice(start + '### Layout'.length);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/**
 * Folders the section does not name as `path/` (src/sources/ does not count for src/sources/kube/).
 * A folder with no files of its own (src/plugins/) is named through its subfolders.
 */
function missing(paths: string[], section: string): string[] {
  const named = new Set(section.match(/(?<![\w/.-])(?:src|test)\/[\w./-]*\//g) ?? []);
  const hasFiles = (p: string) => readdirSync(join(repoRoot, p), { withFileTypes: true }).some((e) => e.isFile());
  return paths.filter((p) => !named.has(`${p}/`) && (hasFiles(p) || !paths.some((q) => q.startsWith(`${p}/`))));
}

function expectNamed(paths: string[], section: string, what: string): void {
  const absent = missing(paths, section);
  expect(absent, `${what} missing from the README "### Layout" section: ${absent.join(', ')}`).toEqual([]);
}

describe('README layout section', () => {
  const section = layoutSection();

  it('names every folder of src/', () => {
    const all = folders('src', true);
    expect(all).toContain('src/proxy');
    expectNamed(all, section, 'src/ folders');
  });

  it('names every top-level folder of test/ (the tiers)', () => {
    const all = folders('test', false);
    expect(all).toContain('test/unit');
    expectNamed(all, section, 'test/ folders');
  });
});
