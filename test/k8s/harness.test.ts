import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  makeInformer,
  type Informer,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import {
  apiServerArgs,
  applyManifests,
  impersonatingKubeConfig,
  startControlPlane,
  type ControlPlane,
} from '../harness/control-plane.js';
import { parseBuildOutput } from '../harness/binaries.js';
import { pidAlive } from '../harness/processes.js';

const group = 'harness.portcullis.test';
const plural = 'widgets';
const fieldManager = 'portcullis-harness-test';

const crdYaml = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: ${plural}, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer, minimum: 0 }
`;

/** Polls until `predicate` holds; vitest's timeout bounds the whole test. */
async function eventually(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

describe('pure harness helpers', () => {
  it.each([
    { rbac: true, mode: '--authorization-mode=RBAC' },
    { rbac: false, mode: '--authorization-mode=AlwaysAllow' },
  ])('apiServerArgs(rbac=$rbac) selects $mode', ({ rbac, mode }) => {
    const pki = { caCert: 'ca', servingCert: 's.crt', servingKey: 's.key', adminCert: 'a', adminKey: 'k', serviceAccountKey: 'sa', serviceAccountPub: 'sp' };
    const args = apiServerArgs({ pki, etcdUrl: 'http://127.0.0.1:1', port: 2, certDir: '/d', rbac });
    expect(args).toContain(mode);
    expect(args).toContain('--secure-port=2');
    expect(args).toContain('--etcd-servers=http://127.0.0.1:1');
  });

  it('parseBuildOutput reads the NAME=PATH lines and rejects output without them', () => {
    expect(parseBuildOutput('noise\nETCD=/c/etcd-v1\nKUBE_APISERVER=/c/kube-apiserver-v2\n')).toEqual({
      etcd: '/c/etcd-v1',
      kubeApiserver: '/c/kube-apiserver-v2',
    });
    expect(() => parseBuildOutput('ETCD=/c/etcd\n')).toThrow(/KUBE_APISERVER/);
  });
});

describe('local control plane (or $KUBECONFIG cluster)', () => {
  let cp: ControlPlane;
  let pids: number[] = [];
  const namespace = `harness-${randomBytes(4).toString('hex')}`;
  let informer: (Informer<KubernetesObject> & ObjectCache<KubernetesObject>) | undefined;
  const added: string[] = [];
  let informerErrors = 0;
  let stopped = false;

  beforeAll(async () => {
    cp = await startControlPlane({ rbac: true });
    pids = cp.pids();
  });

  afterAll(async () => {
    stopped = true;
    await informer?.stop();
    await cp?.stop();
  });

  it('creates a namespace, applies a CRD and a custom object server-side', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const applied = await applyManifests(cp.kubeConfig, crdYaml, { fieldManager });
    expect(applied[0]?.metadata?.name).toBe(`${plural}.${group}`);

    // A dry run reports the object but does not persist it.
    await applyManifests(
      cp.kubeConfig,
      `apiVersion: ${group}/v1\nkind: Widget\nmetadata: { name: dry, namespace: ${namespace} }\nspec: { size: 1 }\n`,
      { fieldManager, dryRun: 'All' },
    );
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const afterDryRun = (await custom.listNamespacedCustomObject({ group, version: 'v1', namespace, plural })) as { items: unknown[] };
    expect(afterDryRun.items).toHaveLength(0);

    await custom.createNamespacedCustomObject({
      group, version: 'v1', namespace, plural,
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'first' }, spec: { size: 1 } },
    });
    // Schema validation runs in the real apiserver: a negative size is rejected with 422.
    const invalid = await custom
      .createNamespacedCustomObject({
        group, version: 'v1', namespace, plural,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'bad' }, spec: { size: -1 } },
      })
      .then(() => 0, statusOf);
    expect(invalid).toBe(422);
  });

  it('an informer sees the ADD event for the custom object', async () => {
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const path = `/apis/${group}/v1/namespaces/${namespace}/${plural}`;
    informer = makeInformer<KubernetesObject>(cp.kubeConfig, path, async () =>
      (await custom.listNamespacedCustomObject({ group, version: 'v1', namespace, plural })) as never,
    );
    informer.on('add', (obj) => added.push(obj.metadata?.name ?? '?'));
    // ListWatch stops on errors (e.g. the apiserver going away); restarting is the consumer's job.
    informer.on('error', () => {
      informerErrors++;
      if (!stopped) setTimeout(() => void informer?.start().catch(() => undefined), 250);
    });
    await informer.start();
    await eventually('ADD for first', () => added.includes('first'));
  });

  it('restarts the API server mid-test and the informer recovers', async () => {
    if (cp.external) {
      await expect(cp.restartApiServer()).rejects.toThrow(/not supported/);
      return;
    }
    await cp.restartApiServer();
    expect(cp.pids()).toHaveLength(2);
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const list = (await custom.listNamespacedCustomObject({ group, version: 'v1', namespace, plural })) as { items: KubernetesObject[] };
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['first']);

    await custom.createNamespacedCustomObject({
      group, version: 'v1', namespace, plural,
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'second' }, spec: { size: 2 } },
    });
    await eventually('ADD for second after restart', () => added.includes('second'), 30_000);
    expect(informerErrors).toBeGreaterThan(0);
    pids = [...new Set([...pids, ...cp.pids()])];
  }, 60_000);

  it('RBAC denies an impersonated service account without permissions, and allows it once bound', async () => {
    const sa = { namespace, name: 'nobody' };
    const asSa = impersonatingKubeConfig(cp, sa).makeApiClient(CustomObjectsApi);
    const list = () => asSa.listNamespacedCustomObject({ group, version: 'v1', namespace, plural }).then(() => 200, statusOf);
    expect(await list()).toBe(403);

    await applyManifests(
      cp.kubeConfig,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: widget-reader, namespace: ${namespace} }
rules: [{ apiGroups: ['${group}'], resources: ['${plural}'], verbs: [get, list, watch] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: widget-reader, namespace: ${namespace} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: widget-reader }
subjects: [{ kind: ServiceAccount, name: nobody, namespace: ${namespace} }]
`,
      { fieldManager },
    );
    // The RBAC authorizer reads bindings from its own informer cache: allow a moment.
    await eventually('RoleBinding to take effect', async () => (await list()) === 200);
    // Still denied outside the granted rule.
    const rbac = impersonatingKubeConfig(cp, sa).makeApiClient(RbacAuthorizationV1Api);
    expect(await rbac.listNamespacedRole({ namespace }).then(() => 200, statusOf)).toBe(403);
  });

  it('with $KUBECONFIG set, startControlPlane wraps that cluster and refuses to restart it', async () => {
    const saved = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = cp.kubeconfigPath;
    try {
      const wrapped = await startControlPlane();
      expect(wrapped.external).toBe(true);
      expect(wrapped.server).toBe(cp.server);
      expect(wrapped.pids()).toEqual([]);
      const names = (await wrapped.kubeConfig.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
      expect(names).toContain(namespace);
      await expect(wrapped.restartApiServer()).rejects.toThrow(/not supported/);
      await wrapped.stop();
    } finally {
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
    }
  });

  it('stop() kills every process by PID and is idempotent', async () => {
    stopped = true;
    await informer?.stop();
    await cp.stop();
    await cp.stop();
    for (const pid of pids) expect(pidAlive(pid), `pid ${pid} still alive`).toBe(false);
  });
});

describe('control plane with authorization-mode AlwaysAllow', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ rbac: false });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('lets an impersonated service account without bindings read (or denies it when RBAC is on)', async () => {
    const asSa = impersonatingKubeConfig(cp, { namespace: 'default', name: 'nobody' }).makeApiClient(CoreV1Api);
    const status = await asSa.listNamespace().then(() => 200, statusOf);
    // An external cluster ($KUBECONFIG) keeps its own authorizer, assumed RBAC.
    expect(status).toBe(cp.rbac ? 403 : 200);
  });
});
