#!/usr/bin/env node
// Writes deploy/helm/portcullis/dashboards/portcullis.json, the Grafana dashboard the chart ships
// (docs/observability.md#the-dashboard): edit panels here, run `node scripts/gen-dashboard.mjs`.
// test/deploy/observability-queries.test.ts checks every query against real /metrics scrapes;
// test/deploy/helm-observability.test.ts fails when the JSON and this script differ.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const S = 'namespace="$namespace", job=~"$job", pod=~"$pod"';
const R = '$__rate_interval';
const ds = { type: 'prometheus', uid: '${datasource}' };
let id = 0;
let y = 0;
let x = 0;
const panels = [];
function row(title) {
  if (x > 0) { y += 8; x = 0; }
  panels.push({ type: 'row', title, id: ++id, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
  y += 1;
}
function panel(title, description, targets, opts = {}) {
  const w = opts.w ?? 12;
  if (x + w > 24) { y += 8; x = 0; }
  const p = {
    type: opts.type ?? 'timeseries',
    title,
    description,
    id: ++id,
    datasource: ds,
    gridPos: { h: 8, w, x, y },
    targets: targets.map(([expr, legendFormat], i) => ({
      datasource: ds,
      refId: String.fromCharCode(65 + i),
      expr,
      legendFormat: legendFormat ?? '__auto',
      ...(opts.instant ? { instant: true, range: false, format: 'table' } : { range: true }),
    })),
    fieldConfig: { defaults: { unit: opts.unit ?? 'short', ...(opts.defaults ?? {}) }, overrides: [] },
    options: opts.options ?? { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
  if (opts.transformations) p.transformations = opts.transformations;
  panels.push(p);
  x += w;
  if (x >= 24) { y += 8; x = 0; }
}
const rate = (m, extra = '') => `rate(${m}{${S}${extra}}[${R}])`;
const incr = (m, extra = '') => `increase(${m}{${S}${extra}}[${R}])`;

row('Traffic');
panel('Request rate by route', 'Proxied requests per second (portcullis_requests_total); "(none)" is requests no route matched.',
  [[`sum by (route) (${rate('portcullis_requests_total')})`, '{{route}}']], { unit: 'reqps' });
panel('Status classes by route', 'Responses per second by status class and route.',
  ['2', '3', '4', '5'].map((c) => [`sum by (route) (${rate('portcullis_requests_total', `, status=~"${c}.."`)})`, `{{route}} ${c}xx`]), { unit: 'reqps' });
panel('5xx ratio by route', 'Share of responses that were 5xx (502 = upstream unreachable, 504 = upstream timeout). Alert: PortcullisHighServerErrorRate.',
  [[`sum by (route) (${rate('portcullis_requests_total', ', status=~"5.."')}) / sum by (route) (${rate('portcullis_requests_total')})`, '{{route}}']], { unit: 'percentunit' });
panel('Auth failures by reason', 'JWT authentication failures per second by reason code (docs/status-reasons.md). Alert: PortcullisAuthFailureSpike.',
  [[`sum by (reason) (${rate('portcullis_auth_failures_total')})`, '{{reason}}']], { unit: 'reqps' });
panel('Auth failures by route', 'JWT authentication failures per second by route.',
  [[`sum by (route) (${rate('portcullis_auth_failures_total')})`, '{{route}}']], { unit: 'reqps' });
panel('Latency (all routes)', 'Time from request start to response end (portcullis_request_duration_seconds), quantiles over every route.',
  [0.5, 0.9, 0.99].map((q) => [`histogram_quantile(${q}, sum by (le) (${rate('portcullis_request_duration_seconds_bucket')}))`, `p${q * 100}`]), { unit: 's' });
panel('p99 latency by route', '99th percentile of the request duration, per route.',
  [[`histogram_quantile(0.99, sum by (route, le) (${rate('portcullis_request_duration_seconds_bucket')}))`, '{{route}}']], { unit: 's' });

row('Configuration and pods');
panel('Snapshot reloads and failures', 'Snapshots swapped in, and builds that failed (the previous snapshot kept serving). Alert: PortcullisSnapshotReloadFailing.',
  [[`sum by (pod) (${incr('portcullis_snapshot_reloads_total')})`, '{{pod}} reloads'], [`sum by (pod) (${incr('portcullis_snapshot_reload_failures_total')})`, '{{pod}} failures']]);
panel('Snapshot version per pod', 'Version of the live snapshot: a per-process counter, so pods may differ while serving the same configuration (compare the hash panel).',
  [[`max by (pod) (portcullis_snapshot_version{${S}})`, '{{pod}}']], { unit: 'none' });
panel('Configurations served', 'Distinct snapshot content hashes across the selected pods: 1 when every pod serves the same configuration. Alert: PortcullisSnapshotDiverged.',
  [[`count(count by (hash) (portcullis_snapshot_info{${S}}))`, 'configurations']], { w: 6, type: 'stat', unit: 'none', options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' },
    defaults: { thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 2 }] } } });
panel('Ready pods', 'Pods answering /readyz with 200, of the pods scraped. Alert: PortcullisPodNotReady.',
  [[`sum(portcullis_ready{${S}})`, 'ready'], [`count(portcullis_ready{${S}})`, 'scraped']], { w: 6, type: 'stat', unit: 'none', options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area' } });
panel('Snapshot hash per pod', 'Which configuration (first digits of the snapshot content hash, the admin API shows it in full at GET /) each pod serves.',
  [[`max by (pod, hash) (portcullis_snapshot_info{${S}})`, '{{pod}} {{hash}}']], { type: 'table', instant: true, unit: 'none', options: { showHeader: true },
    transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true } } }] });
panel('Leader', 'Controller mode: 1 on the replica holding the Lease (it writes status and Events). Alerts: PortcullisNoLeader, PortcullisMultipleLeaders.',
  [[`max by (pod) (portcullis_leader{${S}})`, '{{pod}}']], { unit: 'none' });

row('Kubernetes watch (controller mode)');
panel('Watch stream ends', 'How watch streams ended: closed is the normal server timeout; error, gone and stalled mean reconnects. Alert: PortcullisKubeWatchFailing.',
  [[`sum by (resource, end) (${incr('portcullis_kube_watch_ends_total')})`, '{{resource}} {{end}}']]);
panel('Lists and list failures', 'Full lists by reason, and lists that failed (RBAC, API server unreachable).',
  [[`sum by (resource, reason) (${incr('portcullis_kube_relists_total')})`, '{{resource}} {{reason}}'], [`sum by (resource) (${incr('portcullis_kube_list_failures_total')})`, '{{resource}} failed']]);
panel('Watch events', 'Watch events applied to the cache per second, by type.',
  [[`sum by (resource, type) (${rate('portcullis_kube_watch_events_total')})`, '{{resource}} {{type}}']], { unit: 'ops' });
panel('Objects in the watch cache', 'Objects each pod holds, by type (should match across pods).',
  [[`max by (pod, resource) (portcullis_kube_objects{${S}})`, '{{pod}} {{resource}}']], { unit: 'none' });

row('Verified-token cache');
panel('Token cache hit ratio', 'Token verifications answered from the cache (docs/token-cache.md).',
  [[`sum(${rate('portcullis_jwt_token_cache_lookups_total', ', result="hit"')}) / sum(${rate('portcullis_jwt_token_cache_lookups_total')})`, 'hit ratio']], { w: 8, unit: 'percentunit' });
panel('Token cache memory', 'Heap bytes held by the cache against its budget, per pod.',
  [[`sum by (pod) (portcullis_jwt_token_cache_bytes{${S}})`, '{{pod}} used'], [`sum by (pod) (portcullis_jwt_token_cache_budget_bytes{${S}})`, '{{pod}} budget']], { w: 8, unit: 'bytes' });
panel('Token cache entries and evictions', 'Cached tokens, and tokens dropped per second to stay within the budget.',
  [[`sum by (pod) (portcullis_jwt_token_cache_entries{${S}})`, '{{pod}} entries'], [`sum by (pod) (${rate('portcullis_jwt_token_cache_evictions_total')})`, '{{pod}} evictions/s']], { w: 8 });

row('TLS');
panel('Certificate expiry', 'Time left on the certificate served for each SNI (docs/tls.md). Alerts: PortcullisCertificateExpiring (< 14 days), PortcullisCertificateExpiringCritical (< 3 days).',
  [[`min by (sni, source) (portcullis_tls_certificate_expiry_timestamp_seconds{${S}}) - time()`, '{{sni}}']],
  { w: 24, type: 'table', instant: true, unit: 's', options: { showHeader: true, sortBy: [{ displayName: 'Value', desc: false }] },
    defaults: { thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'orange', value: 259200 }, { color: 'green', value: 1209600 }] }, custom: { cellOptions: { type: 'color-background' } } },
    transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'expires in' } } }] });

row('WebSocket');
panel('Tunnels open', 'WebSocket tunnels open now, per pod (docs/websocket.md).',
  [[`sum by (pod) (portcullis_websocket_tunnels_open{${S}})`, '{{pod}}']], { w: 6, unit: 'none' });
panel('Upgrades by outcome', 'Upgrade requests per second: upgraded, rejected (by the gateway), refused (by the upstream), failed, client_closed.',
  [[`sum by (outcome) (${rate('portcullis_websocket_upgrades_total')})`, '{{outcome}}']], { w: 6, unit: 'reqps' });
panel('Tunnels closed by reason', 'What closed tunnels: client, upstream, idle, error, shutdown.',
  [[`sum by (reason) (${rate('portcullis_websocket_tunnels_closed_total')})`, '{{reason}}']], { w: 6, unit: 'ops' });
panel('Tunnel throughput', 'Bytes relayed through tunnels after the handshake, by direction.',
  [[`sum by (direction) (${rate('portcullis_websocket_bytes_total')})`, '{{direction}}']], { w: 6, unit: 'Bps' });

row('Processes');
panel('Worker restarts', 'Proxy workers restarted after exiting unexpectedly (--workers). Alert: PortcullisWorkerRestarting.',
  [[`sum by (pod) (${incr('portcullis_worker_restarts_total')})`, '{{pod}}']], { w: 8 });
panel('Requests per worker', 'Balance of requests across each pod\'s proxy workers (--workers).',
  [[`sum by (pod, worker) (${rate('portcullis_worker_requests_total')})`, '{{pod}} worker {{worker}}']], { w: 8, unit: 'reqps' });
panel('Event loop lag p99', 'Worst event loop delay of each pod\'s processes.',
  [[`max by (pod) (nodejs_eventloop_lag_p99_seconds{${S}})`, '{{pod}}']], { w: 8, unit: 's' });
panel('CPU', 'CPU seconds per second, all processes of the pod.',
  [[`sum by (pod) (${rate('process_cpu_seconds_total')})`, '{{pod}}']], { unit: 'none' });
panel('Memory', 'Resident memory, all processes of the pod.',
  [[`sum by (pod) (process_resident_memory_bytes{${S}})`, '{{pod}}']], { unit: 'bytes' });

const variable = (name, label, query, extra = {}) => ({
  name, label, type: 'query', datasource: ds, query: { query, refId: `${name}-var` }, definition: query,
  refresh: 2, sort: 1, includeAll: false, multi: false, hide: 0, current: {}, options: [], ...extra,
});
const dashboard = {
  uid: 'portcullis-gateway',
  title: 'Portcullis gateway',
  description: 'Traffic, authentication, configuration, Kubernetes watch, token cache, TLS, WebSocket and process health of Portcullis pods (docs/observability.md).',
  tags: ['portcullis', 'api-gateway'],
  editable: true,
  graphTooltip: 1,
  schemaVersion: 39,
  version: 1,
  refresh: '30s',
  time: { from: 'now-3h', to: 'now' },
  timezone: '',
  annotations: { list: [] },
  links: [],
  templating: {
    list: [
      { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', hide: 0, current: {}, options: [], refresh: 1, regex: '' },
      variable('namespace', 'Namespace', 'label_values(portcullis_snapshot_version, namespace)'),
      variable('job', 'Job', 'label_values(portcullis_snapshot_version{namespace="$namespace"}, job)', { includeAll: true, multi: true, allValue: '.+' }),
      variable('pod', 'Pod', 'label_values(portcullis_snapshot_version{namespace="$namespace", job=~"$job"}, pod)', { includeAll: true, multi: true, allValue: '.+' }),
    ],
  },
  panels,
};
const out = process.argv[2] ?? fileURLToPath(new URL('../deploy/helm/portcullis/dashboards/portcullis.json', import.meta.url));
writeFileSync(out, JSON.stringify(dashboard, null, 2) + '\n');
