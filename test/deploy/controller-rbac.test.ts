// The real controller (dist/cli.js), run with exactly the chart's ServiceAccount permissions —
// impersonation against a kube-apiserver with RBAC authorization on — does its whole job without a
// single Forbidden: every watch syncs (/readyz), a valid token is proxied, a broken credential gets
// a status condition and an Event, and it holds the Lease the chart names. Cluster-wide release
// first, then a watchNamespace=demo release (which must not try to watch anything cluster-wide).
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyManifests, impersonatingKubeConfig, startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { startGateway, waitFor, type GatewayProcess } from '../support/gateway-process.js';
import { HELM_BUILD_TIMEOUT_MS, chartDir, findObject, helmBinary, parseManifests, renderChart, repoRoot, toYamlStream, type K8sObject } from './helm.js';
import { collectionPath, kubeRest } from './kube-rest.js';

const fieldManager = 'portcullis-controller-rbac-test';
const API = 'portcullis.dev/v1alpha1';
const WATCHED = 'demo';
const UNWATCHED = 'other';
const CLUSTER_RELEASE_NS = 'portcullis';
const SCOPED_RELEASE_NS = 'portcullis-scoped';
const MULTI_RELEASE_NS = 'portcullis-multi';
const SECOND = 'second';
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
// The walkthrough's credential (examples/k8s/10-login-server.yaml); a test-only HS256 secret.
const WALKTHROUGH_KEY = '1nzcMG9Xg7n1lLgmltHnkAmkt7yp4fjZ';
const WALKTHROUGH_SECRET = 'e71829c351aa4242c2719cbfbe671c09';
const SYNC_TIMEOUT_MS = 60_000;
const runId = Date.now().toString(36);

let cp: ControlPlane;
let echo: EchoUpstream;
let workDir: string;
const running: GatewayProcess[] = [];

const namespaceYaml = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name} }\n`;

/** The walkthrough CRs, with the Route sent to the local echo upstream and the pod-backed
 * Deployment left out (no controller-manager runs here). */
async function walkthroughObjects(): Promise<K8sObject[]> {
  const dir = join(repoRoot, 'examples/k8s');
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const objs = (await Promise.all(files.map(async (f) => parseManifests(await readFile(join(dir, f), 'utf8'))))).flat();
  return objs
    .filter((o) => o.kind !== 'Namespace' && o.kind !== 'Deployment')
    .map((o) => (o.kind === 'Route' ? { ...o, spec: { ...(o.spec as object), backend: { url: echo.url } } } : o));
}

/** A JwtCredential whose Secret does not exist: the controller must say so in status and an Event. */
const brokenCredential = (name: string, namespace: string): K8sObject => ({
  apiVersion: API,
  kind: 'JwtCredential',
  metadata: { name, namespace },
  spec: { consumerRef: { name: 'login-server' }, key: `broken-${name}`, algorithm: 'HS256', secretRef: { name: `missing-${name}`, key: 'secret' } },
});

/** Installs the chart's crds/ for real (as Helm does before templates); idempotent. */
async function installCrds(): Promise<void> {
  const crdDir = join(chartDir, 'crds');
  for (const f of (await readdir(crdDir)).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    await applyManifests(cp.kubeConfig, await readFile(join(crdDir, f), 'utf8'), { fieldManager });
  }
}

async function applyObjects(objs: K8sObject[]): Promise<void> {
  await applyManifests(cp.kubeConfig, toYamlStream(objs), { fieldManager });
}

/** The args the chart's Deployment gives the controller container. */
function deploymentArgs(objs: K8sObject[]): string[] {
  const deploy = findObject(objs, 'Deployment') as any;
  return deploy.spec.template.spec.containers[0].args as string[];
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A kubeconfig file for the chart's ServiceAccount (the admin's credentials plus `as:`). */
async function serviceAccountKubeconfig(namespace: string, name: string): Promise<string> {
  const file = join(workDir, `kubeconfig-${namespace}-${name}`);
  const kc = impersonatingKubeConfig(cp, { namespace, name });
  await writeFile(file, kc.exportConfig(), { mode: 0o600 });
  const written = parse(await readFile(file, 'utf8'));
  expect(written.users[0].user.as).toBe(`system:serviceaccount:${namespace}:${name}`);
  return file;
}

/** Renders the chart, installs its ServiceAccount + RBAC, and starts the real controller as that
 * ServiceAccount with the chart's --namespace / --lease-name. */
async function startChartController(
  releaseNs: string,
  sets: string[],
  opts: { podName: string; waitReady: boolean },
): Promise<{ gw: GatewayProcess; leaseName: string; saName: string; args: string[] }> {
  const objs = renderChart(sets, { namespace: releaseNs });
  await applyObjects(objs.filter((o) => RBAC_KINDS.has(o.kind)));
  const sa = findObject(objs, 'ServiceAccount');
  const args = deploymentArgs(objs);
  const leaseName = argValue(args, '--lease-name');
  expect(leaseName, 'the chart passes --lease-name').toBeTruthy();
  const watchNs = argValue(args, '--namespace');
  const kubeconfig = await serviceAccountKubeconfig(releaseNs, sa.metadata.name);
  const gw = await startGateway(
    ['controller', '--kubeconfig', kubeconfig, ...(watchNs ? ['--namespace', watchNs] : []), '--lease-name', leaseName!],
    { env: { POD_NAME: opts.podName, POD_NAMESPACE: releaseNs }, waitReady: opts.waitReady, timeoutMs: SYNC_TIMEOUT_MS },
  );
  running.push(gw);
  return { gw, leaseName: leaseName!, saName: sa.metadata.name, args };
}

const token = (key: string, secret: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: key }).setExpirationTime('5m').sign(new TextEncoder().encode(secret));

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  await res.arrayBuffer();
  return res.status;
}

/** Forbidden (or a bare 403) anywhere in the controller's log means the chart's RBAC is short.
 * Lines logged while the API server was restarting (`exempt`) are skipped: a kube-apiserver that
 * has just started answers 403 until its RBAC informers have synced, whatever the RBAC says. */
function expectNoForbidden(gw: GatewayProcess, exempt?: { from: number; to: number }): void {
  expect(gw.output(), 'the controller logs as JSON lines').toMatch(/"msg"/);
  const inExempt = (line: string): boolean => {
    if (!exempt) return false;
    try {
      const t = Date.parse((JSON.parse(line) as { time?: string }).time ?? '');
      return t >= exempt.from && t <= exempt.to;
    } catch {
      return false;
    }
  };
  const bad = gw.output().split('\n').filter((l) => /forbidden|HTTP 403|\b403 /i.test(l) && !inExempt(l));
  expect(bad, 'controller log lines mentioning Forbidden/403').toEqual([]);
}

/** Top-level keys a JSON log line repeats (JSON.parse keeps the last silently; log tools differ). */
function repeatedTopLevelKeys(line: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      const isKey = depth === 1 && line[j + 1] === ':';
      if (isKey) {
        const key = line.slice(i + 1, j);
        if (seen.has(key)) repeated.push(key);
        seen.add(key);
      }
      i = j;
    }
  }
  return repeated;
}

function expectNoRepeatedKeys(gw: GatewayProcess): void {
  const bad = gw.output().split('\n').filter((l) => l.startsWith('{') && repeatedTopLevelKeys(l).length > 0);
  expect(bad, 'controller log lines repeating a key').toEqual([]);
}

async function conditionsOf(plural: string, namespace: string, name: string): Promise<any[]> {
  const res = await kubeRest(cp.kubeConfig, 'GET', `${collectionPath(API, plural, namespace)}/${name}`);
  expect(res.status).toBe(200);
  return res.body.status?.conditions ?? [];
}

async function eventsAbout(namespace: string, kind: string, name: string): Promise<any[]> {
  const res = await kubeRest(cp.kubeConfig, 'GET', collectionPath('events.k8s.io/v1', 'events', namespace));
  expect(res.status).toBe(200);
  return (res.body.items as any[]).filter((e) => e.regarding?.kind === kind && e.regarding?.name === name);
}

async function expectBrokenCredentialReported(namespace: string, name: string, reporter: string): Promise<void> {
  let programmed: any;
  await waitFor(async () => {
    programmed = (await conditionsOf('jwtcredentials', namespace, name)).find((c) => c.type === 'Programmed');
    return programmed?.status === 'False';
  }, SYNC_TIMEOUT_MS);
  expect(programmed).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
  let events: any[] = [];
  await waitFor(async () => (events = await eventsAbout(namespace, 'JwtCredential', name)).length > 0, SYNC_TIMEOUT_MS);
  expect(events[0]).toMatchObject({ type: 'Warning', reason: 'SecretNotFound' });
  expect(events[0].reportingInstance).toMatch(new RegExp(`^${reporter}_[0-9a-f]{8}$`)); // pod name + per-process suffix
}

const WALKTHROUGH_CRS = [
  { plural: 'kongconsumers', name: 'login-server' },
  { plural: 'jwtcredentials', name: 'login-server-hs256' },
  { plural: 'routes', name: 'my-api' },
];

async function expectProgrammed(plural: string, name: string): Promise<void> {
  await waitFor(async () => (await conditionsOf(plural, WATCHED, name)).some((c) => c.type === 'Programmed' && c.status === 'True'), SYNC_TIMEOUT_MS);
}

async function expectLeaseHeldBy(namespace: string, name: string, holder: string): Promise<void> {
  let spec: any;
  await waitFor(async () => {
    const res = await kubeRest(cp.kubeConfig, 'GET', `${collectionPath('coordination.k8s.io/v1', 'leases', namespace)}/${name}`);
    spec = res.body?.spec;
    // The identity is the pod name plus a per-process suffix.
    return res.status === 200 && String(spec?.holderIdentity).startsWith(`${holder}_`);
  }, SYNC_TIMEOUT_MS);
  expect(spec.holderIdentity).toMatch(new RegExp(`^${holder}_[0-9a-f]{8}$`));
}

beforeAll(async () => {
  helmBinary();
  workDir = await mkdtemp(join(tmpdir(), 'portcullis-controller-rbac-'));
  echo = await startEchoUpstream();
  cp = await startControlPlane({ rbac: true });
  for (const ns of [CLUSTER_RELEASE_NS, SCOPED_RELEASE_NS, MULTI_RELEASE_NS, WATCHED, SECOND, UNWATCHED]) {
    await applyManifests(cp.kubeConfig, namespaceYaml(ns), { fieldManager });
  }
}, HELM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await Promise.allSettled(running.map((gw) => gw.stop()));
  await echo?.close();
  await cp?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('controller as the chart ServiceAccount (default values: all namespaces)', () => {
  let gw: GatewayProcess;
  let leaseName: string;
  const podName = `portcullis-cluster-${runId}`;
  const broken = `broken-cluster-${runId}`;
  let restart: { from: number; to: number } | undefined;

  beforeAll(async () => {
    // Started before the CRDs exist (as on a fresh install racing Helm's crds/): the watches must
    // ride out 404s and the API server's brief 429 "storage is (re)initializing" after the CRDs
    // land, and still sync.
    ({ gw, leaseName } = await startChartController(CLUSTER_RELEASE_NS, [], { podName, waitReady: false }));
    await installCrds();
    await applyObjects([...(await walkthroughObjects()), brokenCredential(broken, WATCHED)]);
  }, SYNC_TIMEOUT_MS * 2);

  it('/readyz turns 200: every watch (CRs, Secrets, Services, EndpointSlices) synced in all namespaces', async () => {
    await waitFor(async () => (await status(`${gw.status}/readyz`)) === 200, SYNC_TIMEOUT_MS);
  }, SYNC_TIMEOUT_MS + 5_000);

  it('proxies a valid walkthrough token (200) and rejects a bad one (401)', async () => {
    const good = await token(WALKTHROUGH_KEY, WALKTHROUGH_SECRET);
    await waitFor(async () => (await status(`${gw.proxy}/api/hello`, { authorization: `Bearer ${good}` })) === 200, SYNC_TIMEOUT_MS);
    // strip_path defaults to true, as in Kong.
    expect(echo.seen.some((r) => r.url === '/hello')).toBe(true);
    const bad = await token(WALKTHROUGH_KEY, 'not-the-secret');
    expect(await status(`${gw.proxy}/api/hello`, { authorization: `Bearer ${bad}` })).toBe(401);
  }, SYNC_TIMEOUT_MS + 5_000);

  it('holds the chart-named Lease in the release namespace', async () => {
    expect(leaseName).toBe('portcullis-leader');
    await expectLeaseHeldBy(CLUSTER_RELEASE_NS, leaseName, podName);
  }, SYNC_TIMEOUT_MS + 5_000);

  it('writes status (patch allowed) and an Event for the broken credential', async () => {
    await expectBrokenCredentialReported(WATCHED, broken, podName);
  }, SYNC_TIMEOUT_MS * 2 + 5_000);

  it.each(WALKTHROUGH_CRS)('status: walkthrough $plural/$name is Programmed=True', async ({ plural, name }) => {
    await expectProgrammed(plural, name);
  }, SYNC_TIMEOUT_MS + 5_000);

  it('rides out an API server restart (broken watches, 403 until RBAC caches fill, 429 while watch caches re-initialize) and keeps reconciling', async () => {
    if (cp.external) return; // restartApiServer is local-only; the checks above still ran.
    restart = { from: Date.now(), to: Number.POSITIVE_INFINITY };
    await cp.restartApiServer();
    restart.to = Date.now();
    const late = `${broken}-late`;
    await applyObjects([brokenCredential(late, WATCHED)]);
    await expectBrokenCredentialReported(WATCHED, late, podName);
    // Status writes cut off by the restart (refused, then 403 until RBAC caches fill) are retried.
    for (const { plural, name } of WALKTHROUGH_CRS) await expectProgrammed(plural, name);
    expect(await status(`${gw.status}/readyz`)).toBe(200);
  }, SYNC_TIMEOUT_MS * 2 + 30_000);

  it('logged no Forbidden / 403 (outside the API server restart)', () => {
    expectNoForbidden(gw, restart);
    expectNoRepeatedKeys(gw);
  });

  afterAll(async () => {
    // Stop (and release the Lease) before the scoped release runs, so both never write status at once.
    await gw?.stop();
  });
});

describe(`controller as the chart ServiceAccount (watchNamespace=${WATCHED})`, () => {
  let gw: GatewayProcess;
  let leaseName: string;
  let args: string[];
  const podName = `portcullis-scoped-${runId}`;
  const broken = `broken-scoped-${runId}`;
  const outside = `outside-${runId}`;

  beforeAll(async () => {
    await installCrds();
    // A Route the scoped controller must not see: it lives in a namespace its RBAC does not cover.
    await applyObjects([
      { apiVersion: API, kind: 'Route', metadata: { name: outside, namespace: UNWATCHED }, spec: { paths: ['/outside'], backend: { url: echo.url } } },
      brokenCredential(broken, WATCHED),
    ]);
    ({ gw, leaseName, args } = await startChartController(SCOPED_RELEASE_NS, [`watchNamespace=${WATCHED}`], { podName, waitReady: true }));
  }, SYNC_TIMEOUT_MS * 2);

  it('the chart passes --namespace demo and the controller is ready (watches synced in demo only)', async () => {
    expect(argValue(args, '--namespace')).toBe(WATCHED);
    expect(await status(`${gw.status}/readyz`)).toBe(200);
  });

  it('proxies a valid token to the demo Route; the Route in another namespace is not served', async () => {
    const good = await token(WALKTHROUGH_KEY, WALKTHROUGH_SECRET);
    expect(await status(`${gw.proxy}/api/scoped`, { authorization: `Bearer ${good}` })).toBe(200);
    expect(await status(`${gw.proxy}/outside`)).toBe(404);
    expect(await conditionsOf('routes', UNWATCHED, outside)).toEqual([]);
  });

  it('holds the chart-named Lease in its own release namespace', async () => {
    await expectLeaseHeldBy(SCOPED_RELEASE_NS, leaseName, podName);
  }, SYNC_TIMEOUT_MS + 5_000);

  it('writes status and an Event for a broken credential in the watched namespace', async () => {
    await expectBrokenCredentialReported(WATCHED, broken, podName);
  }, SYNC_TIMEOUT_MS * 2 + 5_000);

  it('logged no Forbidden / 403 (it never tried a cluster-wide watch)', () => {
    expectNoForbidden(gw);
    expectNoRepeatedKeys(gw);
  });

  afterAll(async () => {
    // Stop (and release the Lease) before the multi-namespace release runs: one status writer at a time.
    await gw?.stop();
  });
});

describe(`controller as the chart ServiceAccount (watchNamespaces=[${WATCHED}, ${SECOND}])`, () => {
  let gw: GatewayProcess;
  let args: string[];
  let objs: K8sObject[];
  let saName: string;
  const podName = `portcullis-multi-${runId}`;
  const broken = `broken-multi-${runId}`;

  beforeAll(async () => {
    await installCrds();
    await applyObjects([
      { apiVersion: API, kind: 'Route', metadata: { name: `second-${runId}`, namespace: SECOND }, spec: { paths: ['/second'], backend: { url: echo.url } } },
      { apiVersion: API, kind: 'Route', metadata: { name: `outside-multi-${runId}`, namespace: UNWATCHED }, spec: { paths: ['/outside-multi'], backend: { url: echo.url } } },
      brokenCredential(broken, SECOND),
    ]);
    objs = renderChart([`watchNamespaces={${WATCHED},${SECOND}}`], { namespace: MULTI_RELEASE_NS });
    ({ gw, args, saName } = await startChartController(MULTI_RELEASE_NS, [`watchNamespaces={${WATCHED},${SECOND}}`], { podName, waitReady: true }));
  }, SYNC_TIMEOUT_MS * 2);

  it('the chart grants a Role per namespace (no ClusterRole for Secrets) and passes --namespace demo,second', () => {
    expect(argValue(args, '--namespace')).toBe(`${WATCHED},${SECOND}`);
    const roles = objs.filter((o) => o.kind === 'Role' && (o as any).rules.some((r: any) => r.resources.includes('secrets')));
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual([SECOND, WATCHED].sort());
    const clusterSecrets = objs.filter((o) => o.kind === 'ClusterRole' && (o as any).rules.some((r: any) => r.resources.includes('secrets')));
    expect(clusterSecrets).toEqual([]);
  });

  it('serves both namespaces\' Routes, not another namespace\'s; ready', async () => {
    expect(await status(`${gw.status}/readyz`)).toBe(200);
    const good = await token(WALKTHROUGH_KEY, WALKTHROUGH_SECRET);
    await waitFor(async () => (await status(`${gw.proxy}/api/multi`, { authorization: `Bearer ${good}` })) === 200, SYNC_TIMEOUT_MS);
    await waitFor(async () => (await status(`${gw.proxy}/second`)) === 200, SYNC_TIMEOUT_MS);
    expect(await status(`${gw.proxy}/outside-multi`)).toBe(404);
  }, SYNC_TIMEOUT_MS * 2 + 5_000);

  it('writes status and an Event in the second namespace', async () => {
    await expectBrokenCredentialReported(SECOND, broken, podName);
  }, SYNC_TIMEOUT_MS * 2 + 5_000);

  it('as that ServiceAccount, Secrets of another namespace are Forbidden (RBAC, by impersonation)', async () => {
    const kc = impersonatingKubeConfig(cp, { namespace: MULTI_RELEASE_NS, name: saName });
    expect((await kubeRest(kc, 'GET', collectionPath('v1', 'secrets', UNWATCHED))).status).toBe(403);
    expect((await kubeRest(kc, 'GET', '/api/v1/secrets')).status).toBe(403);
    expect((await kubeRest(kc, 'GET', collectionPath('v1', 'secrets', SECOND))).status).toBe(200);
  });

  it('logged no Forbidden / 403', () => {
    expectNoForbidden(gw);
    expectNoRepeatedKeys(gw);
  });
});
