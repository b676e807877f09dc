import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_BUILD_TIMEOUT_MS, chartDir, helmBinary, repoRoot } from './helm.js';

/** `helm template … | portcullis validate -` through a real shell pipe, as the README shows it. */
let helmPath: string;
let dir: string;

beforeAll(() => {
  helmPath = helmBinary();
  dir = mkdtempSync(join(tmpdir(), 'pc-helm-validate-'));
}, HELM_BUILD_TIMEOUT_MS);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `script` in bash with pipefail, so a failing `helm template` fails the pipe too. */
function pipe(script: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${script}`], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HELM: helmPath, CHART: chartDir, NODE: process.execPath },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TEMPLATE = '"$HELM" template portcullis "$CHART" --namespace portcullis --set image.repository=portcullis';

describe('helm template | portcullis validate -', () => {
  it('the chart alone: exit 0, every object listed as skipped (the chart holds no Portcullis resources)', () => {
    const r = pipe(`${TEMPLATE} | "$NODE" dist/cli.js validate -`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const status = r.stdout.split('\n').find((l) => l.startsWith('<stdin>: '));
    expect(status, r.stdout).toMatch(/^<stdin>: ok \(nothing checked; skipped: (\d+ \w+, )*\d+ \w+ \(not Portcullis resources\)\)$/);
    expect(status).toMatch(/[ ,]1 Deployment[,( ]/);
    expect(status).toMatch(/[ ,]2 Service[,( ]/);
  });

  it('--strict: exit 1 because objects were skipped', () => {
    const r = pipe(`${TEMPLATE} | "$NODE" dist/cli.js validate --strict -`);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>: failed --strict \(nothing checked; skipped: /m);
  });

  it('the chart followed by a bad Route, as JSON: exit 1, the Route error and the skipped kinds', () => {
    const route = join(dir, 'route.yaml');
    writeFileSync(route, [
      'apiVersion: portcullis.dev/v1alpha1',
      'kind: Route',
      'metadata: {name: api, namespace: team-a}',
      'spec:',
      '  paths: ["~/(a"]',
      '  backend: {service: {name: api, port: 80}}',
      '',
    ].join('\n'));
    const r = pipe(`{ ${TEMPLATE}; echo ---; cat "${route}"; } | "$NODE" dist/cli.js validate -o json -`);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      files: Array<{ checked: Record<string, number>; skipped: Record<string, number>; diagnostics: Array<Record<string, unknown>> }>;
    };
    expect(out.ok).toBe(false);
    expect(out.files[0]!.checked).toEqual({ Route: 1 });
    expect(out.files[0]!.skipped).toMatchObject({ Deployment: 1, ServiceAccount: 1 });
    expect(out.files[0]!.diagnostics).toContainEqual(expect.objectContaining({
      severity: 'error', kind: 'Route', namespace: 'team-a', name: 'api', field: 'spec.paths[0]', reason: 'InvalidRegex',
    }));
  });
});
