// Chart options users of Kong's and Traefik's charts reach for (issue 11, item 8) and the
// standalone mode (kong.yml from a ConfigMap or Secret), rendered with the pinned Helm.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_BUILD_TIMEOUT_MS, chartDir, findObject, helm, helmBinary, renderChart, type K8sObject } from './helm.js';

type Container = {
  args: string[];
  env: Array<{ name: string }>;
  envFrom?: unknown[];
  lifecycle?: unknown;
  volumeMounts: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
};
type PodSpec = {
  containers: Container[];
  volumes: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }>;
  automountServiceAccountToken?: boolean;
};
type Deployment = K8sObject & {
  metadata: K8sObject['metadata'] & { annotations?: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
};
type Service = K8sObject & { spec: { ports: Array<{ name: string; port: number }> } };
type Rule = { ports?: Array<{ port: number | string; protocol: string }>; from?: unknown[]; to?: unknown[] };
type NetworkPolicy = K8sObject & {
  spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: Rule[]; egress: Rule[] };
};

const deploymentOf = (objs: K8sObject[]) => findObject(objs, 'Deployment') as Deployment;
const podOf = (objs: K8sObject[]) => deploymentOf(objs).spec.template.spec;
const containerOf = (objs: K8sObject[]) => podOf(objs).containers[0]!;
const portsOf = (rule: Rule) => (rule.ports ?? []).map((p) => p.port);

let dir: string;
/** Renders with a values file (for values `--set` cannot spell, such as lists of objects). */
function renderValues(values: unknown, sets: string[] = []): K8sObject[] {
  const file = join(dir, `values-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(values));
  return renderChart(sets, { extra: ['-f', file] });
}
function templateError(args: string[]): string {
  const r = helm(['template', 'portcullis', chartDir, ...args]);
  expect(r.code, r.stdout).not.toBe(0);
  return r.stderr;
}

beforeAll(() => {
  helmBinary();
  dir = mkdtempSync(join(tmpdir(), 'pc-helm-options-'));
}, HELM_BUILD_TIMEOUT_MS);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('admin Service', () => {
  it('is off by default: the internal Service carries status only, and the ServiceMonitor still finds it', () => {
    const objs = renderChart(['serviceMonitor.enabled=true']);
    const internal = findObject(objs, 'Service', 'portcullis-internal') as Service;
    expect(internal.spec.ports.map((p) => [p.name, p.port])).toEqual([['status', 8100]]);
    expect(objs.filter((o) => o.kind === 'Service').flatMap((s) => (s as Service).spec.ports.map((p) => p.port))).not.toContain(8001);
    const sm = findObject(objs, 'ServiceMonitor') as K8sObject & { spec: { endpoints: Array<{ port: string }> } };
    expect(sm.spec.endpoints.map((e) => e.port)).toEqual(['status']);
    // The pod still listens for port-forwards.
    expect(containerOf(objs).args).toContain('--admin-listen');
  });

  it('admin.service.enabled adds the admin port to the internal Service', () => {
    const internal = findObject(renderChart(['admin.service.enabled=true']), 'Service', 'portcullis-internal') as Service;
    expect(internal.spec.ports.map((p) => [p.name, p.port])).toEqual([['admin', 8001], ['status', 8100]]);
  });

  it('admin.service.enabled without the internal Service is refused', () => {
    expect(templateError(['--set', 'admin.service.enabled=true,internalService.enabled=false'])).toContain(
      'admin.service.enabled needs internalService.enabled',
    );
  });
});

describe('pass-through options', () => {
  it('commonLabels reach every object and the pods, never a selector', () => {
    const objs = renderValues({
      commonLabels: { team: 'edge', 'example.com/cost-center': '42' },
      serviceMonitor: { enabled: true },
      autoscaling: { enabled: true },
      networkPolicy: { enabled: true },
    });
    expect(objs.length).toBeGreaterThanOrEqual(12);
    for (const o of objs) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({ team: 'edge', 'example.com/cost-center': '42' });
    }
    const dep = deploymentOf(objs);
    expect(dep.spec.template.metadata.labels).toMatchObject({ team: 'edge' });
    expect(dep.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'portcullis', 'app.kubernetes.io/instance': 'portcullis' });
    const np = findObject(objs, 'NetworkPolicy') as NetworkPolicy;
    expect(np.spec.podSelector.matchLabels).toEqual(dep.spec.selector.matchLabels);
  });

  it('deploymentAnnotations go on the Deployment, podAnnotations on the pods', () => {
    const dep = deploymentOf(renderChart(['deploymentAnnotations.owner=edge-team', 'podAnnotations.a=b']));
    expect(dep.metadata.annotations).toEqual({ owner: 'edge-team' });
    expect(dep.spec.template.metadata.annotations).toEqual({ a: 'b' });
    expect(deploymentOf(renderChart()).metadata.annotations).toBeUndefined();
  });

  it('envFrom, extraVolumes, extraVolumeMounts and lifecycle are passed through after the chart\'s own', () => {
    const lifecycle = { preStop: { exec: { command: ['/bin/true'] } } };
    const objs = renderValues({
      envFrom: [{ secretRef: { name: 'gateway-env' } }, { configMapRef: { name: 'gateway-cfg', optional: true } }],
      extraVolumes: [{ name: 'ca', configMap: { name: 'corp-ca' } }],
      extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/corp', readOnly: true }],
      lifecycle,
    });
    const c = containerOf(objs);
    expect(c.envFrom).toEqual([{ secretRef: { name: 'gateway-env' } }, { configMapRef: { name: 'gateway-cfg', optional: true } }]);
    expect(c.lifecycle).toEqual(lifecycle);
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'ca', mountPath: '/etc/ssl/corp', readOnly: true }]);
    expect(podOf(objs).volumes.map((v) => v.name)).toEqual(['tmp', 'ca']);
    // Defaults: none of them rendered.
    const d = containerOf(renderChart());
    expect(d.envFrom).toBeUndefined();
    expect(d.lifecycle).toBeUndefined();
  });

  it('a preStop sleep counts against the grace period with the shutdown delay and drain', () => {
    expect(containerOf(renderValues({ lifecycle: { preStop: { sleep: { seconds: 9 } } } })).lifecycle).toEqual({
      preStop: { sleep: { seconds: 9 } },
    });
    const file = join(dir, 'sleep.json');
    writeFileSync(file, JSON.stringify({ lifecycle: { preStop: { sleep: { seconds: 10 } } } }));
    expect(templateError(['-f', file])).toContain(
      'terminationGracePeriodSeconds (30) must exceed shutdown.delaySeconds + shutdown.drainSeconds + lifecycle.preStop.sleep.seconds (30)',
    );
  });
});

describe('NetworkPolicy', () => {
  it('is off by default', () => {
    expect(renderChart().some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });

  it('controller defaults: proxy from anywhere, admin/status from the namespace, egress to DNS, the API server and backends', () => {
    const np = findObject(renderChart(['networkPolicy.enabled=true']), 'NetworkPolicy') as NetworkPolicy;
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([
      { ports: [{ port: 'proxy', protocol: 'TCP' }, { port: 'proxy-tls', protocol: 'TCP' }] },
      { ports: [{ port: 'admin', protocol: 'TCP' }, { port: 'status', protocol: 'TCP' }], from: [{ podSelector: {} }] },
    ]);
    expect(np.spec.egress).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
      { to: [{ namespaceSelector: {} }] },
    ]);
  });

  it('peers, the API server address and extra egress rules are configurable', () => {
    const proxyFrom = [{ ipBlock: { cidr: '10.0.0.0/8' } }];
    const adminFrom = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }];
    const extraEgress = [{ to: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] }];
    const np = findObject(
      renderValues({
        networkPolicy: {
          enabled: true,
          proxyFrom,
          adminFrom,
          dnsTo: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          apiServer: { cidrs: ['172.18.0.2/32'], ports: [6443] },
          backendsTo: [{ namespaceSelector: { matchLabels: { backends: 'yes' } } }],
          extraEgress,
        },
      }),
      'NetworkPolicy',
    ) as NetworkPolicy;
    expect(np.spec.ingress[0]).toEqual({ ports: [{ port: 'proxy', protocol: 'TCP' }, { port: 'proxy-tls', protocol: 'TCP' }], from: proxyFrom });
    expect(np.spec.ingress[1]!.from).toEqual([{ podSelector: {} }, ...adminFrom]);
    expect(np.spec.egress[0]!.to).toEqual([{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
    expect(np.spec.egress[1]).toEqual({ ports: [{ port: 6443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '172.18.0.2/32' } }] });
    expect(np.spec.egress[2]).toEqual({ to: [{ namespaceSelector: { matchLabels: { backends: 'yes' } } }] });
    expect(np.spec.egress.slice(3)).toEqual(extraEgress);
  });

  it('standalone mode needs no API server egress', () => {
    const np = findObject(
      renderChart(['networkPolicy.enabled=true', 'mode=standalone', 'standalone.existingConfigMap=kong-yml']),
      'NetworkPolicy',
    ) as NetworkPolicy;
    expect(np.spec.egress.map(portsOf)).toEqual([[53, 53], []]);
  });
});

describe('mode: standalone', () => {
  const KONG_YML = '_format_version: "3.0"\nconsumers:\n  - username: alice\n';

  it('inline config: a ConfigMap mounted as a directory, the standalone command, no RBAC and no token', () => {
    const objs = renderValues({ mode: 'standalone', standalone: { config: KONG_YML } });
    const cm = findObject(objs, 'ConfigMap', 'portcullis-config') as K8sObject & { data: Record<string, string> };
    expect(cm.data).toEqual({ 'kong.yml': KONG_YML });
    const c = containerOf(objs);
    expect(c.args.slice(0, 3)).toEqual(['standalone', '--config', '/etc/portcullis/kong.yml']);
    expect(c.args).not.toContain('--lease-name');
    expect(c.args).not.toContain('controller');
    expect(c.env.map((e) => e.name)).not.toContain('POD_NAME');
    // The directory, read-only, never subPath (a subPath mount never sees the kubelet's ..data swap).
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/portcullis', readOnly: true });
    expect(c.volumeMounts.every((m) => m.subPath === undefined)).toBe(true);
    const pod = podOf(objs);
    expect(pod.volumes.find((v) => v.name === 'config')).toEqual({ name: 'config', configMap: { name: 'portcullis-config' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(objs.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io'))).toEqual([]);
    // Every replica serves: the replica count and PDB are as in controller mode.
    expect((deploymentOf(objs).spec as unknown as { replicas: number }).replicas).toBe(2);
    expect(objs.map((o) => o.kind)).toContain('PodDisruptionBudget');
  });

  it('existingConfigMap and configKey: no ConfigMap rendered, the named one mounted', () => {
    const objs = renderChart(['mode=standalone', 'standalone.existingConfigMap=edge-kong', 'standalone.configKey=gateway.yaml']);
    expect(objs.some((o) => o.kind === 'ConfigMap')).toBe(false);
    expect(podOf(objs).volumes.find((v) => v.name === 'config')?.configMap).toEqual({ name: 'edge-kong' });
    expect(containerOf(objs).args.slice(0, 3)).toEqual(['standalone', '--config', '/etc/portcullis/gateway.yaml']);
  });

  it('existingSecret: kong.yml with credentials comes from a Secret, mounted the same way', () => {
    const objs = renderChart(['mode=standalone', 'standalone.existingSecret=edge-kong-yml']);
    expect(objs.some((o) => o.kind === 'ConfigMap')).toBe(false);
    const vol = podOf(objs).volumes.find((v) => v.name === 'config');
    expect(vol).toEqual({ name: 'config', secret: { secretName: 'edge-kong-yml' } });
  });

  it.each([
    ['no source', ['mode=standalone'], 'needs exactly one of standalone.config, standalone.existingConfigMap and standalone.existingSecret'],
    [
      'two sources',
      ['mode=standalone', 'standalone.existingConfigMap=a', 'standalone.existingSecret=b'],
      'needs exactly one of standalone.config',
    ],
    ['standalone settings in controller mode', ['standalone.existingSecret=b'], 'only read with mode: standalone'],
    ['watchNamespace in standalone mode', ['mode=standalone', 'standalone.existingSecret=b', 'watchNamespace=demo'], 'apply to mode: controller only'],
    [
      'hostPolicy rules in standalone mode',
      ['mode=standalone', 'standalone.existingSecret=b', 'hostPolicy.rules[0].name=a', 'hostPolicy.rules[0].hosts={*}', 'hostPolicy.rules[0].namespaces={a}'],
      'apply to mode: controller only',
    ],
  ])('refuses %s', (_name, sets, message) => {
    expect(templateError(sets.flatMap((s) => ['--set', s]))).toContain(message);
  });
});

describe('values.schema.json for the new keys', () => {
  it.each([
    ['an unknown mode', ['--set', 'mode=dbless'], /mode/],
    ['an extra volume named like the chart\'s own', ['--set', 'extraVolumes[0].name=tmp,extraVolumes[0].emptyDir=null'], /extraVolumes/],
    ['a mount without mountPath', ['--set', 'extraVolumeMounts[0].name=x'], /mountPath/],
    ['a relative mountPath', ['--set', 'extraVolumeMounts[0].name=x,extraVolumeMounts[0].mountPath=x'], /mountPath/],
    ['a non-string common label', ['--set', 'commonLabels.tier=1'], /commonLabels/],
    ['admin.service.enabled as a string', ['--set-string', 'admin.service.enabled=yes'], /admin\/service\/enabled/],
    ['an unknown networkPolicy key', ['--set', 'networkPolicy.allowAll=true'], /allowAll/],
    ['an API server CIDR that is not one', ['--set', 'networkPolicy.apiServer.cidrs={kubernetes.default}'], /cidrs/],
    ['a Secret name that is not a DNS name', ['--set', 'mode=standalone,standalone.existingSecret=Kong_YML'], /existingSecret/],
    ['a configKey with a slash', ['--set', 'mode=standalone,standalone.existingSecret=a,standalone.configKey=a/b'], /configKey/],
    ['envFrom as a map', ['--set', 'envFrom.secretRef.name=x'], /envFrom/],
  ])('rejects %s', (_name, args, message) => {
    expect(templateError(args)).toMatch(message);
  });
});

describe('serviceAccount.tokenExpirationSeconds', () => {
  type Projected = { name: string; projected?: { sources: Array<Record<string, { expirationSeconds?: number; path?: string; name?: string }>> } };
  it('replaces the automounted token with a projected one of that lifetime, at the path in-cluster clients read', () => {
    const objs = renderChart(['serviceAccount.tokenExpirationSeconds=600']);
    const pod = podOf(objs);
    expect(pod.automountServiceAccountToken).toBe(false);
    const volume = (pod.volumes as Projected[]).find((v) => v.name === 'kube-api-access');
    const sources = volume?.projected?.sources ?? [];
    expect(sources.find((s) => s['serviceAccountToken'])?.['serviceAccountToken']).toEqual({ path: 'token', expirationSeconds: 600 });
    expect(sources.find((s) => s['configMap'])?.['configMap']?.name).toBe('kube-root-ca.crt');
    expect(containerOf(objs).volumeMounts).toContainEqual({ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
  });

  it('leaves the kubelet\'s automount alone by default and never mounts a token in standalone mode', () => {
    const byDefault = podOf(renderChart([]));
    expect(byDefault.automountServiceAccountToken).toBeUndefined();
    expect(byDefault.volumes.map((v) => v.name)).not.toContain('kube-api-access');
    const standalone = podOf(renderChart(['mode=standalone', 'standalone.existingSecret=b', 'serviceAccount.tokenExpirationSeconds=600']));
    expect(standalone.automountServiceAccountToken).toBe(false);
    expect(standalone.volumes.map((v) => v.name)).not.toContain('kube-api-access');
  });

  it('refuses a lifetime the API server would refuse, naming the value', () => {
    expect(templateError(['--set', 'serviceAccount.tokenExpirationSeconds=60'])).toContain('serviceAccount.tokenExpirationSeconds (60) must be at least 600');
  });
});
