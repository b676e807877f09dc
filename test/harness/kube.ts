import {
  ApiextensionsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  loadAllYaml,
  type KubernetesObject,
} from '@kubernetes/client-node';

/** A KubeConfig with the same cluster and credentials that impersonates a service account, so RBAC
 * tests can check what that account may do without minting tokens. */
export function impersonatingKubeConfig(
  cp: { kubeConfig: KubeConfig },
  serviceAccount: { namespace: string; name: string },
): KubeConfig {
  const base = cp.kubeConfig;
  const cluster = base.getCurrentCluster();
  const user = base.getCurrentUser();
  if (!cluster || !user) throw new Error('impersonatingKubeConfig: kubeconfig has no current cluster/user');
  const kc = new KubeConfig();
  const userName = `${user.name}-as-${serviceAccount.namespace}-${serviceAccount.name}`;
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ ...user, name: userName, impersonateUser: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}` }],
    contexts: [{ name: userName, cluster: cluster.name, user: userName }],
    currentContext: userName,
  });
  return kc;
}

export interface ApplyOptions {
  fieldManager: string;
  dryRun?: 'All';
  /** Take ownership of fields other managers own (default true: tests re-apply freely). */
  force?: boolean;
}

/**
 * Server-side applies every document in `yamlText`, in order. After a CustomResourceDefinition is
 * applied (for real) it waits until the CRD is Established, so later documents may use its kind.
 */
export async function applyManifests(kc: KubeConfig, yamlText: string, opts: ApplyOptions): Promise<KubernetesObject[]> {
  const docs = loadAllYaml(yamlText).filter((d): d is KubernetesObject => d !== null && typeof d === 'object');
  const applied: KubernetesObject[] = [];
  // One client per document after a CRD, because KubernetesObjectApi caches API discovery.
  let client = KubernetesObjectApi.makeApiClient(kc);
  for (const doc of docs) {
    const result = await client.patch(doc, undefined, opts.dryRun, opts.fieldManager, opts.force ?? true, PatchStrategy.ServerSideApply);
    applied.push(result);
    if (doc.kind === 'CustomResourceDefinition' && opts.dryRun === undefined && doc.metadata?.name) {
      await waitForCrdEstablished(kc, doc.metadata.name);
      client = KubernetesObjectApi.makeApiClient(kc);
    }
  }
  return applied;
}

export async function waitForCrdEstablished(kc: KubeConfig, name: string, timeoutMs = 30_000): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const crd = await api.readCustomResourceDefinition({ name });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
