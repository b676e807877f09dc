import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, run } from './helm.js';

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name: string;
  instructions: Instruction[];
}

/** Dockerfile -> stages of instructions (continuations joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let buf = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      buf += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push(buf + line);
    buf = '';
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l.trim())!;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!;
    if (keyword === 'FROM') {
      const [image, , name] = args.split(/\s+/);
      stages.push({ image: image!, name: name ?? String(stages.length), instructions: [] });
    } else {
      stages.at(-1)!.instructions.push({ keyword, args });
    }
  }
  return stages;
}

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const finalStage = stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const runLines = stages.flatMap((s) => all(s, 'RUN'));

describe('Dockerfile', () => {
  it('builds on node:20-bookworm-slim in every stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.image, s.name).toBe('node:20-bookworm-slim');
  });

  it('compiles with dev dependencies and ships production dependencies only', () => {
    expect(runLines.some((r) => /^npm ci(\s|$)/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runLines).toContain('npm run build');
    // The node_modules copied into the final stage come from a stage that ran `npm ci --omit=dev`.
    const copied = all(finalStage, 'COPY').find((c) => /\/node_modules\s/.test(c));
    const from = /--from=(\S+)/.exec(copied ?? '')?.[1];
    const source = stages.find((s) => s.name === from);
    expect(source, 'final node_modules source stage').toBeDefined();
    expect(all(source!, 'RUN').some((r) => /^npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(all(finalStage, 'RUN')).toEqual([]);
  });

  it('runs as uid 10001 in production mode with exec-form entrypoint and the four ports', () => {
    expect(all(finalStage, 'USER')).toEqual(['10001:10001']);
    expect(all(finalStage, 'ENV')).toContain('NODE_ENV=production');
    expect(JSON.parse(all(finalStage, 'ENTRYPOINT')[0]!)).toEqual(['node', '--single-threaded-gc', 'dist/cli.js']);
    expect(JSON.parse(all(finalStage, 'CMD')[0]!)).toEqual(['controller']);
    expect(all(finalStage, 'EXPOSE').join(' ').split(/\s+/).sort()).toEqual(['8000', '8001', '8100', '8443']);
  });

  it('.dockerignore keeps host builds and dependencies out of the context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    // Nothing the Dockerfile COPYs from the context may be ignored.
    const contextSources = stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => !c.startsWith('--from='))
      .flatMap((c) => c.split(/\s+/).slice(0, -1));
    for (const src of contextSources) expect(ignored, src).not.toContain(src);
  });
});

describe('scripts/docker-check.sh', () => {
  const script = join(repoRoot, 'scripts/docker-check.sh');

  describe('refuses what it cannot emulate safely', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'portcullis-dockerfile-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each([
      ['a system command in RUN', 'FROM node:20-bookworm-slim\nRUN apt-get install -y curl\n', /RUN must start with npm or node/],
      ['an unsupported instruction', 'FROM node:20-bookworm-slim\nARG VERSION=1\n', /unsupported instruction ARG/],
      ['a non-node base image', 'FROM debian:bookworm-slim\n', /official node:<major>-\* image/],
      ['another Node major', 'FROM node:18-bookworm-slim\n', /is Node 18 but this host runs Node/],
      ['a root final user', 'FROM node:20-bookworm-slim\nENTRYPOINT ["node","x.js"]\n', /numeric non-root USER/],
      ['a COPY of an ignored path', 'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY node_modules ./node_modules\n', /not in the build context/],
    ])('fails loudly on %s', (name, text, message) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.Dockerfile`);
      writeFileSync(file, text);
      const r = run(script, [file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    });
  });

  // Builds the image's stages for real (npm ci twice, tsc) and runs `node dist/cli.js --help` as
  // uid 10001 from the pruned, read-only tree. Needs the CLI (src/cli.ts) with a --help that exits 0.
  it(
    'executes every RUN of the Dockerfile, in order, and the final entrypoint answers --help',
    () => {
      const r = run(script, [], { timeoutMs: 540_000 });
      const executed = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('docker-check: RUN '))
        .map((l) => l.slice('docker-check: RUN '.length));
      expect(executed).toEqual(runLines);
      expect(r.stderr).not.toContain('docker-check: error');
      expect(r.stdout).toMatch(/none of the \d+ dev-only packages present/);
      expect(r.stdout).toContain('docker-check: OK');
      expect(r.code).toBe(0);
    },
    600_000,
  );
});
