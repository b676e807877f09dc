import type { ExplainCheck } from '../model/explain.js';
import type { ExplainResult } from '../proxy/explain.js';

/**
 * The human-readable form of an explanation (`portcullis explain` without --json): the verdict
 * first, then each stage that has something to say. The same data as the JSON, nothing more.
 */
export function renderExplainText(r: ExplainResult): string {
  const lines: string[] = [];
  const push = (s = '') => lines.push(s);
  push(`${r.request.method} ${r.request.url}`);
  push(`  host ${r.request.host || '(none)'}, path ${r.request.path ?? '(unusable)'}, ${r.request.tls ? 'TLS' : 'plaintext'}`);
  push();
  const v = r.verdict;
  if (v.proxied) {
    const who = v.consumer ? ` as consumer ${v.consumer.username ?? v.consumer.id}` : '';
    push(`PROXIED${who} to ${r.upstream!.service} ${r.upstream!.path}`);
  } else if (v.reason === undefined) {
    // cors answers a preflight itself (docs/cors.md#preflight): not proxied, not refused.
    push(`ANSWERED ${v.status} by ${v.by}, not proxied`);
  } else {
    push(`REFUSED ${v.status} ${v.reason} (by ${v.by})`);
  }

  for (const s of r.steps) {
    if (s.result === 'fail') push(`  at ${s.step}: ${s.detail ?? ''}`);
    else if (s.result === 'skip') push(`  note (${s.step}): ${s.detail ?? ''}`);
  }
  if (r.routerDisagrees) push(`  WARNING: the router and its explanation disagree (${r.routerDisagrees}); please report this`);

  if (r.route) {
    push();
    const m = r.route.matched;
    push(m ? `Route: ${m.route}${m.path !== undefined ? ` (path ${m.path})` : ''}` : 'Route: none matched');
    if (r.route.notMatched.length > 0) {
      push(m ? '  better-ranked routes that did not match:' : '  routes, best-ranked first, and why they did not match:');
      for (const c of r.route.notMatched) {
        const why = c.failed.map((f) => `${f.field} wants ${f.wanted}, got ${f.got}`).join('; ');
        push(`    ${c.route}${c.path !== undefined ? ` [${c.path}]` : ''}: ${why}`);
      }
      if (r.route.omitted > 0) push(`    … and ${r.route.omitted} more`);
    }
  }

  const a = r.auth;
  if (a) {
    push();
    push(`Plugin: jwt ${a.plugin}`);
    push(`  looks in: query ${list(a.looksIn.query)}; cookies ${list(a.looksIn.cookies)}; headers ${list(a.looksIn.headers)}`);
    if (a.token) {
      push(`  JOSE header: ${JSON.stringify(a.token.header)}`);
      push(`  claims:      ${JSON.stringify(a.token.claims)}`);
    }
    if (a.lookup) {
      const l = a.lookup;
      const found = l.foundIn ? `${l.keyClaim} = ${JSON.stringify(l.value)} (in the ${l.foundIn})` : `${l.keyClaim}: not present`;
      const cred = l.credential ? ` -> credential ${l.credential.id} (${l.credential.algorithm}${l.credential.kid === undefined ? "" : `, kid ${l.credential.kid}`}) of consumer ${l.credential.consumer.username ?? l.credential.consumer.id}` : '';
      push(`  lookup:      ${found}${cred}`);
    }
    push('  checks:');
    const width = Math.max(...a.checks.map((c) => c.check.length));
    for (const c of a.checks) push(`    ${mark(c)} ${c.check.padEnd(width)}  ${c.detail ?? ''}${c.reason ? `  [${c.reason}]` : ''}`);
  }

  if (r.response) {
    push();
    push(`Response: ${r.response.status}`);
    for (const [k, val] of Object.entries(r.response.headers)) push(`  ${k}: ${val}`);
    if (r.response.body !== '') push(`  ${r.response.body.trimEnd().replace(/\n/g, '\n  ')}`);
  }
  if (r.upstream && v.proxied) {
    const headers = Object.entries(r.upstream.identityHeaders);
    if (headers.length > 0) {
      push();
      push('Identity headers sent upstream:');
      for (const [k, val] of headers) push(`  ${k}: ${val}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function mark(c: ExplainCheck): string {
  return c.result === 'pass' ? 'pass' : c.result === 'fail' ? 'FAIL' : 'skip';
}

function list(xs: readonly string[]): string {
  return xs.length === 0 ? '(none)' : xs.join(', ');
}
