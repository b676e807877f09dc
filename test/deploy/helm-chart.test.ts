import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HELM_BUILD_TIMEOUT_MS,
  LOCAL_IMAGE_SET,
  chartDir,
  findObject,
  helm,
  helmBinary,
  parseManifests,
  renderChart,
  type K8sObject,
} from './helm.js';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Exactly what the controller uses in the namespaces it watches (no more). */
const WATCH_RULES: PolicyRule[] = [
  { apiGroups: ['portcullis.dev'], resources: ['kongconsumers', 'jwtcredentials', 'routes'], verbs: ['get', 'list', 'watch'] },
  {
    apiGroups: ['portcullis.dev'],
    resources: ['kongconsumers/status', 'jwtcredentials/status', 'routes/status'],
    verbs: ['patch', 'update'],
  },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];
const LEADER_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

type Container = {
  name: string;
  image: string;
  imagePullPolicy: string;
  args: string[];
  command?: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
  resources: Record<string, unknown>;
};
type PodSpec = {
  containers: Container[];
  volumes: Array<{ name: string; emptyDir?: unknown }>;
  securityContext: Record<string, unknown>;
  terminationGracePeriodSeconds: number;
  serviceAccountName: string;
  topologySpreadConstraints: Array<Record<string, unknown>>;
};
type Deployment = K8sObject & {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { spec: PodSpec } };
};
type Service = K8sObject & {
  spec: { type: string; ports: Array<{ name: string; port: number; targetPort: string; nodePort?: number }> };
};
type Binding = K8sObject & {
  roleRef: { kind: string; name: string };
  subjects: Array<{ kind: string; name: string; namespace: string }>;
};

const deploymentOf = (objs: K8sObject[]) => findObject(objs, 'Deployment') as Deployment;
const containerOf = (objs: K8sObject[]) => deploymentOf(objs).spec.template.spec.containers[0]!;
const rulesOf = (o: K8sObject) => (o as K8sObject & { rules: PolicyRule[] }).rules;

beforeAll(() => {
  helmBinary();
}, HELM_BUILD_TIMEOUT_MS);

describe('helm lint', () => {
  it.each([
    ['defaults', []],
    ['watchNamespace=demo', ['--set', 'watchNamespace=demo']],
    [
      'everything optional on',
      ['--set', 'autoscaling.enabled=true,serviceMonitor.enabled=true,service.type=NodePort,networkPolicy.enabled=true,admin.service.enabled=true'],
    ],
    ['mode=standalone', ['--set', 'mode=standalone,standalone.config=_format_version: "3.0",networkPolicy.enabled=true']],
  ])('passes --strict with %s', (_name, extra) => {
    const r = helm(['lint', chartDir, '--strict', ...extra]);
    expect(r.stderr + r.stdout).toContain('0 chart(s) failed');
    expect(r.code).toBe(0);
  });
});

describe('RBAC', () => {
  it('defaults: ClusterRole + ClusterRoleBinding with exactly the watch rules, Lease Role in the release namespace', () => {
    const objs = renderChart();
    const kinds = objs.map((o) => o.kind);
    expect(kinds).toContain('ClusterRole');
    const clusterRole = findObject(objs, 'ClusterRole', 'portcullis');
    expect(rulesOf(clusterRole)).toEqual(WATCH_RULES);
    const crb = findObject(objs, 'ClusterRoleBinding', 'portcullis') as Binding;
    expect(crb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'portcullis' });
    expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'portcullis', namespace: 'portcullis' }]);

    // The only namespaced Role is the leader-election one.
    const roles = objs.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.name)).toEqual(['portcullis-leader-election']);
    expect(roles[0]!.metadata.namespace).toBe('portcullis');
    expect(rulesOf(roles[0]!)).toEqual(LEADER_RULES);
    const rb = findObject(objs, 'RoleBinding', 'portcullis-leader-election') as Binding;
    expect(rb.metadata.namespace).toBe('portcullis');
    expect(rb.roleRef.name).toBe('portcullis-leader-election');
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'portcullis', namespace: 'portcullis' }]);
    expect(containerOf(objs).args).not.toContain('--namespace');
  });

  it('watchNamespace=demo: Role + RoleBinding in demo with the same rules, no cluster-wide objects', () => {
    const objs = renderChart(['watchNamespace=demo']);
    expect(objs.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const role = findObject(objs, 'Role', 'portcullis');
    expect(role.metadata.namespace).toBe('demo');
    expect(rulesOf(role)).toEqual(WATCH_RULES);
    const rb = findObject(objs, 'RoleBinding', 'portcullis') as Binding;
    expect(rb.metadata.namespace).toBe('demo');
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'portcullis' });
    // The ServiceAccount lives in the release namespace, not the watched one.
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'portcullis', namespace: 'portcullis' }]);
    const leader = findObject(objs, 'Role', 'portcullis-leader-election');
    expect(leader.metadata.namespace).toBe('portcullis');
    expect(rulesOf(leader)).toEqual(LEADER_RULES);

    const args = containerOf(objs).args;
    expect(args.slice(args.indexOf('--namespace'), args.indexOf('--namespace') + 2)).toEqual(['--namespace', 'demo']);
  });

  it('rbac.create=false renders no RBAC objects', () => {
    const objs = renderChart(['rbac.create=false']);
    expect(objs.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io'))).toEqual([]);
  });
});

describe('Deployment', () => {
  it('runs the controller hardened, probed and spread', () => {
    const objs = renderChart();
    const dep = deploymentOf(objs);
    expect(dep.metadata.namespace).toBe('portcullis');
    expect(dep.spec.replicas).toBe(2);
    const pod = dep.spec.template.spec;
    const c = pod.containers[0]!;
    expect(c.image).toBe(`portcullis:${chartAppVersion()}`);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.args).toEqual([
      'controller',
      '--proxy-listen',
      '0.0.0.0:8000',
      '--proxy-listen-tls',
      '0.0.0.0:8443',
      '--admin-listen',
      '0.0.0.0:8001',
      '--status-listen',
      '0.0.0.0:8100',
      '--lease-name',
      'portcullis-leader',
      '--admin-allowed-hosts',
      'portcullis-internal,portcullis-internal.portcullis,portcullis-internal.portcullis.svc,portcullis-internal.portcullis.svc.cluster.local',
    ]);
    expect(c.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      // 60 % of limits.memory 512Mi (helm-heap.test.ts).
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=307' },
      { name: 'PORTCULLIS_SHUTDOWN_DELAY', value: '10' },
      { name: 'PORTCULLIS_DRAIN_SECONDS', value: '10' },
    ]);
    expect(c.ports.map((p) => [p.name, p.containerPort])).toEqual([
      ['proxy', 8000],
      ['proxy-tls', 8443],
      ['admin', 8001],
      ['status', 8100],
    ]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'status' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'status' });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(c.resources).toHaveProperty('requests');
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes.find((v) => v.name === 'tmp')?.emptyDir).toBeDefined();
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.serviceAccountName).toBe('portcullis');
    expect(pod.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: dep.spec.selector.matchLabels },
      },
    ]);
  });

  it.each([
    ['adminExposeSecrets=true', ['--admin-expose-secrets']],
    ['underscoreHeaders=keep', ['--underscore-headers', 'keep']],
    ['upstreamTlsVerify=false', ['--upstream-tls-verify', 'off']],
    ['jwks.allowHttp=true', ['--jwks-allow-http', 'on']],
    ['http2.h2c=true', ['--proxy-h2c', 'on']],
    ['http2.tls=false', ['--proxy-http2', 'off']],
    ['admin.explain=false', ['--admin-explain', 'off']],
    ['leaderElection.leaseName=edge-leader', ['--lease-name', 'edge-leader']],
    ['extraArgs={--foo,bar}', ['--foo', 'bar']],
    [
      'adminAllowedHosts={admin.example.com}',
      ['--admin-allowed-hosts', 'portcullis-internal,portcullis-internal.portcullis,portcullis-internal.portcullis.svc,portcullis-internal.portcullis.svc.cluster.local,admin.example.com'],
    ],
    ['internalService.enabled=false,adminAllowedHosts={a.example,b.example}', ['--admin-allowed-hosts', 'a.example,b.example']],
  ])('%s adds %j to the args', (set, expected) => {
    const args = containerOf(renderChart([set])).args;
    const at = args.indexOf(expected[0]!);
    expect(at).toBeGreaterThan(0);
    expect(args.slice(at, at + expected.length)).toEqual(expected);
  });

  it('singleThreadedGC: the image ENTRYPOINT (node --single-threaded-gc) by default, node with its GC threads when false', () => {
    expect(containerOf(renderChart([])).command).toBeUndefined();
    const c = containerOf(renderChart(['singleThreadedGC=false']));
    expect(c.command).toEqual(['node', 'dist/cli.js']);
    expect(c.args).toContain('controller');
  });

  it('without the internal Service and extra names, passes no --admin-allowed-hosts (localhost and IPs only)', () => {
    expect(containerOf(renderChart(['internalService.enabled=false'])).args).not.toContain('--admin-allowed-hosts');
  });

  it('shutdown: the delay and drain reach the container; the grace period must outlast both', () => {
    const c = containerOf(renderChart(['shutdown.delaySeconds=5', 'shutdown.drainSeconds=20', 'terminationGracePeriodSeconds=40']));
    expect(c.env.filter((e) => e.name.startsWith('PORTCULLIS_'))).toEqual([
      { name: 'PORTCULLIS_SHUTDOWN_DELAY', value: '5' },
      { name: 'PORTCULLIS_DRAIN_SECONDS', value: '20' },
    ]);
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, '--set', 'shutdown.delaySeconds=15', '--set', 'terminationGracePeriodSeconds=25']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('terminationGracePeriodSeconds (25) must exceed shutdown.delaySeconds + shutdown.drainSeconds (25)');
  });

  it('image.tag and image.digest override the appVersion tag', () => {
    expect(containerOf(renderChart(['image.repository=localhost:5000/portcullis', 'image.tag=dev'])).image).toBe('localhost:5000/portcullis:dev');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(containerOf(renderChart([`image.digest=${digest}`])).image).toBe(`portcullis@${digest}`);
  });

  // No image is published yet: with the defaults the chart must refuse with the fix, not render a
  // Deployment that ends in ImagePullBackOff (docs/install.md#container-image).
  it('without image.repository: fails at render time and says how to build and load the image', () => {
    const r = helm(['template', 'portcullis', chartDir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('image.repository is not set');
    expect(r.stderr).toContain(`docker build -t portcullis:${chartAppVersion()} .`);
    expect(r.stderr).toContain(`kind load docker-image portcullis:${chartAppVersion()}`);
    expect(r.stderr).toContain('docs/install.md#container-image');
    const values = parseManifests(readFileSync(join(chartDir, 'values.yaml'), 'utf8'))[0] as unknown as { image: { repository: string } };
    expect(values.image.repository).toBe('');
  });

  it('autoscaling: an HPA owns the replica count', () => {
    const objs = renderChart(['autoscaling.enabled=true', 'autoscaling.maxReplicas=5']);
    expect(deploymentOf(objs).spec.replicas).toBeUndefined();
    const hpa = findObject(objs, 'HorizontalPodAutoscaler') as K8sObject & {
      spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: { name: string } };
    };
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, scaleTargetRef: { name: 'portcullis' } });
    expect(renderChart().some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  it('PodDisruptionBudget selects the pods; minAvailable and maxUnavailable are exclusive', () => {
    const objs = renderChart();
    const pdb = findObject(objs, 'PodDisruptionBudget') as K8sObject & { spec: Record<string, unknown> };
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: deploymentOf(objs).spec.selector });
    const min = findObject(renderChart(['podDisruptionBudget.minAvailable=1', 'podDisruptionBudget.maxUnavailable=null']), 'PodDisruptionBudget');
    expect((min as K8sObject & { spec: Record<string, unknown> }).spec.minAvailable).toBe(1);
    expect(() => renderChart(['podDisruptionBudget.minAvailable=1'])).toThrow(/only one of minAvailable and maxUnavailable/);
  });
});

describe('Services', () => {
  it.each([
    ['LoadBalancer', [], 'LoadBalancer', undefined],
    ['NodePort with a fixed port', ['service.type=NodePort', 'service.nodePort=30080'], 'NodePort', 30080],
    ['ClusterIP (nodePort ignored)', ['service.type=ClusterIP', 'service.nodePort=30080'], 'ClusterIP', undefined],
  ])('proxy Service: %s', (_name, sets, type, nodePort) => {
    const svc = findObject(renderChart(sets), 'Service', 'portcullis') as Service;
    expect(svc.spec.type).toBe(type);
    expect(svc.spec.ports).toHaveLength(2);
    expect(svc.spec.ports[0]).toMatchObject({ name: 'proxy', port: 80, targetPort: 'proxy' });
    expect(svc.spec.ports[0]!.nodePort).toBe(nodePort);
    // The TLS listener's port (docs/tls.md; test/deploy/helm-tls.test.ts).
    expect(svc.spec.ports[1]).toMatchObject({ name: 'proxy-tls', port: 443, targetPort: 'proxy-tls' });
  });

  it('internal ClusterIP Service carries status, and admin only when asked (admin.service.enabled)', () => {
    const svc = findObject(renderChart(), 'Service', 'portcullis-internal') as Service;
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort])).toEqual([['status', 8100, 'status']]);
    const withAdmin = findObject(renderChart(['admin.service.enabled=true']), 'Service', 'portcullis-internal') as Service;
    expect(withAdmin.spec.ports.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['admin', 8001, 'admin'],
      ['status', 8100, 'status'],
    ]);
  });

  it('ServiceMonitor scrapes /metrics on the internal status port when enabled', () => {
    expect(renderChart().some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const objs = renderChart(['serviceMonitor.enabled=true']);
    const sm = findObject(objs, 'ServiceMonitor') as K8sObject & {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<Record<string, unknown>> };
    };
    expect(sm.spec.endpoints).toEqual([{ port: 'status', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
    // The selector matches the internal Service only.
    const services = objs.filter((o) => o.kind === 'Service');
    const selected = services.filter((s) =>
      Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
    );
    expect(selected.map((s) => s.metadata.name)).toEqual(['portcullis-internal']);
  });
});

describe('values.schema.json', () => {
  it.each([
    ['replicaCount as a string', ['--set-string', 'replicaCount=two'], /replicaCount.*want integer/],
    ['unknown service type', ['--set', 'service.type=Ingress'], /service\/type/],
    ['unknown top-level key', ['--set', 'replicas=2'], /additional properties 'replicas' not allowed/],
    ['bad pull policy', ['--set', 'image.pullPolicy=Sometimes'], /pullPolicy/],
    ['a tag inside image.repository', ['--set', 'image.repository=portcullis:0.1.0'], /image\/repository/],
    ['watchNamespace not a DNS label', ['--set', 'watchNamespace=Demo_NS'], /watchNamespace/],
    ['port out of range', ['--set', 'service.port=70000'], /service\/port/],
    ['unknown underscoreHeaders mode', ['--set', 'underscoreHeaders=on'], /underscoreHeaders/],
    ['http2.h2c not a boolean', ['--set-string', 'http2.h2c=yes'], /http2\/h2c/],
  ])('rejects %s', (_name, args, message) => {
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('covers every key of values.yaml', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
      properties: Record<string, { properties?: Record<string, unknown>; $ref?: string }>;
    };
    const values = parseManifests(readFileSync(join(chartDir, 'values.yaml'), 'utf8'))[0] as unknown as Record<
      string,
      unknown
    >;
    for (const [key, value] of Object.entries(values)) {
      expect(schema.properties, key).toHaveProperty(key);
      const sub = schema.properties[key]!;
      // Objects the chart interprets itself list their keys; pass-through Kubernetes fragments use $ref.
      if (value && typeof value === 'object' && !Array.isArray(value) && sub.properties) {
        for (const inner of Object.keys(value)) expect(sub.properties, `${key}.${inner}`).toHaveProperty(inner);
      }
    }
  });
});

describe('labels', () => {
  it('every object carries the recommended labels', () => {
    for (const o of renderChart(['serviceMonitor.enabled=true', 'autoscaling.enabled=true'])) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/name': 'portcullis',
        'app.kubernetes.io/instance': 'portcullis',
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': expect.stringMatching(/^portcullis-\d+\.\d+\.\d+/),
        'app.kubernetes.io/version': chartAppVersion(),
      });
    }
  });
});

describe('NOTES.txt', () => {
  // `helm template` does not render NOTES.txt, and `helm install --dry-run` needs a cluster; so
  // render it through `tpl` from a ConfigMap template in a throwaway copy of the chart.
  function renderNotes(sets: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-notes-'));
    try {
      const chart = join(dir, 'portcullis');
      cpSync(chartDir, chart, { recursive: true });
      cpSync(join(chart, 'templates/NOTES.txt'), join(chart, 'notes.txt'));
      writeFileSync(
        join(chart, 'templates/zz-notes.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata:\n  notes: {{ tpl (.Files.Get "notes.txt") . | quote }}\n',
      );
      const objs = renderChart(sets, { chart, extra: ['--show-only', 'templates/zz-notes.yaml'] });
      return (findObject(objs, 'ConfigMap', 'notes') as K8sObject & { data: { notes: string } }).data.notes;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.each([
    ['LoadBalancer', '.status.loadBalancer.ingress[0]'],
    ['NodePort', '.spec.ports[0].nodePort'],
    ['ClusterIP', 'port-forward svc/portcullis 8000:80'],
  ])('tells how to reach a %s proxy and mint a token', (type, hint) => {
    const notes = renderNotes([`service.type=${type}`]);
    expect(notes).toContain(hint);
    expect(notes).toContain('kubectl -n portcullis exec deploy/portcullis -- node dist/cli.js token --key K --secret S');
    expect(notes).toContain('npx portcullis token');
  });

  it('reaches the admin API through the pod unless admin.service.enabled puts it on the internal Service', () => {
    expect(renderNotes([])).toContain('port-forward deploy/portcullis 8001:8001 8100:8100');
    expect(renderNotes(['admin.service.enabled=true'])).toContain('port-forward svc/portcullis-internal 8001:8001 8100:8100');
  });

  it('names the image and tells how to see whether the nodes could pull it', () => {
    const notes = renderNotes(['image.tag=dev', 'image.pullPolicy=Never']);
    expect(notes).toContain('Image: portcullis:dev (pullPolicy Never)');
    expect(notes).toContain('kubectl -n portcullis get events --field-selector involvedObject.kind=Pod,reason=Failed');
    expect(notes).toContain('ImagePullBackOff');
  });

  it('in standalone mode, names the kong.yml source and no watch, Lease or CRs', () => {
    const notes = renderNotes(['mode=standalone', 'standalone.existingConfigMap=my-kong']);
    expect(notes).toContain('It runs standalone from kong.yml (ConfigMap "my-kong", key kong.yml)');
    expect(notes).not.toContain('It watches');
    expect(notes).not.toContain('Lease');
    expect(notes).toContain('/debug/diagnostics');
  });

  it('says what helm uninstall leaves behind', () => {
    const notes = renderNotes([]);
    expect(notes).toContain('helm uninstall portcullis -n portcullis');
    expect(notes).toContain('the Lease portcullis-leader in portcullis');
  });
});

function chartAppVersion(): string {
  const chart = parseManifests(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'))[0] as unknown as {
    appVersion: string;
  };
  return chart.appVersion;
}
