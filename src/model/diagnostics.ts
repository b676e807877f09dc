import type { Reason, ReasonFor, Severity } from './reasons.js';

/**
 * Diagnostics are how every source and the translator report a problem with one object
 * without failing the rest ("failures are data", docs/architecture.md). Reasons, and the
 * condition each sets, are in one table: src/model/reasons.ts (docs/status-reasons.md).
 */

/** Names the object at fault, in whichever source it came from. */
export interface ObjectRef {
  /** Kong entity ("services", "routes", "consumers", "jwt_secrets", "plugins") or CRD kind ("Route", "KongConsumer", "JwtCredential", "Secret"). */
  kind: string;
  /** Human-readable name: entity name, username, key, or metadata.name. */
  name: string;
  /** Kubernetes namespace (controller mode). */
  namespace?: string;
  /** Declarative file the object came from (standalone mode). */
  file?: string;
  /** Position inside the file, e.g. "services[0].routes[1]". */
  path?: string;
  /** metadata.generation, so status conditions can carry observedGeneration. */
  generation?: number;
  /** metadata.uid, for Events. */
  uid?: string;
}

export type { Severity } from './reasons.js';

export interface Diagnostic {
  severity: Severity;
  object: ObjectRef;
  /** Field at fault, dotted (e.g. "config.maximum_expiration", "spec.secretRef.key"). */
  field?: string;
  /** Machine-readable reason, used as the status condition reason (the table in reasons.ts). */
  reason: Reason;
  /** What is wrong, for a human. Never contains secret material. */
  message: string;
}

/**
 * The one way to make a diagnostic: the reasons table decides which reasons an error or a
 * warning may carry. `field` is left out when undefined, as every producer did before.
 */
export function diagnostic<S extends Severity>(severity: S, object: ObjectRef, reason: ReasonFor<S>, message: string, field?: string): Diagnostic {
  return field === undefined ? { severity, object, reason, message } : { severity, object, field, reason, message };
}

/** Collects the diagnostics of one parse or check, in the order they are found. */
export class DiagnosticCollector {
  readonly diagnostics: Diagnostic[] = [];

  error(object: ObjectRef, reason: ReasonFor<'error'>, message: string, field?: string): void {
    this.diagnostics.push(diagnostic('error', object, reason, message, field));
  }

  warn(object: ObjectRef, reason: ReasonFor<'warning'>, message: string, field?: string): void {
    this.diagnostics.push(diagnostic('warning', object, reason, message, field));
  }

  /** Diagnostics made elsewhere (e.g. a schema check), kept in order. */
  add(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.diagnostics.push(d);
  }
}

/** "kong.yml: services[0].routes[1] (routes 'api'): paths[0]: must start with /" */
export function formatDiagnostic(d: Diagnostic): string {
  const o = d.object;
  const where = o.file
    ? `${o.file}: ${o.path ?? o.kind} (${o.kind} '${o.name}')`
    : `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
  return escapeControls(`${where}${d.field ? `: ${d.field}` : ''}: ${d.message}`);
}

/** Names come from the config (a key "a\nb"): one diagnostic stays one line, as "\n", "\u0000". */
function escapeControls(line: string): string {
  if (!/[\x00-\x1f\x7f]/.test(line)) return line;
  return line.replace(/[\x00-\x1f\x7f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
