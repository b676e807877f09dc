import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import { applyManifests, startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { startGateway, waitFor, type GatewayProcess } from '../support/gateway-process.js';
import { refusedPort, startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { scenarioManifests } from '../support/modes.js';
import {
  checkLabelValues,
  checkQuery,
  mergeExported,
  parseExposition,
  printedLabels,
  substituteGrafanaIntervals,
  type CheckContext,
  type Exported,
} from '../support/promql-check.js';
import { startStandalone, type StandaloneGateway } from '../support/standalone.js';
import { PROMETHEUS_RULE_CRD } from '../support/prometheus-rule-crd.js';
import { makeCert } from '../support/tls.js';
import { closed, openWs, roundTrip, startWsUpstream, wsBase, type WsUpstream } from '../support/ws-peers.js';
import { chartDir, findObject, HELM_BUILD_TIMEOUT_MS, helmBinary, releaseNamespace, renderChart, repoRoot, toYamlStream, type K8sObject } from './helm.js';

/**
 * The chart's Grafana dashboard and PrometheusRule (docs/observability.md) against what real
 * gateways export: a standalone one (--workers 2, a TLS certificate, a WebSocket route) and a
 * controller against a real kube-apiserver (so the Kubernetes watch and leader series exist) get
 * traffic that makes every series appear (a 200, an auth failure, a 502, a tunnel, a reload
 * failure, a list failure of a CRD not yet installed); their /metrics are scraped, and every
 * metric, label matcher, grouping label and printed label of every dashboard query, template
 * variable and alert (parsed by Prometheus's own PromQL grammar) must be among what they export.
 */

/** Labels Prometheus adds from the scrape target (ServiceMonitor: namespace, job = Service, pod). */
const TARGET_LABELS = ['namespace', 'job', 'pod'] as const;
/** Series Prometheus makes itself for every target. */
const SYNTHETIC = ['up'] as const;
const SECRET = 'observability-secret-0123456789';
const token = mintToken({ algorithm: 'HS256', key: 'obs-key', secret: SECRET, expiresInSeconds: 3600 });

interface Dashboard {
  panels: Array<{ title: string; type: string; targets?: Array<{ expr: string; legendFormat?: string }> }>;
  templating: { list: Array<{ name: string; type: string; query: string | { query: string } }> };
}
interface Rule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type PrometheusRule = K8sObject & { spec: { groups: Array<{ name: string; rules: Rule[] }> } };

const dashboardFile = readFileSync(join(chartDir, 'dashboards/portcullis.json'), 'utf8');

function renderMonitoring(mode: 'controller' | 'standalone'): { dashboard: Dashboard; configMap: K8sObject; rule: PrometheusRule } {
  const objs = renderChart([
    `mode=${mode}`,
    ...(mode === 'standalone' ? ['standalone.existingConfigMap=edge-kong-yml'] : []),
    'metrics.grafanaDashboard.enabled=true',
    'metrics.prometheusRule.enabled=true',
  ]);
  const configMap = findObject(objs, 'ConfigMap', 'portcullis-dashboard');
  const dashboard = JSON.parse((configMap as K8sObject & { data: Record<string, string> }).data['portcullis.json']!) as Dashboard;
  return { dashboard, configMap, rule: findObject(objs, 'PrometheusRule') as PrometheusRule };
}

const scrape = async (gw: GatewayProcess): Promise<string> => (await fetch(`${gw.status}/metrics`)).text();
/** Value of the first sample line matching `re` (a whole-line pattern), or undefined. */
function sample(text: string, re: RegExp): number | undefined {
  const line = text.split('\n').find((l) => re.test(l));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const queriesOf = (d: Dashboard) =>
  d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr, printed: printedLabels(t.legendFormat ?? '') })));
const variableQueries = (d: Dashboard) =>
  d.templating.list.filter((v) => v.type === 'query').map((v) => ({ name: v.name, query: typeof v.query === 'string' ? v.query : v.query.query }));
const rulesOf = (r: PrometheusRule) => r.spec.groups.flatMap((g) => g.rules);

function dashboardProblems(d: Dashboard, ctx: CheckContext): string[] {
  return [
    ...queriesOf(d).flatMap((q) => checkQuery(substituteGrafanaIntervals(q.expr), q.printed, ctx).map((p) => `${q.where}: ${q.expr}: ${p}`)),
    ...variableQueries(d).flatMap((v) => checkLabelValues(v.query, ctx).map((p) => `variable ${v.name}: ${v.query}: ${p}`)),
  ];
}

function ruleProblems(r: PrometheusRule, ctx: CheckContext): string[] {
  return rulesOf(r).flatMap((rule) => {
    const printed = Object.values(rule.annotations).flatMap(printedLabels);
    return checkQuery(rule.expr, printed, ctx).map((p) => `${rule.alert}/${rule.labels.severity}: ${p}`);
  });
}

let standalone: StandaloneGateway;
let controller: GatewayProcess | undefined;
let cp: ControlPlane | undefined;
let echo: EchoUpstream;
let ws: WsUpstream;
let standaloneText = '';
let controllerText = '';
let standaloneSeries: Exported;
let controllerSeries: Exported;
const ctxOf = (exported: Exported): CheckContext => ({ exported, targetLabels: TARGET_LABELS, synthetic: SYNTHETIC });

function kongYml(deadPort: number, cert: { cert: string; key: string }): object {
  return {
    _format_version: '3.0',
    certificates: [{ ...cert, snis: ['metrics.example.com'] }],
    services: [
      { name: 'api', url: echo.url, routes: [{ name: 'api', paths: ['/api'], plugins: [{ name: 'jwt' }] }] },
      { name: 'broken', url: `http://127.0.0.1:${deadPort}`, routes: [{ name: 'broken', paths: ['/broken'] }] },
      { name: 'chat', url: ws.url, routes: [{ name: 'chat', paths: ['/chat'] }] },
    ],
    consumers: [{ username: 'obs', jwt_secrets: [{ key: 'obs-key', algorithm: 'HS256', secret: SECRET }] }],
  };
}

/** An authenticated 200, an auth failure (401), a 502 and a no-route 404. */
async function driveHttp(base: string): Promise<void> {
  for (let i = 0; i < 3; i++) expect((await fetch(`${base}/api/x`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  expect((await fetch(`${base}/api/x`)).status).toBe(401);
  expect((await fetch(`${base}/api/x`, { headers: { authorization: 'Bearer not.a.jwt' } })).status).toBe(401);
  expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
}

async function startStandaloneAndDrive(): Promise<void> {
  const deadPort = await refusedPort();
  const cert = makeCert('metrics.example.com');
  standalone = await startStandalone(kongYml(deadPort, cert), { args: ['--workers', '2'], env: { PORTCULLIS_ACCESS_LOG: 'off' } });
  await driveHttp(standalone.proxy);
  expect((await fetch(`${standalone.proxy}/broken`)).status).toBe(502);
  const tunnel = await openWs(`${wsBase(standalone.proxy)}/chat/room`);
  expect(await roundTrip(tunnel, 'hi')).toBe('echo:hi');
  tunnel.close(1000, 'done');
  await closed(tunnel);
  // A kong.yml that does not parse: counted as a failed reload, the previous snapshot keeps serving.
  const good = readFileSync(standalone.configPath, 'utf8');
  await writeFile(standalone.configPath, '_format_version: "3.0"\nservices: [unclosed\n');
  await waitFor(async () => (sample(await scrape(standalone), /^portcullis_snapshot_reload_failures_total /) ?? 0) >= 1, 15_000);
  await writeFile(standalone.configPath, good);
  await waitFor(async () => (sample(await scrape(standalone), /^portcullis_websocket_tunnels_closed_total\{/) ?? 0) >= 1, 5_000);
  standaloneText = await scrape(standalone);
}

async function startControllerAndDrive(): Promise<void> {
  cp = await startControlPlane();
  const fieldManager = 'portcullis-observability-test';
  // Routes' CRD comes later: until then listing routes fails (404), the list-failure series.
  for (const f of ['kongconsumers.yaml', 'jwtcredentials.yaml']) await applyManifests(cp.kubeConfig, readFileSync(join(repoRoot, 'crds', f), 'utf8'), { fieldManager });
  const ns = 'obs';
  await applyManifests(cp.kubeConfig, `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n`, { fieldManager });
  // A 2 s idle timeout makes the API server end each watch after about a second: the watch-end series.
  controller = await startGateway(
    ['controller', '--kubeconfig', cp.kubeconfigPath, '--namespace', ns, '--lease-name', 'obs-leader', '--watch-idle-timeout', '2'],
    { env: { PORTCULLIS_ACCESS_LOG: 'off' }, waitReady: false, timeoutMs: 30_000 },
  );
  const gw = controller;
  await waitFor(async () => (sample(await scrape(gw), /^portcullis_kube_list_failures_total\{resource="routes"\}/) ?? 0) >= 1, 20_000);
  await applyManifests(cp.kubeConfig, readFileSync(join(repoRoot, 'crds', 'routes.yaml'), 'utf8'), { fieldManager });
  await applyManifests(
    cp.kubeConfig,
    scenarioManifests(ns, {
      routes: [{ name: 'api', paths: ['/api'], url: echo.url, jwt: {} }],
      consumers: [{ username: 'obs', credentials: [{ key: 'obs-key', secret: SECRET }] }],
    }),
    { fieldManager },
  );
  await waitFor(async () => (await fetch(`${gw.status}/readyz`)).ok, 30_000);
  await waitFor(async () => (await fetch(`${gw.proxy}/api/x`, { headers: { authorization: `Bearer ${token}` } })).status === 200, 20_000);
  await driveHttp(gw.proxy);
  await waitFor(async () => {
    const text = await scrape(gw);
    // A watch the server closed (idle timeout): other ends (gone after the CRD arrived) can come first.
    return sample(text, /^portcullis_leader /) === 1 && sample(text, /^portcullis_kube_watch_ends_total\{resource="[a-z]+",end="closed"\}/) !== undefined;
  }, 20_000);
  controllerText = await scrape(gw);
}

beforeAll(async () => {
  helmBinary();
  echo = await startEchoUpstream();
  ws = await startWsUpstream();
  await startStandaloneAndDrive();
  await startControllerAndDrive();
  standaloneSeries = parseExposition(standaloneText);
  controllerSeries = parseExposition(controllerText);
}, HELM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await Promise.allSettled([standalone?.close(), controller?.stop()]);
  await cp?.stop();
  await Promise.allSettled([echo?.close(), ws?.close()]);
});

describe('what the gateways export after the traffic', () => {
  it('every kind of event the dashboard and alerts watch has left its series', () => {
    const s = standaloneText;
    expect(sample(s, /^portcullis_requests_total\{route="api",status="200"\}/)).toBe(3);
    expect(sample(s, /^portcullis_requests_total\{route="broken",status="502"\}/)).toBe(1);
    expect(s).toMatch(/^portcullis_auth_failures_total\{route="api",reason="[a-z_]+"\} \d/m);
    expect(s).toMatch(/^portcullis_request_duration_seconds_bucket\{le="[^"]+",route="api"\} \d/m);
    expect(sample(s, /^portcullis_snapshot_reload_failures_total /)).toBe(1);
    expect(s).toMatch(/^portcullis_tls_certificate_expiry_timestamp_seconds\{sni="metrics\.example\.com",source="[^"]+"\} \d+/m);
    expect(sample(s, /^portcullis_websocket_upgrades_total\{route="chat",outcome="upgraded"\}/)).toBe(1);
    expect(s).toMatch(/^portcullis_worker_requests_total\{worker="1",pid="\d+"\} \d/m);
    expect(sample(s, /^portcullis_ready /)).toBe(1);
    expect(s).toMatch(/^portcullis_snapshot_info\{hash="[0-9a-f]{16}"\} 1$/m);
    expect(s).toMatch(/^portcullis_jwt_token_cache_lookups_total\{result="hit"\} [1-9]/m);
    expect(s).not.toMatch(/^portcullis_leader/m);

    const c = controllerText;
    expect(sample(c, /^portcullis_leader /)).toBe(1);
    expect(sample(c, /^portcullis_kube_list_failures_total\{resource="routes"\}/)).toBeGreaterThanOrEqual(1);
    expect(c).toMatch(/^portcullis_kube_watch_ends_total\{resource="[a-z]+",end="closed"\} \d/m);
    expect(c).toMatch(/^portcullis_auth_failures_total\{route="[^"]+",reason="[a-z_]+"\} \d/m);
    expect(sample(c, /^portcullis_ready /)).toBe(1);
  });

  it('no exported series carries a label Prometheus sets from the target (it would be renamed exported_<label>)', () => {
    for (const [name, labels] of mergeExported(standaloneSeries, controllerSeries)) {
      for (const l of TARGET_LABELS) expect(labels.has(l), `${name} exports "${l}"`).toBe(false);
    }
  });
});

describe('the chart names only what is exported', () => {
  it('the dashboard ConfigMap carries dashboards/portcullis.json unchanged, labelled for the Grafana sidecar', () => {
    const { configMap, dashboard } = renderMonitoring('controller');
    expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(dashboard).toEqual(JSON.parse(dashboardFile));
    expect(queriesOf(dashboard).length).toBeGreaterThan(30);
  });

  it('every dashboard query, legend and template variable: metrics and labels of the standalone and controller scrapes', () => {
    // One dashboard for both modes: the Kubernetes and leader panels stay empty in standalone mode.
    const problems = dashboardProblems(renderMonitoring('controller').dashboard, ctxOf(mergeExported(standaloneSeries, controllerSeries)));
    expect(problems).toEqual([]);
  });

  it('standalone alerts: every series in the standalone scrape; no controller-only alert', () => {
    const { rule } = renderMonitoring('standalone');
    expect(rulesOf(rule).map((r) => r.alert)).not.toContain('PortcullisNoLeader');
    expect(ruleProblems(rule, ctxOf(standaloneSeries))).toEqual([]);
  });

  it('controller alerts: the controller-only ones in the controller scrape, the rest in either', () => {
    const { rule } = renderMonitoring('controller');
    const controllerOnly = rule.spec.groups.find((g) => g.name === 'portcullis.controller')!;
    expect(controllerOnly.rules.map((r) => r.alert)).toEqual(['PortcullisNoLeader', 'PortcullisMultipleLeaders', 'PortcullisKubeWatchFailing']);
    expect(ruleProblems({ ...rule, spec: { groups: [controllerOnly] } }, ctxOf(controllerSeries))).toEqual([]);
    expect(ruleProblems(rule, ctxOf(mergeExported(standaloneSeries, controllerSeries)))).toEqual([]);
  });

  it('the check fails on a misspelt metric, an unknown label, a grouping label the operand lacks, a legend label the query drops', () => {
    const ctx = ctxOf(mergeExported(standaloneSeries, controllerSeries));
    const d = renderMonitoring('controller').dashboard;
    const first = d.panels.find((p) => p.title === 'Request rate by route')!;
    const mutate = (expr: string, legend?: string): Dashboard => ({
      ...d,
      panels: [{ ...first, targets: [{ expr, legendFormat: legend ?? first.targets![0]!.legendFormat }] }],
    });
    const bad = [
      mutate('sum by (route) (rate(portcullis_request_total[$__rate_interval]))'),
      mutate('sum by (route) (rate(portcullis_requests_total{status_code="200"}[$__rate_interval]))'),
      mutate('sum by (consumer) (rate(portcullis_requests_total[$__rate_interval]))'),
      mutate('sum by (route) (rate(portcullis_requests_total[$__rate_interval]))', '{{status}}'),
      mutate('histogram_quantile(0.99, sum by (route) (rate(portcullis_request_duration_seconds_bucket[$__rate_interval])))'),
      mutate('sum by (route) (rate(portcullis_requests_total[$__rate_interval])'),
    ];
    for (const b of bad) expect(dashboardProblems({ ...b, templating: { list: [] } }, ctx).length, b.panels[0]!.targets![0]!.expr).toBeGreaterThan(0);
    expect(dashboardProblems({ ...mutate(first.targets![0]!.expr), templating: { list: [] } }, ctx)).toEqual([]);
    // An alert printing a label its expression aggregated away.
    const { rule } = renderMonitoring('standalone');
    const spike = rulesOf(rule).find((r) => r.alert === 'PortcullisAuthFailureSpike')!;
    const broken = { ...rule, spec: { groups: [{ name: 'x', rules: [{ ...spike, annotations: { summary: '{{ $labels.reason }}' } }] }] } };
    expect(ruleProblems(broken, ctxOf(standaloneSeries))).toHaveLength(1);
  });
});

describe('an API server takes the rendered objects', () => {
  it('the PrometheusRule (against a structural test copy of its CRD) and the dashboard ConfigMap, in both modes', async () => {
    const fieldManager = 'portcullis-observability-test';
    await applyManifests(cp!.kubeConfig, toYamlStream([PROMETHEUS_RULE_CRD as unknown as K8sObject]), { fieldManager });
    await applyManifests(cp!.kubeConfig, `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${releaseNamespace} }\n`, { fieldManager });
    for (const mode of ['controller', 'standalone'] as const) {
      const { rule, configMap } = renderMonitoring(mode);
      const accepted = await applyManifests(cp!.kubeConfig, toYamlStream([rule, configMap]), { fieldManager, dryRun: 'All' });
      expect(accepted.map((o) => o.kind)).toEqual(['PrometheusRule', 'ConfigMap']);
    }
    // The copy is strict enough to matter: a misplaced field is refused.
    const { rule } = renderMonitoring('standalone');
    const misplaced = { ...rule, spec: { groups: [{ ...rule.spec.groups[0]!, rules: [{ ...rule.spec.groups[0]!.rules[0]!, annotation: { x: 'y' } }] }] } };
    await expect(applyManifests(cp!.kubeConfig, toYamlStream([misplaced]), { fieldManager, dryRun: 'All' })).rejects.toThrow(/annotation/);
  });
});

describe('the alerts are documented', () => {
  it('every alert has a severity, a summary, a description and a runbook section in docs/observability.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs/observability.md'), 'utf8');
    const headings = new Set([...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.trim()));
    const rule = renderMonitoring('controller').rule;
    for (const r of rulesOf(rule)) {
      expect(['warning', 'critical'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toBeTruthy();
      expect(headings.has(r.alert), `docs/observability.md has no "### ${r.alert}" section`).toBe(true);
    }
    // And the docs list every series the gateway exports under its own prefix.
    for (const name of mergeExported(standaloneSeries, controllerSeries).keys()) {
      if (!name.startsWith('portcullis_')) continue;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(doc.includes(`\`${base}\``) || doc.includes(`\`${name}\``), `docs/observability.md does not list ${base}`).toBe(true);
    }
  });
});
