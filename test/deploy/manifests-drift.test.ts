import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_BUILD_TIMEOUT_MS, helmBinary, parseManifests, repoRoot, run } from './helm.js';

const manifestPath = join(repoRoot, 'deploy/manifests/portcullis.yaml');
const yamlFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : []);

beforeAll(() => {
  helmBinary();
}, HELM_BUILD_TIMEOUT_MS);

describe('deploy/manifests/portcullis.yaml', () => {
  it('is what scripts/render-manifests.sh renders from the chart (no drift)', () => {
    const r = run(join(repoRoot, 'scripts/render-manifests.sh'), ['--check']);
    expect(r.stderr).toContain('up to date');
    expect(r.code).toBe(0);
  });

  it('starts with the namespace, carries the repo CRDs, and puts everything in it', () => {
    const objs = parseManifests(readFileSync(manifestPath, 'utf8'));
    expect(objs[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'portcullis' } });
    const crdNames = objs.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
    const repoCrdNames = yamlFiles(join(repoRoot, 'crds')).flatMap((f) =>
      parseManifests(readFileSync(join(repoRoot, 'crds', f), 'utf8')).map((o) => o.metadata.name),
    );
    expect(crdNames.sort()).toEqual(repoCrdNames.sort());
    const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
    for (const o of objs.filter((x) => !clusterScoped.has(x.kind))) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('portcullis');
    }
    expect(objs.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'Deployment', 'PodDisruptionBudget']),
    );
  });

  it('the chart CRDs are the repo CRDs', () => {
    const chartCrds = join(repoRoot, 'deploy/helm/portcullis/crds');
    const repoCrds = join(repoRoot, 'crds');
    expect(yamlFiles(chartCrds)).toEqual(yamlFiles(repoCrds));
    for (const f of yamlFiles(repoCrds)) {
      expect(readFileSync(join(chartCrds, f), 'utf8'), f).toBe(readFileSync(join(repoCrds, f), 'utf8'));
    }
  });
});

describe('render-manifests.sh --check detects drift', () => {
  // A throwaway copy of the pieces the script reads, so the repo itself is never modified.
  let dir: string;
  const script = () => join(dir, 'scripts/render-manifests.sh');
  const check = () => run(script(), ['--check']);
  const fakeCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.test
spec:
  group: example.test
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object } }
`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-drift-'));
    for (const sub of ['scripts', 'deploy']) cpSync(join(repoRoot, sub), join(dir, sub), { recursive: true });
    if (existsSync(join(repoRoot, 'crds'))) cpSync(join(repoRoot, 'crds'), join(dir, 'crds'), { recursive: true });
    else mkdirSync(join(dir, 'crds'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('flags a hand edit of the manifests, and a re-render fixes it', () => {
    expect(check().code).toBe(0);
    appendFileSync(join(dir, 'deploy/manifests/portcullis.yaml'), '# edited by hand\n');
    const r = check();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('deploy/manifests/portcullis.yaml differs from what the chart renders');
    expect(run(script(), []).code).toBe(0);
    expect(check().code).toBe(0);
  });

  it('flags a chart change that was not re-rendered', () => {
    const values = join(dir, 'deploy/helm/portcullis/values.yaml');
    writeFileSync(values, readFileSync(values, 'utf8').replace('replicaCount: 2', 'replicaCount: 3'));
    expect(check().code).toBe(1);
    expect(run(script(), []).code).toBe(0);
    expect(readFileSync(join(dir, 'deploy/manifests/portcullis.yaml'), 'utf8')).toContain('replicas: 3');
    expect(check().code).toBe(0);
  });

  it('flags a new or removed CRD until the chart copy and manifests are refreshed', () => {
    writeFileSync(join(dir, 'crds/widgets.yaml'), fakeCrd);
    let r = check();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('deploy/helm/portcullis/crds/ differs from crds/');
    expect(run(script(), []).code).toBe(0);
    expect(readFileSync(join(dir, 'deploy/helm/portcullis/crds/widgets.yaml'), 'utf8')).toBe(fakeCrd);
    const objs = parseManifests(readFileSync(join(dir, 'deploy/manifests/portcullis.yaml'), 'utf8'));
    expect(objs.filter((o) => o.metadata.name === 'widgets.example.test')).toHaveLength(1);
    expect(check().code).toBe(0);

    rmSync(join(dir, 'crds/widgets.yaml'));
    r = check();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('crds/ differs');
    expect(run(script(), []).code).toBe(0);
    expect(existsSync(join(dir, 'deploy/helm/portcullis/crds/widgets.yaml'))).toBe(false);
  });
});
