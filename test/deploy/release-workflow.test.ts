// .github/workflows/release.yml cannot run here (no Docker, no registry): check what matters in
// it, and run the two scripts it relies on for real (version gate, chart packaging).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HELM_BUILD_TIMEOUT_MS, chartDir, helm, helmBinary, parseManifests, repoRoot, run } from './helm.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { permissions?: unknown; steps: Step[] }>;
}

const workflow = parse(readFileSync(join(repoRoot, '.github/workflows/release.yml'), 'utf8')) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const chart = parseManifests(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'))[0] as unknown as {
  name: string;
  version: string;
  appVersion: string;
};
const pkgVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const stepIndex = (pred: (s: Step) => boolean): number => {
  const i = steps.findIndex(pred);
  expect(i, 'step not found').toBeGreaterThanOrEqual(0);
  return i;
};
const byId = (id: string): Step => steps[stepIndex((s) => s.id === id)]!;

describe('release workflow', () => {
  it('runs only on a pushed v* tag', () => {
    expect(Object.keys(workflow.on)).toEqual(['push']);
    expect(workflow.on.push).toEqual({ tags: ['v*'] });
  });

  it('least privilege: contents read, packages write, nothing else, no job widens it', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', packages: 'write' });
    for (const [name, job] of Object.entries(workflow.jobs)) expect(job.permissions, name).toBeUndefined();
  });

  it('every action is pinned to a major version', () => {
    const uses = steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
  });

  it('checks the tag against package.json and the chart appVersion before building or pushing', () => {
    const check = byId('version');
    expect(check.run).toContain('scripts/release-version-check.sh "$GITHUB_REF_NAME"');
    const first = stepIndex((s) => s.id === 'version');
    for (const i of [stepIndex((s) => s.uses?.startsWith('docker/build-push-action@') ?? false), stepIndex((s) => s.id === 'chart')]) {
      expect(first).toBeLessThan(i);
    }
  });

  it('pushes a multi-arch image named ghcr.io/<owner>/<chart name>, tagged with the checked version', () => {
    expect(byId('image').run).toContain(`name=ghcr.io/\${GITHUB_REPOSITORY_OWNER,,}/${chart.name}"`);
    const build = steps[stepIndex((s) => s.uses?.startsWith('docker/build-push-action@') ?? false)]!;
    expect(build.with).toMatchObject({ context: '.', push: true });
    expect(String(build.with?.platforms).split(',')).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    expect(build.with?.tags).toBe('${{ steps.image.outputs.name }}:${{ steps.version.outputs.version }}');
    expect(steps.some((s) => s.uses?.startsWith('docker/setup-buildx-action@'))).toBe(true);
  });

  it('packages the chart with that image and pushes it as OCI to ghcr.io', () => {
    expect(byId('chart').run).toContain('scripts/package-chart.sh "${{ steps.image.outputs.name }}"');
    const push = steps.find((s) => s.run?.includes('helm push'));
    expect(push?.run).toContain('helm push "${{ steps.chart.outputs.tgz }}" "oci://ghcr.io/');
    // The token reaches helm through stdin, never the command line.
    expect(push?.run).toContain('--password-stdin');
    expect(push?.run).not.toContain('secrets.');
  });

  it('the image name is the one the docs tell users to expect once published', () => {
    const install = readFileSync(join(repoRoot, 'docs/install.md'), 'utf8');
    expect(install).toContain(`ghcr.io/<owner>/${chart.name}`);
    expect(readFileSync(join(chartDir, 'values.yaml'), 'utf8')).toContain('.github/workflows/release.yml');
  });
});

describe('scripts/release-version-check.sh', () => {
  const check = (tag: string) => run(join(repoRoot, 'scripts/release-version-check.sh'), [tag]);

  it('passes the tag that matches package.json and Chart.yaml appVersion', () => {
    expect(chart.appVersion).toBe(pkgVersion);
    const r = check(`v${pkgVersion}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkgVersion);
  });

  it.each([
    ['another version', 'v99.0.0', /package\.json version is '.*' but the tag v99\.0\.0 says 99\.0\.0/],
    ['no v prefix', pkgVersion, /is not v<semver>/],
    ['not semver', 'v1.2', /is not v<semver>/],
  ])('refuses %s', (_name, tag, message) => {
    const r = check(tag);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('names every file that disagrees', () => {
    const r = check('v99.0.0');
    expect(r.stderr).toContain('package-lock.json version');
    expect(r.stderr).toContain('Chart.yaml appVersion');
  });
});

describe('scripts/package-chart.sh', () => {
  let out: string;
  beforeAll(() => {
    helmBinary();
    out = mkdtempSync(join(tmpdir(), 'pc-package-chart-'));
  }, HELM_BUILD_TIMEOUT_MS);
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });
  const pack = (image: string) =>
    run('bash', ['-c', 'HELM="$1" exec "$2" "$3" "$4"', '_', helmBinary(), join(repoRoot, 'scripts/package-chart.sh'), image, out]);

  it('the packaged chart installs with default values and names the published image', () => {
    const before = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
    const r = pack('ghcr.io/example/portcullis');
    expect(r.code, r.stderr).toBe(0);
    const tgz = r.stdout.trim();
    expect(tgz).toBe(join(out, `portcullis-${chart.version}.tgz`));
    const rendered = helm(['template', 'portcullis', tgz, '--show-only', 'templates/deployment.yaml']);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toContain(`image: "ghcr.io/example/portcullis:${chart.appVersion}"`);
    // The repo's chart is left as it was: no default image from a checkout.
    expect(readFileSync(join(chartDir, 'values.yaml'), 'utf8')).toBe(before);
  });

  it('refuses a repository with a tag or in upper case', () => {
    for (const image of ['ghcr.io/example/portcullis:1.0', 'GHCR.io/Example/portcullis']) {
      const r = pack(image);
      expect(r.code, image).toBe(1);
      expect(r.stderr).toContain('is not an image repository');
    }
  });
});
