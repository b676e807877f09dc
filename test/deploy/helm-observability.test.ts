import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, findObject, helm, helmBinary, HELM_BUILD_TIMEOUT_MS, LOCAL_IMAGE_SET, renderChart, repoRoot, run, type K8sObject } from './helm.js';

/**
 * The chart's metrics.grafanaDashboard and metrics.prometheusRule values (docs/observability.md):
 * off by default, what each knob changes in the rendered objects, and what the schema refuses.
 * That every query names exported series is test/deploy/observability-queries.test.ts's job.
 */
interface Rule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type PrometheusRule = K8sObject & { spec: { groups: Array<{ name: string; rules: Rule[] }> } };
const rulesOf = (objs: K8sObject[]) => (findObject(objs, 'PrometheusRule') as PrometheusRule).spec.groups.flatMap((g) => g.rules);

beforeAll(() => void helmBinary(), HELM_BUILD_TIMEOUT_MS);

describe('metrics.grafanaDashboard', () => {
  it('is off by default, and so is the PrometheusRule', () => {
    const objs = renderChart();
    expect(objs.filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
    expect(objs.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard'))).toEqual([]);
  });

  it('dashboards/portcullis.json is what scripts/gen-dashboard.mjs writes (edit the script, then run it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-dashboard-'));
    try {
      const out = join(dir, 'portcullis.json');
      const r = run(process.execPath, [join(repoRoot, 'scripts/gen-dashboard.mjs'), out]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(chartDir, 'dashboards/portcullis.json'), 'utf8')).toBe(readFileSync(out, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders a ConfigMap for the sidecar: its labels, annotations and namespace are settable', () => {
    const cm = findObject(
      renderChart([
        'metrics.grafanaDashboard.enabled=true',
        'metrics.grafanaDashboard.namespace=monitoring',
        'metrics.grafanaDashboard.labels.grafana_dashboard=null',
        'metrics.grafanaDashboard.labels.dashboards=edge',
        'metrics.grafanaDashboard.annotations.grafana_folder=Gateways',
      ]),
      'ConfigMap',
      'portcullis-dashboard',
    ) as K8sObject & { data: Record<string, string>; metadata: { annotations?: Record<string, string> } };
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.labels).toMatchObject({ dashboards: 'edge', 'app.kubernetes.io/instance': 'portcullis' });
    expect(cm.metadata.labels).not.toHaveProperty('grafana_dashboard');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Gateways' });
    expect(JSON.parse(cm.data['portcullis.json']!)).toMatchObject({ uid: 'portcullis-gateway', title: 'Portcullis gateway' });
  });
});

describe('metrics.prometheusRule', () => {
  it('selects the release by namespace and internal Service by default, as the ServiceMonitor scrapes it', () => {
    const objs = renderChart(['metrics.prometheusRule.enabled=true', 'serviceMonitor.enabled=true']);
    const rule = findObject(objs, 'PrometheusRule');
    expect(rule).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', metadata: { name: 'portcullis', namespace: 'portcullis' } });
    const internal = findObject(objs, 'Service', 'portcullis-internal');
    const monitor = findObject(objs, 'ServiceMonitor') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } };
    // prometheus-operator names the job after the Service the ServiceMonitor selected.
    expect(internal.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    for (const r of rulesOf(objs)) {
      expect(r.expr, r.alert).toContain(`namespace="portcullis", job="${internal.metadata.name}"`);
      expect(r.expr, r.alert).not.toMatch(/\{\s*\}/);
    }
  });

  it('selector, alertLabels, labels, runbookBaseUrl and the thresholds reach every alert', () => {
    const objs = renderChart([
      'metrics.prometheusRule.enabled=true',
      'metrics.prometheusRule.selector=cluster="eu-1"\\, service="edge"',
      'metrics.prometheusRule.alertLabels.team=edge',
      'metrics.prometheusRule.labels.release=kube-prometheus-stack',
      'metrics.prometheusRule.runbookBaseUrl=https://docs.example/observability.md',
      'metrics.prometheusRule.authFailureRatio=0.5',
      'metrics.prometheusRule.serverErrorRatio=0.01',
    ]);
    expect(findObject(objs, 'PrometheusRule').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const rules = rulesOf(objs);
    for (const r of rules) {
      expect(r.expr, r.alert).toContain('{cluster="eu-1", service="edge"');
      expect(r.expr, r.alert).not.toContain('job=');
      expect(r.labels, r.alert).toMatchObject({ team: 'edge' });
      expect(r.annotations.runbook_url, r.alert).toBe(`https://docs.example/observability.md#${r.alert.toLowerCase()}`);
    }
    expect(rules.find((r) => r.alert === 'PortcullisAuthFailureSpike')!.expr).toMatch(/\) > 0\.5\n/);
    expect(rules.find((r) => r.alert === 'PortcullisHighServerErrorRate')!.expr).toMatch(/\) > 0\.01\n/);
  });

  it('without runbookBaseUrl no runbook_url; the annotations keep their Prometheus templates for Prometheus', () => {
    for (const r of rulesOf(renderChart(['metrics.prometheusRule.enabled=true']))) {
      expect(r.annotations, r.alert).not.toHaveProperty('runbook_url');
      expect(r.annotations.summary, r.alert).toMatch(/\{\{ (\$labels\.[a-z]+|\$value)/);
    }
  });

  it('certificate expiry warns under 14 days and is critical under 3', () => {
    const expiring = rulesOf(renderChart(['metrics.prometheusRule.enabled=true'])).filter((r) => r.alert === 'PortcullisCertificateExpiring');
    expect(expiring.map((r) => [r.labels.severity, /< (\d+) \* 86400/.exec(r.expr)?.[1]])).toEqual([
      ['warning', '14'],
      ['critical', '3'],
    ]);
  });

  it('the controller-only alerts are left out in standalone mode', () => {
    const names = (sets: string[]) => rulesOf(renderChart(['metrics.prometheusRule.enabled=true', ...sets])).map((r) => r.alert);
    const controllerOnly = ['PortcullisNoLeader', 'PortcullisMultipleLeaders', 'PortcullisKubeWatchFailing'];
    expect(names([])).toEqual(expect.arrayContaining(controllerOnly));
    const standalone = names(['mode=standalone', 'standalone.existingConfigMap=edge']);
    for (const a of controllerOnly) expect(standalone).not.toContain(a);
    expect(standalone).toContain('PortcullisSnapshotDiverged');
  });

  it.each([
    ['--set', 'metrics.prometheusRule.authFailureRatio=0', 'authFailureRatio'],
    ['--set', 'metrics.prometheusRule.serverErrorRatio=2', 'serverErrorRatio'],
    ['--set', 'metrics.prometheusRule.serverErrorRatio=1.5', 'serverErrorRatio'],
    ['--set', 'metrics.prometheusRule.serverErrorRatio=5%', 'serverErrorRatio'],
    ['--set-string', 'metrics.prometheusRule.selector={job="x"}', 'selector'],
    ['--set', 'metrics.grafanaDashboard.enabeld=true', 'enabeld'],
  ])('the schema refuses %s %s', (flag, set, field) => {
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, flag, set]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(field);
  });

  it('helm lint --strict passes with both on, in both modes', () => {
    for (const sets of [[], ['mode=standalone', 'standalone.existingSecret=edge']]) {
      const args = ['metrics.grafanaDashboard.enabled=true', 'metrics.prometheusRule.enabled=true', 'serviceMonitor.enabled=true', ...sets].flatMap((s) => ['--set', s]);
      const r = helm(['lint', '--strict', chartDir, ...LOCAL_IMAGE_SET, ...args]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });
});
