import type { RejectionEntry } from '../observability/rejections.js';
import type { ConsumerRow, ProblemRow, RouteRow, StatusView } from './status-view.js';

/**
 * The status page's HTML (docs/status-page.md), server-rendered from the view model: no script,
 * no inline style (the CSP is `default-src 'self'`), every text escaped. The stylesheet is
 * STATUS_CSS at `/ui/status.css`; the page reloads itself with a meta refresh.
 */
export function renderStatusPage(v: StatusView, opts: { refreshSeconds: number; cssHref: string }): string {
  const refresh = opts.refreshSeconds > 0 ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}
<title>Portcullis status</title>
<link rel="stylesheet" href="${esc(opts.cssHref)}">
<link rel="icon" type="image/svg+xml" href="/ui/favicon.svg">
</head>
<body>
<header>
<h1>Portcullis</h1>
<p class="meta" id="summary">${summary(v)}</p>
</header>
<main>
${rates(v)}
${section('routes', 'Routes', v.routes.length, routesTable(v.routes), 'No routes.')}
${section('consumers', 'Consumers and credentials', v.consumers.length, consumersTable(v.consumers), 'No consumers.')}
${section('problems', 'Not programmed', v.notProgrammed.length, problemsTable(v.notProgrammed), 'Every object is programmed.')}
${section('rejections', 'Last refused requests', v.rejections.length, rejectionsTable(v.rejections), 'No refused request yet.', `from ${esc(v.rejectionsFrom)}`)}
</main>
<footer>Read-only. Generated ${esc(v.generatedAt)}. JSON: <a href="/ui/status.json">/ui/status.json</a>.</footer>
</body>
</html>
`;
}

function summary(v: StatusView): string {
  const parts = [`version ${esc(v.version)}`];
  if (v.mode) parts.push(`${esc(v.mode)} mode`);
  parts.push(
    v.snapshot
      ? `snapshot <span class="mono">${v.snapshot.version}</span> (hash <span class="mono">${esc(v.snapshot.hash.slice(0, 12))}</span>, built ${esc(v.snapshot.createdAt)})`
      : '<span class="bad">no configuration loaded yet</span>',
  );
  return parts.join(' · ');
}

function rates(v: StatusView): string {
  const r = v.rates;
  const tile = (id: string, label: string, value: number | undefined, cls: string) =>
    `<div class="tile ${cls}" id="${id}"><span class="value">${value === undefined ? '–' : fmtRate(value)}</span><span class="label">${label}</span></div>`;
  const note = r ? `per second over the last ${r.windowSeconds.toFixed(1)} s · totals: ${r.totals.requests} requests, ${r.totals.clientErrors} 4xx, ${r.totals.serverErrors} 5xx` : 'measuring: rates appear on the next refresh';
  return `<section id="rates">
<h2>Traffic</h2>
<div class="tiles">
${tile('rate-requests', 'requests/s', r?.requests, '')}
${tile('rate-4xx', '4xx/s', r?.clientErrors, r && r.clientErrors > 0 ? 'warn' : '')}
${tile('rate-5xx', '5xx/s', r?.serverErrors, r && r.serverErrors > 0 ? 'bad' : '')}
</div>
<p class="meta" id="rates-note">${note}</p>
</section>`;
}

function section(id: string, title: string, count: number, table: string, empty: string, note?: string): string {
  return `<section id="${id}">
<h2>${title} <span class="count">${count}</span>${note ? ` <span class="meta">${note}</span>` : ''}</h2>
${count === 0 ? `<p class="empty">${empty}</p>` : table}
</section>`;
}

const PROTECTION_CLASS: Record<RouteRow['protection'], string> = { jwt: 'ok', 'jwt + jwt-claims': 'ok', none: 'warn', 'fail closed': 'bad' };

function routesTable(rows: RouteRow[]): string {
  return table(
    ['Route', 'Matches', 'Service', 'Protection'],
    rows.map((r) => [
      `${esc(r.name)}<div class="sub mono">${esc(r.id)}</div>`,
      [list('hosts', r.hosts), list('paths', r.paths), list('methods', r.methods), list('protocols', r.protocols)].filter(Boolean).join('') || '<span class="meta">any</span>',
      esc(r.service),
      `<span class="badge ${PROTECTION_CLASS[r.protection]}">${esc(r.protection)}</span>${r.detail.map((d) => `<div class="sub">${esc(d)}</div>`).join('')}`,
    ]),
  );
}

function consumersTable(rows: ConsumerRow[]): string {
  return table(
    ['Consumer', 'Credentials'],
    rows.map((c) => [
      `${esc(c.username ?? c.id)}${c.customId ? `<div class="sub">custom_id ${esc(c.customId)}</div>` : ''}<div class="sub mono">${esc(c.id)}</div>`,
      c.credentials.length === 0
        ? '<span class="meta">none</span>'
        : `<ul class="creds">${c.credentials
            .map(
              (cr) =>
                `<li><span class="badge ${cr.state === 'ok' ? 'ok' : 'bad'}">${cr.state === 'ok' ? 'usable' : 'no usable keys'}</span> <span class="mono">${esc(cr.key)}</span> ${esc(cr.kind)} ${esc(cr.algorithm)}` +
                `${cr.kid !== null ? ` · kid <span class="mono">${esc(cr.kid)}</span>` : ''}` +
                `${cr.source !== null ? `<div class="sub">keys from ${esc(cr.source)}${cr.kind === 'jwks' ? `: ${cr.kids.length ? cr.kids.map((k) => `<span class="mono">${esc(k)}</span>`).join(', ') : 'no kids'}` : ''}</div>` : ''}</li>`,
            )
            .join('')}</ul>`,
    ]),
  );
}

function problemsTable(rows: ProblemRow[]): string {
  return table(
    ['Object', 'Field', 'Reason', 'Message'],
    rows.map((p) => [
      `<span class="badge ${p.severity === 'error' ? 'bad' : 'warn'}">${p.severity}</span> ${esc(p.kind)} ${esc(p.object)}${p.location ? `<div class="sub">${esc(p.location)}</div>` : ''}`,
      p.field ? `<span class="mono">${esc(p.field)}</span>` : '',
      `<span class="mono">${esc(p.reason)}</span>`,
      esc(p.message),
    ]),
  );
}

function rejectionsTable(rows: RejectionEntry[]): string {
  return table(
    ['Time', 'Status', 'Reason', 'Request', 'Route', 'Consumer'],
    rows.map((r) => [
      `<span class="mono">${esc(new Date(r.at).toISOString().slice(11, 23))}</span>`,
      String(r.status),
      `<span class="mono">${esc(r.reason)}</span>`,
      `<span class="mono">${esc(r.method)} ${esc(r.target)}</span><div class="sub mono">${esc(r.requestId)}</div>`,
      r.route === undefined ? '<span class="meta">none</span>' : esc(r.route),
      r.consumer === undefined ? '' : esc(r.consumer),
    ]),
  );
}

function table(head: string[], rows: string[][]): string {
  return `<table>
<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}
</tbody>
</table>`;
}

function list(label: string, items: string[]): string {
  return items.length ? `<div><span class="meta">${label}</span> ${items.map((i) => `<span class="mono">${esc(i)}</span>`).join(', ')}</div>` : '';
}

function fmtRate(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML text and attribute escaping: every value on the page comes from config or requests. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A portcullis grille: the browser asks for an icon anyway, and a 404 would be a console error. */
export const STATUS_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2330"/><path d="M4 3v10M8 3v10M12 3v10M3 6h10M3 10h10" stroke="#fff" stroke-width="1.5"/></svg>`;

/** The page's stylesheet (served at /ui/status.css: the CSP allows no inline style). */
export const STATUS_CSS = `:root { color-scheme: light; --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f6f7f9; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 16px 24px; background: #1d2330; color: #fff; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header .meta { color: #c9d1de; }
main { padding: 8px 24px 24px; max-width: 1200px; }
section { margin: 16px 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
h2 { margin: 0 0 8px; font-size: 16px; }
.count { display: inline-block; min-width: 22px; padding: 0 6px; border-radius: 10px; background: var(--bg); border: 1px solid var(--line); font-size: 12px; text-align: center; }
.meta, .sub, .empty { color: var(--muted); }
.sub { font-size: 12px; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-top: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); border-top: 0; }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; }
.ok { color: var(--ok); }
.warn { color: var(--warn); }
.bad { color: var(--bad); }
.tiles { display: flex; gap: 12px; flex-wrap: wrap; }
.tile { flex: 1 1 160px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.tile .value { display: block; font-size: 26px; font-weight: 700; }
.tile .label { color: var(--muted); }
ul.creds { margin: 0; padding: 0; list-style: none; }
ul.creds li + li { margin-top: 4px; }
footer { padding: 0 24px 24px; color: var(--muted); font-size: 12px; }
`;
