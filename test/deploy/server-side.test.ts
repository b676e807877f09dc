// The chart and the plain manifests against a real kube-apiserver (RBAC authorization on):
// everything they render passes server-side dry-run, and the chart's RBAC grants the controller's
// ServiceAccount exactly what it needs — checked by real requests and SelfSubjectAccessReviews
// made while impersonating that ServiceAccount.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import { applyManifests, impersonatingKubeConfig, startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import {
  HELM_BUILD_TIMEOUT_MS,
  chartDir,
  helmBinary,
  parseManifests,
  releaseNamespace,
  renderChart,
  repoRoot,
  toYamlStream,
  type K8sObject,
} from './helm.js';
import { collectionPath, kubeRest } from './kube-rest.js';

const fieldManager = 'portcullis-server-side-test';
const API = 'portcullis.dev/v1alpha1';
/** Where the watchNamespace=demo release lives, so its ServiceAccount differs from the default one. */
const SCOPED_RELEASE_NS = 'portcullis-scoped';
const WATCHED = 'demo';
const UNWATCHED = 'other';
// Unique per run, so reruns against an external cluster ($PORTCULLIS_E2E_KUBECONFIG) do not collide.
const runId = Date.now().toString(36);
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

let cp: ControlPlane;

const namespaceYaml = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name} }\n`;

beforeAll(async () => {
  helmBinary();
  cp = await startControlPlane({ rbac: true });
  // CRDs are installed for real (Helm installs crds/ before templates), so CR kinds resolve.
  const crdDir = join(chartDir, 'crds');
  for (const f of readdirSync(crdDir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    await applyManifests(cp.kubeConfig, readFileSync(join(crdDir, f), 'utf8'), { fieldManager });
  }
  for (const ns of [releaseNamespace, SCOPED_RELEASE_NS, WATCHED, UNWATCHED]) {
    await applyManifests(cp.kubeConfig, namespaceYaml(ns), { fieldManager });
  }
}, HELM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await cp?.stop();
});

const kindsOf = (objs: Array<{ kind?: string }>) => objs.map((o) => o.kind);

describe('server-side dry-run of the rendered chart', () => {
  const variants = [
    { name: 'default values', sets: [] as string[], monitor: false },
    { name: 'watchNamespace=demo', sets: [`watchNamespace=${WATCHED}`], monitor: false },
    {
      name: 'autoscaling, minAvailable PDB and ServiceMonitor enabled',
      sets: ['autoscaling.enabled=true', 'podDisruptionBudget.minAvailable=1', 'podDisruptionBudget.maxUnavailable=null', 'serviceMonitor.enabled=true'],
      monitor: true,
    },
    {
      name: 'NetworkPolicy, admin Service and the pass-through options',
      sets: [
        'networkPolicy.enabled=true',
        'networkPolicy.apiServer.cidrs={172.18.0.2/32}',
        'networkPolicy.adminFrom[0].namespaceSelector.matchLabels.team=ops',
        'networkPolicy.extraEgress[0].to[0].ipBlock.cidr=192.0.2.0/24',
        'admin.service.enabled=true',
        'commonLabels.team=edge',
        'deploymentAnnotations.owner=edge-team',
        'envFrom[0].secretRef.name=gateway-env',
        'extraVolumes[0].name=ca',
        'extraVolumes[0].configMap.name=corp-ca',
        'extraVolumeMounts[0].name=ca',
        'extraVolumeMounts[0].mountPath=/etc/ssl/corp',
        'lifecycle.preStop.sleep.seconds=5',
      ],
      monitor: false,
    },
    { name: 'mode=standalone with an inline kong.yml', sets: ['mode=standalone', 'standalone.config=_format_version: 3.0', 'networkPolicy.enabled=true'], monitor: false },
    { name: 'mode=standalone from an existing Secret', sets: ['mode=standalone', 'standalone.existingSecret=edge-kong-yml'], monitor: false },
  ];

  it.each(variants)('$name: every object is accepted', async ({ sets, monitor }) => {
    const objs = renderChart(sets);
    // No Prometheus Operator CRD on this API server: the ServiceMonitor can only be checked as rendered.
    const monitors = objs.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.length).toBe(monitor ? 1 : 0);
    if (monitor) expect(monitors[0]).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', metadata: { namespace: releaseNamespace } });
    const rest = objs.filter((o) => o.kind !== 'ServiceMonitor');

    const accepted = await applyManifests(cp.kubeConfig, toYamlStream(rest), { fieldManager, dryRun: 'All' });
    expect(kindsOf(accepted)).toEqual(kindsOf(rest));
    expect(kindsOf(rest)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'PodDisruptionBudget', 'ServiceAccount']));
    if (sets.includes('autoscaling.enabled=true')) expect(kindsOf(rest)).toContain('HorizontalPodAutoscaler');
    // Dry-run stores nothing.
    const deploy = await kubeRest(cp.kubeConfig, 'GET', `${collectionPath('apps/v1', 'deployments', releaseNamespace)}/portcullis`);
    expect(deploy.status).toBe(404);
  });

  it('deploy/manifests/portcullis.yaml is accepted as a whole (namespace, CRDs, RBAC, workloads)', async () => {
    const text = readFileSync(join(repoRoot, 'deploy/manifests/portcullis.yaml'), 'utf8');
    const objs = parseManifests(text);
    const accepted = await applyManifests(cp.kubeConfig, text, { fieldManager, dryRun: 'All' });
    expect(kindsOf(accepted)).toEqual(kindsOf(objs));
    expect(kindsOf(objs)).toEqual(expect.arrayContaining(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'Deployment', 'PodDisruptionBudget']));
  });
});

interface Access {
  verb: string;
  group?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  allowed: boolean;
}

/** Asks the API server, as `kc`'s user, whether it may do `a` (a SelfSubjectAccessReview). */
async function selfReview(kc: KubeConfig, a: Access): Promise<boolean> {
  const res = await kubeRest(kc, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: a.verb, group: a.group ?? '', resource: a.resource, subresource: a.subresource, namespace: a.namespace } },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.status.allowed === true;
}

const CRS = ['kongconsumers', 'jwtcredentials', 'routes'];
const PC = 'portcullis.dev';

/** What every controller ServiceAccount may and may not do in a namespace it watches. */
function watchedNamespaceMatrix(ns: string): Access[] {
  return [
    ...CRS.flatMap((resource) =>
      ['get', 'list', 'watch'].map((verb) => ({ verb, group: PC, resource, namespace: ns, allowed: true })),
    ),
    ...CRS.flatMap((resource) => [
      { verb: 'patch', group: PC, resource, subresource: 'status', namespace: ns, allowed: true },
      { verb: 'update', group: PC, resource, subresource: 'status', namespace: ns, allowed: true },
      ...['create', 'update', 'patch', 'delete', 'deletecollection'].map((verb) => ({ verb, group: PC, resource, namespace: ns, allowed: false })),
    ]),
    ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'secrets', namespace: ns, allowed: true })),
    ...['create', 'update', 'patch', 'delete'].map((verb) => ({ verb, resource: 'secrets', namespace: ns, allowed: false })),
    ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'services', namespace: ns, allowed: true })),
    { verb: 'update', resource: 'services', namespace: ns, allowed: false },
    ...['get', 'list', 'watch'].map((verb) => ({ verb, group: 'discovery.k8s.io', resource: 'endpointslices', namespace: ns, allowed: true })),
    { verb: 'create', resource: 'events', namespace: ns, allowed: true },
    { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace: ns, allowed: true },
    { verb: 'delete', resource: 'events', namespace: ns, allowed: false },
    ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'configmaps', namespace: ns, allowed: false })),
    { verb: 'list', resource: 'pods', namespace: ns, allowed: false },
  ];
}

/** Leader election: Leases only in the release namespace, and never delete. */
function leaseMatrix(releaseNs: string, elsewhere: string): Access[] {
  const lease = { group: 'coordination.k8s.io', resource: 'leases' };
  return [
    ...['get', 'create', 'update'].map((verb) => ({ verb, ...lease, namespace: releaseNs, allowed: true })),
    { verb: 'delete', ...lease, namespace: releaseNs, allowed: false },
    { verb: 'get', ...lease, namespace: elsewhere, allowed: false },
    { verb: 'create', ...lease, namespace: elsewhere, allowed: false },
  ];
}

const describeAccess = (a: Access) =>
  `${a.allowed ? 'may' : 'may not'} ${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}${a.subresource ? `/${a.subresource}` : ''} in ${a.namespace ?? '(all namespaces)'}`;

describe('chart RBAC for the controller ServiceAccount (default: all namespaces)', () => {
  let sa: KubeConfig;
  const route = (name: string) => ({
    apiVersion: API,
    kind: 'Route',
    metadata: { name, namespace: WATCHED },
    spec: { paths: ['/rbac'], backend: { url: 'http://127.0.0.1:9/' } },
  });

  beforeAll(async () => {
    const rbac = renderChart([]).filter((o) => RBAC_KINDS.has(o.kind));
    expect(kindsOf(rbac).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']);
    await applyManifests(cp.kubeConfig, toYamlStream(rbac), { fieldManager });
    // Fixtures made by the admin for the ServiceAccount to touch.
    await applyManifests(cp.kubeConfig, toYamlStream([route('rbac-target') as K8sObject]), { fieldManager });
    await applyManifests(
      cp.kubeConfig,
      `apiVersion: v1\nkind: Secret\nmetadata: { name: rbac-secret, namespace: ${WATCHED} }\nstringData: { secret: x }\n`,
      { fieldManager },
    );
    sa = impersonatingKubeConfig(cp, { namespace: releaseNamespace, name: 'portcullis' });
  });

  it('the impersonated ServiceAccount is who the API server sees', async () => {
    const res = await kubeRest(sa, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(res.status).toBe(201);
    expect(res.body.status.userInfo.username).toBe(`system:serviceaccount:${releaseNamespace}:portcullis`);
  });

  it.each([
    ...watchedNamespaceMatrix(WATCHED),
    ...watchedNamespaceMatrix(UNWATCHED),
    ...CRS.map((resource) => ({ verb: 'list', group: PC, resource, allowed: true })),
    { verb: 'watch', resource: 'secrets', allowed: true },
    ...leaseMatrix(releaseNamespace, WATCHED),
  ])('SSAR: $verb $group $resource $subresource in $namespace → allowed=$allowed', async (a) => {
    expect(await selfReview(sa, a), describeAccess(a)).toBe(a.allowed);
  });

  it.each([
    ...CRS.map((p) => ({ what: `list ${p} in all namespaces`, path: collectionPath(API, p) })),
    ...CRS.map((p) => ({ what: `list ${p} in ${WATCHED}`, path: collectionPath(API, p, WATCHED) })),
    { what: 'list secrets', path: collectionPath('v1', 'secrets', WATCHED) },
    { what: 'get a secret', path: `${collectionPath('v1', 'secrets', WATCHED)}/rbac-secret` },
    { what: 'list services', path: collectionPath('v1', 'services', WATCHED) },
    { what: 'list endpointslices', path: collectionPath('discovery.k8s.io/v1', 'endpointslices', WATCHED) },
    { what: 'watch routes (1 s)', path: `${collectionPath(API, 'routes', WATCHED)}?watch=1&timeoutSeconds=1` },
  ])('real request allowed: $what', async ({ path }) => {
    const res = await kubeRest(sa, 'GET', path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('real request allowed: patch a Route status', async () => {
    const res = await kubeRest(sa, 'PATCH', `${collectionPath(API, 'routes', WATCHED)}/rbac-target/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          observedGeneration: 1,
          conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed', lastTransitionTime: '2025-01-01T00:00:00Z' }],
        },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status.conditions[0]).toMatchObject({ type: 'Programmed', status: 'True' });
  });

  it('real request allowed: create an Event about a Route', async () => {
    const res = await kubeRest(sa, 'POST', collectionPath('v1', 'events', WATCHED), {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `rbac-target.${runId}`, namespace: WATCHED },
        involvedObject: { apiVersion: API, kind: 'Route', name: 'rbac-target', namespace: WATCHED },
        reason: 'Programmed',
        message: 'route programmed',
        type: 'Normal',
        source: { component: 'portcullis' },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('real requests allowed: create, get and update the leader Lease in the release namespace', async () => {
    const leases = collectionPath('coordination.k8s.io/v1', 'leases', releaseNamespace);
    const leaseName = `portcullis-leader-${runId}`;
    const created = await kubeRest(sa, 'POST', leases, {
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: leaseName, namespace: releaseNamespace },
        spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15 },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const got = await kubeRest(sa, 'GET', `${leases}/${leaseName}`);
    expect(got.status).toBe(200);
    const updated = await kubeRest(sa, 'PUT', `${leases}/${leaseName}`, {
      body: { ...got.body, spec: { ...got.body.spec, holderIdentity: 'pod-b' } },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.spec.holderIdentity).toBe('pod-b');
    expect((await kubeRest(sa, 'DELETE', `${leases}/${leaseName}`)).status).toBe(403);
  });

  const secrets = collectionPath('v1', 'secrets', WATCHED);
  const routes = collectionPath(API, 'routes', WATCHED);
  it.each([
    { what: 'create a Secret', method: 'POST', path: secrets, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'evil' }, stringData: { a: 'b' } } },
    {
      what: 'update a Secret',
      method: 'PUT',
      path: `${secrets}/rbac-secret`,
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rbac-secret', namespace: WATCHED }, stringData: { secret: 'y' } },
    },
    { what: 'delete a Secret', method: 'DELETE', path: `${secrets}/rbac-secret` },
    { what: 'list ConfigMaps', method: 'GET', path: collectionPath('v1', 'configmaps', WATCHED) },
    { what: 'get a ConfigMap', method: 'GET', path: `${collectionPath('v1', 'configmaps', WATCHED)}/kube-root-ca.crt` },
    { what: 'create a Route', method: 'POST', path: routes, body: route('evil') },
    { what: 'delete a Route', method: 'DELETE', path: `${routes}/rbac-target` },
    { what: 'patch a Route spec', method: 'PATCH', path: `${routes}/rbac-target`, body: { spec: { paths: ['/evil'] } } },
    { what: 'create a Lease outside the release namespace', method: 'POST', path: collectionPath('coordination.k8s.io/v1', 'leases', WATCHED), body: { metadata: { name: 'x' } } },
  ])('real request denied (403): $what', async ({ method, path, body }) => {
    const res = await kubeRest(sa, method, path, { body, contentType: method === 'PATCH' ? 'application/merge-patch+json' : undefined });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
    expect(res.body.message).toContain(`system:serviceaccount:${releaseNamespace}:portcullis`);
  });

  it('the denied requests changed nothing', async () => {
    expect((await kubeRest(cp.kubeConfig, 'GET', `${routes}/rbac-target`)).body.spec.paths).toEqual(['/rbac']);
    expect((await kubeRest(cp.kubeConfig, 'GET', `${secrets}/rbac-secret`)).status).toBe(200);
    expect((await kubeRest(cp.kubeConfig, 'GET', `${secrets}/evil`)).status).toBe(404);
  });
});

describe(`chart RBAC with watchNamespace=${WATCHED}`, () => {
  let sa: KubeConfig;

  beforeAll(async () => {
    const rbac = renderChart([`watchNamespace=${WATCHED}`], { namespace: SCOPED_RELEASE_NS }).filter((o) => RBAC_KINDS.has(o.kind));
    expect(kindsOf(rbac).sort()).toEqual(['Role', 'Role', 'RoleBinding', 'RoleBinding', 'ServiceAccount']);
    await applyManifests(cp.kubeConfig, toYamlStream(rbac), { fieldManager });
    sa = impersonatingKubeConfig(cp, { namespace: SCOPED_RELEASE_NS, name: 'portcullis' });
  });

  it.each([
    ...watchedNamespaceMatrix(WATCHED),
    ...leaseMatrix(SCOPED_RELEASE_NS, WATCHED),
    // Nothing outside the watched namespace, and no cluster-wide lists.
    ...CRS.map((resource) => ({ verb: 'list', group: PC, resource, namespace: UNWATCHED, allowed: false })),
    ...CRS.map((resource) => ({ verb: 'list', group: PC, resource, allowed: false })),
    { verb: 'list', resource: 'secrets', namespace: UNWATCHED, allowed: false },
    { verb: 'get', resource: 'secrets', namespace: UNWATCHED, allowed: false },
    { verb: 'list', resource: 'services', namespace: UNWATCHED, allowed: false },
    { verb: 'create', resource: 'events', namespace: UNWATCHED, allowed: false },
  ])('SSAR: $verb $group $resource $subresource in $namespace → allowed=$allowed', async (a) => {
    expect(await selfReview(sa, a), describeAccess(a)).toBe(a.allowed);
  });

  it.each([
    { what: `list routes in ${WATCHED}`, path: collectionPath(API, 'routes', WATCHED), status: 200 },
    { what: `list secrets in ${WATCHED}`, path: collectionPath('v1', 'secrets', WATCHED), status: 200 },
    { what: `list routes in ${UNWATCHED}`, path: collectionPath(API, 'routes', UNWATCHED), status: 403 },
    { what: `list jwtcredentials in ${UNWATCHED}`, path: collectionPath(API, 'jwtcredentials', UNWATCHED), status: 403 },
    { what: `list secrets in ${UNWATCHED}`, path: collectionPath('v1', 'secrets', UNWATCHED), status: 403 },
    { what: 'list routes in all namespaces', path: collectionPath(API, 'routes'), status: 403 },
  ])('real request: $what → $status', async ({ path, status }) => {
    expect((await kubeRest(sa, 'GET', path)).status).toBe(status);
  });
});
