// The chart's Ingress RBAC (ingress.enabled, templates/rbac-ingress.yaml) is exactly what serving
// Ingresses needs: the real controller, run as the chart's ServiceAccount by impersonation against a
// kube-apiserver with RBAC on, syncs every watch (Ingresses, cluster-scoped IngressClasses), writes
// status.loadBalancer and Events, and reads the published Service, without a single Forbidden. Once
// cluster-wide, once with watchNamespace (where the published Service lies outside the watch).
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyManifests, impersonatingKubeConfig, startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { startGateway, waitFor, type GatewayProcess } from '../support/gateway-process.js';
import { HELM_BUILD_TIMEOUT_MS, chartDir, findObject, helmBinary, renderChart, toYamlStream, type K8sObject } from './helm.js';
import { collectionPath, kubeRest } from './kube-rest.js';
import { checkManifests } from '../../src/sources/manifests/validate.js';

const fieldManager = 'portcullis-ingress-rbac-test';
const WATCHED = 'demo';
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const SYNC_TIMEOUT_MS = 60_000;
const INGRESS_FLAGS = new Set(['--ingress', '--ingress-class', '--publish-service', '--publish-address', '--namespace', '--lease-name']);

let cp: ControlPlane;
let workDir: string;
const running: GatewayProcess[] = [];

/** The chart's controller flags that matter here (the listeners are the test's own). */
function chartFlags(objs: K8sObject[]): string[] {
  const args = (findObject(objs, 'Deployment') as any).spec.template.spec.containers[0].args as string[];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (!INGRESS_FLAGS.has(args[i]!)) continue;
    out.push(args[i]!);
    if (args[i] !== '--ingress') out.push(args[++i]!);
  }
  return out;
}

async function startAsChart(releaseNs: string, sets: string[], podName: string): Promise<{ gw: GatewayProcess; objs: K8sObject[]; flags: string[] }> {
  const objs = renderChart(['ingress.enabled=true', 'ingressClass.create=true', 'service.type=ClusterIP', ...sets], { namespace: releaseNs });
  // As the installing admin: RBAC, the IngressClass and the proxy Service (published into status).
  await applyManifests(cp.kubeConfig, toYamlStream(objs.filter((o) => RBAC_KINDS.has(o.kind) || o.kind === 'IngressClass' || o.kind === 'Service')), { fieldManager });
  const sa = findObject(objs, 'ServiceAccount');
  const kubeconfig = join(workDir, `kubeconfig-${releaseNs}`);
  await writeFile(kubeconfig, impersonatingKubeConfig(cp, { namespace: releaseNs, name: sa.metadata.name }).exportConfig(), { mode: 0o600 });
  const flags = chartFlags(objs);
  const gw = await startGateway(['controller', '--kubeconfig', kubeconfig, ...flags], {
    env: { POD_NAME: podName, POD_NAMESPACE: releaseNs, PORTCULLIS_ACCESS_LOG: 'off' },
    waitReady: true,
    timeoutMs: SYNC_TIMEOUT_MS,
  });
  running.push(gw);
  return { gw, objs, flags };
}

const ingress = (name: string, annotations: Record<string, string> = {}): K8sObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: WATCHED, annotations },
  spec: { ingressClassName: 'portcullis', rules: [{ host: `${name}.test`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
} as unknown as K8sObject);

async function loadBalancerOf(name: string): Promise<Array<{ ip?: string }>> {
  const res = await kubeRest(cp.kubeConfig, 'GET', `${collectionPath('networking.k8s.io/v1', 'ingresses', WATCHED)}/${name}`);
  return (res.body?.status?.loadBalancer?.ingress as Array<{ ip?: string }>) ?? [];
}

async function eventReasons(name: string): Promise<string[]> {
  const res = await kubeRest(cp.kubeConfig, 'GET', collectionPath('events.k8s.io/v1', 'events', WATCHED));
  return ((res.body?.items as any[]) ?? []).filter((e) => e.regarding?.kind === 'Ingress' && e.regarding?.name === name).map((e) => e.reason as string);
}

function expectNoForbidden(gw: GatewayProcess): void {
  expect(gw.output()).toMatch(/"msg"/);
  expect(gw.output().split('\n').filter((l) => /forbidden|HTTP 403|\b403 /i.test(l))).toEqual([]);
}

beforeAll(async () => {
  helmBinary();
  workDir = await mkdtemp(join(tmpdir(), 'portcullis-ingress-rbac-'));
  cp = await startControlPlane({ rbac: true });
  for (const ns of ['portcullis', 'portcullis-scoped', WATCHED]) {
    await applyManifests(cp.kubeConfig, `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n`, { fieldManager });
  }
  // The controller also watches our CRs: install them as Helm would.
  for (const f of (await readdir(join(chartDir, 'crds'))).filter((x) => x.endsWith('.yaml')).sort()) {
    await applyManifests(cp.kubeConfig, await readFile(join(chartDir, 'crds', f), 'utf8'), { fieldManager });
  }
}, HELM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await Promise.allSettled(running.map((gw) => gw.stop()));
  await cp?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the rendered Ingress RBAC', () => {
  it('grants exactly ingresses get/list/watch, ingresses/status patch/update, ingressclasses get/list/watch', () => {
    const objs = renderChart(['ingress.enabled=true']);
    const rules = (o: K8sObject) => (o as any).rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }>;
    expect(rules(findObject(objs, 'ClusterRole', 'portcullis-ingress'))).toEqual([
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['patch', 'update'] },
    ]);
    expect(rules(findObject(objs, 'ClusterRole', 'portcullis-ingressclasses'))).toEqual([
      { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: ['get', 'list', 'watch'] },
    ]);
    // All namespaces: the Service watch already sees the published Service.
    expect(objs.some((o) => o.metadata.name === 'portcullis-publish-service')).toBe(false);
    const scoped = renderChart(['ingress.enabled=true', `watchNamespace=${WATCHED}`]);
    expect(findObject(scoped, 'Role', 'portcullis-ingress').metadata.namespace).toBe(WATCHED);
    expect(rules(findObject(scoped, 'Role', 'portcullis-publish-service'))).toEqual([
      { apiGroups: [''], resources: ['services'], resourceNames: ['portcullis'], verbs: ['get'] },
    ]);
  });

  it('values become flags; the rendered IngressClass passes portcullis validate\'s checks', () => {
    const objs = renderChart(['ingress.enabled=true', 'ingress.classNames={a,b}', 'ingress.publishAddresses={192.0.2.1,lb.example}', 'ingressClass.create=true']);
    const args = (findObject(objs, 'Deployment') as any).spec.template.spec.containers[0].args as string[];
    const at = args.indexOf('--ingress');
    expect(args.slice(at, at + 7)).toEqual(['--ingress', '--ingress-class', 'a', '--ingress-class', 'b', '--publish-address', '192.0.2.1,lb.example']);
    expect(args).not.toContain('--publish-service');
    const report = checkManifests(toYamlStream(objs), 'chart.yaml');
    expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(report.checked).toMatchObject({ IngressClass: 1 });
  });

  it('nothing of it without ingress.enabled; ingressClass.create alone refuses to render', () => {
    const objs = renderChart([]);
    expect(objs.filter((o) => /ingress/.test(o.metadata.name) || o.kind === 'IngressClass')).toEqual([]);
    expect(() => renderChart(['ingressClass.create=true'])).toThrow(/ingressClass.create needs mode: controller and ingress.enabled: true/);
    const def = findObject(renderChart(['ingress.enabled=true', 'ingressClass.create=true', 'ingressClass.default=true']), 'IngressClass');
    expect(def).toMatchObject({ metadata: { name: 'portcullis', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'portcullis.dev/ingress-controller' } });
  });
});

describe.each([
  ['all namespaces', 'portcullis', [] as string[]],
  [`watchNamespace=${WATCHED}`, 'portcullis-scoped', [`watchNamespace=${WATCHED}`]],
])('controller as the chart ServiceAccount, ingress.enabled (%s)', (_name, releaseNs, sets) => {
  let gw: GatewayProcess;
  let flags: string[];
  const good = `good-${releaseNs}`;
  const broken = `broken-${releaseNs}`;

  beforeAll(async () => {
    ({ gw, flags } = await startAsChart(releaseNs, sets, `pod-${releaseNs}`));
    await applyManifests(cp.kubeConfig, toYamlStream([ingress(good), ingress(broken, { 'portcullis.dev/jwt': '{"realm": ""}' })]), { fieldManager });
  }, SYNC_TIMEOUT_MS * 2);

  afterAll(async () => {
    await gw?.stop();
  });

  it('the chart passes --ingress and --publish-service', () => {
    expect(flags).toContain('--ingress');
    expect(flags[flags.indexOf('--publish-service') + 1]).toBe(`${releaseNs}/portcullis`);
  });

  it('writes status.loadBalancer (the Service read or watched) and an Event', async () => {
    const res = await kubeRest(cp.kubeConfig, 'GET', `${collectionPath('v1', 'services', releaseNs)}/portcullis`);
    const clusterIP = res.body.spec.clusterIP as string;
    await waitFor(async () => (await loadBalancerOf(good)).some((a) => a.ip === clusterIP), SYNC_TIMEOUT_MS);
    await waitFor(async () => (await eventReasons(broken)).includes('InvalidPluginConfig'), SYNC_TIMEOUT_MS);
  }, SYNC_TIMEOUT_MS * 2 + 5_000);

  it('serves the Ingresses of its class (the admin API lists their routes)', async () => {
    const routes = (await (await fetch(`${gw.admin}/routes`)).json()) as { data: Array<{ hosts?: string[] }> };
    expect(routes.data.flatMap((r) => r.hosts ?? [])).toEqual(expect.arrayContaining([`${broken}.test`, `${good}.test`]));
  });

  it('logged no Forbidden / 403', () => {
    expectNoForbidden(gw);
  });
});
