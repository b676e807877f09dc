// The real controller with --gateway-api, run with exactly the chart's ServiceAccount permissions
// (gatewayAPI.enabled=true, watchNamespace=demo) through impersonation against a kube-apiserver
// with RBAC on: every watch syncs (Gateway API kinds, cluster-scoped GatewayClasses and
// Namespaces included), an HTTPRoute serves, the leader writes GatewayClass, Gateway, HTTPRoute
// and JwtPolicy status, and nothing is Forbidden (docs/gateway-api.md#rbac).
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyManifests, impersonatingKubeConfig, startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { startNetnsUpstream, type NetnsUpstream } from '../support/controller-env.js';
import { startGateway, waitFor, type GatewayProcess } from '../support/gateway-process.js';
import { gatewayApiCrds } from '../support/gateway-api.js';
import { HELM_BUILD_TIMEOUT_MS, chartDir, findObject, helmBinary, renderChart, toYamlStream, type K8sObject } from './helm.js';
import { collectionPath, kubeRest } from './kube-rest.js';

const fieldManager = 'portcullis-gateway-api-rbac-test';
const GROUP = 'gateway.networking.k8s.io';
const WATCHED = 'demo';
const RELEASE_NS = 'portcullis-gw';
const SYNC_TIMEOUT_MS = 60_000;
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

let cp: ControlPlane;
let echo: NetnsUpstream;
let workDir: string;
let gw: GatewayProcess;
let rendered: K8sObject[];

const apply = (objs: K8sObject[]) => applyManifests(cp.kubeConfig, toYamlStream(objs), { fieldManager });

async function getStatus(apiVersion: string, plural: string, namespace: string | undefined, name: string): Promise<any> {
  const res = await kubeRest(cp.kubeConfig, 'GET', `${collectionPath(apiVersion, plural, namespace)}/${name}`);
  return res.status === 200 ? res.body.status : undefined;
}

beforeAll(async () => {
  helmBinary();
  workDir = await mkdtemp(join(tmpdir(), 'portcullis-gateway-api-rbac-'));
  echo = await startNetnsUpstream('gwr-echo');
  cp = await startControlPlane({ rbac: true });
  for (const ns of [RELEASE_NS, WATCHED]) await applyManifests(cp.kubeConfig, `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n`, { fieldManager });
  await applyManifests(cp.kubeConfig, await gatewayApiCrds(), { fieldManager });
  const crdDir = join(chartDir, 'crds');
  for (const f of (await readdir(crdDir)).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    await applyManifests(cp.kubeConfig, await readFile(join(crdDir, f), 'utf8'), { fieldManager });
  }
  // The shared-Service mode: Services of the release namespace are not watched here (watchNamespace=demo).
  rendered = renderChart(['gatewayAPI.enabled=true', 'gatewayAPI.servicePerGateway.enabled=false', `watchNamespace=${WATCHED}`], { namespace: RELEASE_NS });
  await apply(rendered.filter((o) => RBAC_KINDS.has(o.kind) || o.kind === 'GatewayClass'));
  const sa = findObject(rendered, 'ServiceAccount');
  const kubeconfig = join(workDir, 'kubeconfig');
  await writeFile(kubeconfig, impersonatingKubeConfig(cp, { namespace: RELEASE_NS, name: sa.metadata.name }).exportConfig(), { mode: 0o600 });
  const env = Object.fromEntries(
    ((findObject(rendered, 'Deployment') as any).spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>)
      .filter((e) => e.name.startsWith('PORTCULLIS_GATEWAY') || e.name === 'PORTCULLIS_PUBLISH_SERVICE')
      .map((e) => [e.name, e.value!]),
  );
  expect(env['PORTCULLIS_GATEWAY_API']).toBe('true');
  gw = await startGateway(['controller', '--kubeconfig', kubeconfig, '--namespace', WATCHED, '--lease-name', 'gw-rbac'], {
    env: { ...env, POD_NAME: 'portcullis-gw-rbac', POD_NAMESPACE: RELEASE_NS },
    timeoutMs: SYNC_TIMEOUT_MS,
  });
  await apply([
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: WATCHED }, spec: { ports: [{ name: 'http', port: 80, targetPort: echo.port }] } } as K8sObject,
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'echo-1', namespace: WATCHED, labels: { 'kubernetes.io/service-name': 'echo' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: echo.port }],
      endpoints: [{ addresses: [echo.host.ip] }],
    } as unknown as K8sObject,
    {
      apiVersion: `${GROUP}/v1`,
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: WATCHED },
      spec: { gatewayClassName: 'portcullis', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
    } as unknown as K8sObject,
    {
      apiVersion: `${GROUP}/v1`,
      kind: 'HTTPRoute',
      metadata: { name: 'echo', namespace: WATCHED },
      spec: { parentRefs: [{ name: 'edge' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/gw' } }], backendRefs: [{ name: 'echo', port: 80 }] }] },
    } as unknown as K8sObject,
    {
      apiVersion: 'portcullis.dev/v1alpha1',
      kind: 'JwtPolicy',
      metadata: { name: 'ghost', namespace: WATCHED },
      spec: { targetRefs: [{ group: GROUP, kind: 'HTTPRoute', name: 'nothing-here' }], jwt: {} },
    } as unknown as K8sObject,
  ]);
}, HELM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await gw?.stop();
  await echo?.stop();
  await cp?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('chart RBAC with gatewayAPI.enabled (watchNamespace=demo)', () => {
  it('renders the GatewayClass of the controller', () => {
    expect((findObject(rendered, 'GatewayClass') as any).spec.controllerName).toBe('portcullis.dev/gateway-controller');
  });

  it('serves an HTTPRoute as the ServiceAccount', async () => {
    await waitFor(async () => (await fetch(`${gw.proxy}/gw/x`)).status === 200, SYNC_TIMEOUT_MS);
  }, SYNC_TIMEOUT_MS + 5_000);

  it('writes GatewayClass, Gateway, HTTPRoute and JwtPolicy status', async () => {
    await waitFor(async () => (await getStatus(`${GROUP}/v1`, 'gatewayclasses', undefined, 'portcullis'))?.conditions?.[0]?.status === 'True', SYNC_TIMEOUT_MS);
    await waitFor(async () => (await getStatus(`${GROUP}/v1`, 'gateways', WATCHED, 'edge'))?.listeners?.[0]?.attachedRoutes === 1, SYNC_TIMEOUT_MS);
    await waitFor(async () => (await getStatus(`${GROUP}/v1`, 'httproutes', WATCHED, 'echo'))?.parents?.length === 1, SYNC_TIMEOUT_MS);
    await waitFor(
      async () => (await getStatus('portcullis.dev/v1alpha1', 'jwtpolicies', WATCHED, 'ghost'))?.conditions?.some((c: any) => c.reason === 'PolicyTargetNotFound'),
      SYNC_TIMEOUT_MS,
    );
  }, SYNC_TIMEOUT_MS * 4 + 5_000);

  it('the per-Gateway Services mode (the default) grants Services in the release namespace, and refuses a watchNamespace without it', () => {
    const perGateway = renderChart(['gatewayAPI.enabled=true', `watchNamespaces={${WATCHED},${RELEASE_NS}}`], { namespace: RELEASE_NS });
    const role = perGateway.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('-gateway-services')) as any;
    expect(role.metadata.namespace).toBe(RELEASE_NS);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] }]);
    expect(() => renderChart(['gatewayAPI.enabled=true', `watchNamespace=${WATCHED}`], { namespace: RELEASE_NS })).toThrow(/servicePerGateway/);
  });

  it('logged no Forbidden / 403', () => {
    const bad = gw.output().split('\n').filter((l) => /forbidden|HTTP 403|\b403 /i.test(l));
    expect(bad).toEqual([]);
  });
});
