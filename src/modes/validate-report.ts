import { formatDiagnostic, type Diagnostic } from '../model/diagnostics.js';

export type ValidateOutput = 'text' | 'json';

/** One input of `portcullis validate`. */
export interface FileResult {
  /** The path as given, or "<stdin>". */
  file: string;
  format: 'kong.yml' | 'manifests' | 'unreadable';
  diagnostics: Diagnostic[];
  /** Why the file could not be read (format "unreadable"). */
  readError?: string;
  /** kong.yml: routes, consumers, credentials; manifests: objects by kind. */
  checked: Record<string, number>;
  /** Manifests only: objects that are not Portcullis resources, by kind. */
  skipped: Record<string, number>;
}

const SKIPPED_WHY = '(not Portcullis resources)';

/** One `severity: …` line per diagnostic, then one status line per file. */
export function renderText(results: readonly FileResult[], strict: boolean): { text: string; failed: boolean } {
  let text = '';
  let failed = false;
  for (const r of results) {
    if (r.readError !== undefined) {
      text += `${r.file}: ${r.readError}\n`;
      failed = true;
      continue;
    }
    for (const d of r.diagnostics) text += `${d.severity}: ${formatDiagnostic(d)}\n`;
    const errors = errorCount(r);
    const skipped = total(r.skipped) > 0;
    failed ||= errors > 0 || (strict && skipped);
    const status = errors > 0 ? `${errors} error(s)` : strict && skipped ? 'failed --strict' : 'ok';
    text += `${r.file}: ${status}${details(r, errors)}\n`;
  }
  return { text, failed };
}

/** kong.yml keeps its "(1 routes, 1 consumers, 1 credentials)"; manifests say what was checked and skipped. */
function details(r: FileResult, errors: number): string {
  if (r.format === 'kong.yml') {
    const c = r.checked;
    return errors > 0 || Object.keys(c).length === 0 ? '' : ` (${c.routes} routes, ${c.consumers} consumers, ${c.credentials} credentials)`;
  }
  const parts = [total(r.checked) > 0 ? `checked: ${counts(r.checked)}` : 'nothing checked'];
  if (total(r.skipped) > 0) parts.push(`skipped: ${counts(r.skipped)} ${SKIPPED_WHY}`);
  return ` (${parts.join('; ')})`;
}

/**
 * `--output json`: one document on stdout. Diagnostics carry the object (kind, namespace, name,
 * path in the file), field, reason, message and severity, as formatDiagnostic prints them.
 */
export function renderJson(results: readonly FileResult[], strict: boolean): { text: string; failed: boolean } {
  let errors = 0;
  let warnings = 0;
  let checked = 0;
  const skipped: Record<string, number> = {};
  const files = results.map((r) => {
    const fileErrors = errorCount(r);
    errors += fileErrors;
    warnings += r.diagnostics.filter((d) => d.severity === 'warning').length;
    checked += r.format === 'manifests' ? total(r.checked) : 0;
    for (const [kind, n] of Object.entries(r.skipped)) skipped[kind] = (skipped[kind] ?? 0) + n;
    return {
      file: r.file,
      format: r.format,
      ok: fileErrors === 0 && !(strict && total(r.skipped) > 0),
      ...(r.readError !== undefined && { error: r.readError }),
      checked: r.checked,
      skipped: r.skipped,
      diagnostics: r.diagnostics.map(jsonDiagnostic),
    };
  });
  const ok = files.every((f) => f.ok);
  const doc = {
    ok,
    strict,
    files,
    summary: { files: files.length, errors, warnings, checkedObjects: checked, skippedObjects: total(skipped), skipped },
  };
  return { text: `${JSON.stringify(doc, null, 2)}\n`, failed: !ok };
}

function jsonDiagnostic(d: Diagnostic) {
  return {
    severity: d.severity,
    kind: d.object.kind,
    ...(d.object.namespace !== undefined && { namespace: d.object.namespace }),
    name: d.object.name,
    ...(d.object.path !== undefined && { path: d.object.path }),
    ...(d.field !== undefined && { field: d.field }),
    reason: d.reason,
    message: d.message,
  };
}

/** An unreadable file counts as one error. */
function errorCount(r: FileResult): number {
  return r.diagnostics.filter((d) => d.severity === 'error').length + (r.readError !== undefined ? 1 : 0);
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** "3 Deployment, 1 Service" */
function counts(byKind: Record<string, number>): string {
  return Object.entries(byKind).map(([kind, n]) => `${n} ${kind}`).join(', ');
}
