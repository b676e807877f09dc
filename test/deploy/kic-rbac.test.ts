// The real controller with --kic-resources, run with exactly the chart's ServiceAccount permissions
// (kic.enabled=true, watchNamespace=demo) through impersonation against a kube-apiserver with RBAC
// on: every watch syncs (KIC's kinds, cluster-scoped KongClusterPlugins included), an Ingress of
// class kong with a jwt KongPlugin serves a KIC consumer, their Programmed condition is written
// (status subresource only), and nothing is Forbidden
// (docs/kong-ingress-controller.md#rbac).
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import { applyManifests, impersonatingKubeConfig, startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { startNetnsUpstream, type NetnsUpstream } from '../support/controller-env.js';
import { startGateway, waitFor, type GatewayProcess } from '../support/gateway-process.js';
import { kubeRest } from './kube-rest.js';
import { HELM_BUILD_TIMEOUT_MS, chartDir, findObject, helmBinary, renderChart, toYamlStream, type K8sObject } from './helm.js';

const fieldManager = 'portcullis-kic-rbac-test';
const WATCHED = 'demo';
const RELEASE_NS = 'portcullis-kic';
const SYNC_TIMEOUT_MS = 60_000;
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

let cp: ControlPlane;
let echo: NetnsUpstream;
let workDir: string;
let gw: GatewayProcess;
let rendered: K8sObject[];

const apply = (text: string) => applyManifests(cp.kubeConfig, text, { fieldManager });

beforeAll(async () => {
  helmBinary();
  workDir = await mkdtemp(join(tmpdir(), 'portcullis-kic-rbac-'));
  echo = await startNetnsUpstream('kicr-echo');
  cp = await startControlPlane({ rbac: true });
  for (const ns of [RELEASE_NS, WATCHED]) await apply(`apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n`);
  await apply(await readFile(join(import.meta.dirname, '..', 'k8s', 'fixtures', 'kic-crds.yaml'), 'utf8'));
  const crdDir = join(chartDir, 'crds');
  for (const f of (await readdir(crdDir)).filter((x) => /\.ya?ml$/.test(x)).sort()) await apply(await readFile(join(crdDir, f), 'utf8'));
  rendered = renderChart(['kic.enabled=true', `watchNamespace=${WATCHED}`], { namespace: RELEASE_NS });
  await apply(toYamlStream(rendered.filter((o) => RBAC_KINDS.has(o.kind))));
  const sa = findObject(rendered, 'ServiceAccount');
  const kubeconfig = join(workDir, 'kubeconfig');
  await writeFile(kubeconfig, impersonatingKubeConfig(cp, { namespace: RELEASE_NS, name: sa.metadata.name }).exportConfig(), { mode: 0o600 });
  const env = Object.fromEntries(
    ((findObject(rendered, 'Deployment') as any).spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>)
      .filter((e) => e.name.startsWith('PORTCULLIS_KIC'))
      .map((e) => [e.name, e.value!]),
  );
  expect(env).toEqual({ PORTCULLIS_KIC_RESOURCES: 'true', PORTCULLIS_KIC_INGRESS_CLASS: 'kong' });
  gw = await startGateway(['controller', '--kubeconfig', kubeconfig, '--namespace', WATCHED, '--lease-name', 'kic-rbac'], {
    env: { ...env, POD_NAME: 'portcullis-kic-rbac', POD_NAMESPACE: RELEASE_NS },
    timeoutMs: SYNC_TIMEOUT_MS,
  });
  await apply(`
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${WATCHED} }
spec: { ports: [{ name: http, port: 80, targetPort: ${echo.port} }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: echo-1, namespace: ${WATCHED}, labels: { kubernetes.io/service-name: echo } }
addressType: IPv4
ports: [{ name: http, port: ${echo.port} }]
endpoints: [{ addresses: [${echo.host.ip}] }]
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: app-jwt, namespace: ${WATCHED} }
plugin: jwt
---
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: request-id
  annotations: { kubernetes.io/ingress.class: kong }
  labels: { global: "true" }
plugin: correlation-id
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: echo
  namespace: ${WATCHED}
  annotations: { konghq.com/plugins: app-jwt }
spec:
  ingressClassName: kong
  rules: [{ http: { paths: [{ path: /kic, pathType: Prefix, backend: { service: { name: echo, port: { number: 80 } } } }] } }]
---
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: admin
  namespace: ${WATCHED}
  annotations: { kubernetes.io/ingress.class: kong }
username: admin
credentials: [admin-jwt]
---
apiVersion: v1
kind: Secret
metadata: { name: admin-jwt, namespace: ${WATCHED}, labels: { konghq.com/credential: jwt } }
stringData: { key: admin-issuer, secret: admin-s3cret }
`);
}, HELM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await gw?.stop();
  await echo?.stop();
  await cp?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('chart RBAC with kic.enabled (watchNamespace=demo)', () => {
  it('grants read access to KIC kinds and patch on their status only, nothing more', () => {
    const rules = rendered.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) => ((o as any).rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>) ?? []);
    const kic = rules.filter((r) => r.apiGroups.includes('configuration.konghq.com'));
    expect(kic.length).toBe(4);
    for (const r of kic) {
      if (r.resources.every((x) => x.endsWith('/status'))) expect(r.verbs).toEqual(['patch']);
      else expect(r.verbs).toEqual(['get', 'list', 'watch']);
    }
    expect(kic.flatMap((r) => r.resources).filter((x) => x.endsWith('/status')).sort()).toEqual(['kongclusterplugins/status', 'kongconsumergroups/status', 'kongconsumers/status', 'kongplugins/status']);
  });

  it('writes Programmed on the KIC objects as the ServiceAccount (cluster-scoped KongClusterPlugin too)', async () => {
    const programmed = async (path: string) => {
      const res = await kubeRest(cp.kubeConfig, 'GET', path);
      const conditions = ((res.body as any)?.status?.conditions ?? []) as Array<{ type: string; status: string }>;
      return conditions.find((c) => c.type === 'Programmed')?.status;
    };
    const base = '/apis/configuration.konghq.com/v1';
    await waitFor(async () => (await programmed(`${base}/namespaces/${WATCHED}/kongconsumers/admin`)) === 'True', SYNC_TIMEOUT_MS);
    await waitFor(async () => (await programmed(`${base}/namespaces/${WATCHED}/kongplugins/app-jwt`)) === 'True', SYNC_TIMEOUT_MS);
    await waitFor(async () => (await programmed(`${base}/kongclusterplugins/request-id`)) === 'True', SYNC_TIMEOUT_MS);
  }, 3 * SYNC_TIMEOUT_MS);

  it('serves a KIC consumer through a jwt KongPlugin as the ServiceAccount', async () => {
    const token = mintToken({ algorithm: 'HS256', key: 'admin-issuer', secret: 'admin-s3cret', expiresInSeconds: 600 });
    // The objects were applied after the gateway started, and each kind has its own watch: the
    // route can be served (jwt) a moment before the KongClusterPlugin's event arrives.
    const proxied = async () => {
      const res = await fetch(`${gw.proxy}/kic/x`, { headers: { authorization: `Bearer ${token}` } });
      return res.status === 200 ? ((await res.json()) as { headers: Record<string, string> }) : undefined;
    };
    await waitFor(async () => (await proxied())?.headers['kong-request-id'] !== undefined, SYNC_TIMEOUT_MS);
    expect((await fetch(`${gw.proxy}/kic/x`)).status).toBe(401);
    // The global KongClusterPlugin (correlation-id) reached the route too.
    expect((await proxied())!.headers['kong-request-id']).toMatch(/^[0-9a-f-]{36}#\d+$/);
  }, SYNC_TIMEOUT_MS + 5_000);

  it('logged no Forbidden / 403', () => {
    const bad = gw.output().split('\n').filter((l) => /forbidden|HTTP 403|\b403 /i.test(l));
    expect(bad).toEqual([]);
  });
});
