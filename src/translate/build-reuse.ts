import type { Diagnostic } from '../model/diagnostics.js';
import type { HostPolicy } from '../model/host-policy.js';
import type { ConsumerSpec, CredentialSpec, RouteSpec } from '../model/resources.js';
import type { CompiledRoute, Consumer, CredentialIndex, Router } from '../snapshot/types.js';
import type { ConsumerTable } from './consumers.js';
import type { CredentialMemo } from './credentials.js';
import { anonymousConsumersUnchanged } from './routes.js';

/**
 * What translate() may take over from the previous build of the same source
 * (docs/controller-memory.md#incremental-rebuilds): a stage whose inputs are the very same
 * objects as last time (the controller's ConversionMemo hands unchanged specs back as they were)
 * keeps its output and diagnostics instead of rebuilding them. A change to one Route rebuilds the
 * routes and the router, not 50,000 consumers and credentials; a change to a consumer or a
 * credential rebuilds from that stage on. Identity, never content: a stage is reused only when it
 * would compute exactly what it computed before.
 */
export class BuildReuse {
  #consumers: { specs: readonly ConsumerSpec[]; table: ConsumerTable; diagnostics: readonly Diagnostic[] } | undefined;
  #credentials:
    | { specs: readonly CredentialSpec[]; consumers: ConsumerTable; base64Keys: boolean; index: CredentialIndex; diagnostics: readonly Diagnostic[] }
    | undefined;
  #routes:
    | {
        specs: readonly RouteSpec[];
        consumers: ConsumerTable;
        credentials: CredentialIndex;
        hostPolicy: HostPolicy | undefined;
        routes: CompiledRoute[];
        diagnostics: readonly Diagnostic[];
      }
    | undefined;
  #router: { routes: readonly CompiledRoute[]; router: Router } | undefined;
  /** Per spec object, within a stage that is rebuilt (consumers.ts, credentials.ts). */
  readonly consumerMemo = new WeakMap<ConsumerSpec, Consumer>();
  readonly credentialMemo: CredentialMemo = new WeakMap();
  /** Stages reused and rebuilt by the last build, for logs and tests. */
  last: { reused: string[]; rebuilt: string[] } = { reused: [], rebuilt: [] };

  begin(): void {
    this.last = { reused: [], rebuilt: [] };
  }

  consumers(specs: readonly ConsumerSpec[], diagnostics: Diagnostic[], build: (d: Diagnostic[]) => ConsumerTable): ConsumerTable {
    const prev = this.#consumers;
    if (prev !== undefined && sameItems(prev.specs, specs)) return this.#reuse('consumers', prev.diagnostics, diagnostics, prev.table);
    const own: Diagnostic[] = [];
    const table = build(own);
    this.#consumers = { specs: [...specs], table, diagnostics: own };
    return this.#rebuilt('consumers', own, diagnostics, table);
  }

  credentials(
    specs: readonly CredentialSpec[],
    consumers: ConsumerTable,
    base64Keys: boolean,
    diagnostics: Diagnostic[],
    build: (d: Diagnostic[]) => CredentialIndex,
  ): CredentialIndex {
    const prev = this.#credentials;
    // JWKS credentials register their key sets with the runtime on every build: always rebuilt.
    if (
      prev !== undefined &&
      prev.consumers === consumers &&
      prev.base64Keys === base64Keys &&
      sameItems(prev.specs, specs) &&
      !specs.some((s) => s.jwks !== undefined)
    ) {
      return this.#reuse('credentials', prev.diagnostics, diagnostics, prev.index);
    }
    const own: Diagnostic[] = [];
    const index = build(own);
    this.#credentials = { specs: [...specs], consumers, base64Keys, index, diagnostics: own };
    return this.#rebuilt('credentials', own, diagnostics, index);
  }

  routes(
    specs: readonly RouteSpec[],
    consumers: ConsumerTable,
    credentials: CredentialIndex,
    hostPolicy: HostPolicy | undefined,
    diagnostics: Diagnostic[],
    build: (d: Diagnostic[]) => CompiledRoute[],
    relink: (routes: readonly CompiledRoute[]) => CompiledRoute[],
  ): CompiledRoute[] {
    const prev = this.#routes;
    const same = prev !== undefined && prev.hostPolicy === hostPolicy && sameItems(prev.specs, specs) ? prev : undefined;
    if (same !== undefined && same.credentials === credentials && same.consumers === consumers) return this.#reuse('routes', same.diagnostics, diagnostics, same.routes);
    if (same !== undefined && anonymousConsumersUnchanged(specs, same.consumers, consumers)) {
      // Only consumers or credentials changed, and no route's anonymous consumer: the same routes
      // with jwt plugin instances on the new key index (a verified token is trusted only by an
      // instance on the index it was verified against).
      const routes = relink(same.routes);
      this.#routes = { ...same, consumers, credentials, routes };
      this.last.rebuilt.push('route plugins');
      for (const d of same.diagnostics) diagnostics.push(d);
      return routes;
    }
    const own: Diagnostic[] = [];
    const routes = build(own);
    this.#routes = { specs: [...specs], consumers, credentials, hostPolicy, routes, diagnostics: own };
    return this.#rebuilt('routes', own, diagnostics, routes);
  }

  router(routes: readonly CompiledRoute[], compile: () => Router): Router {
    const prev = this.#router;
    if (prev !== undefined && prev.routes === routes) return this.#reuse('router', [], [], prev.router);
    const router = compile();
    this.#router = { routes, router };
    return this.#rebuilt('router', [], [], router);
  }

  #reuse<T>(stage: string, own: readonly Diagnostic[], diagnostics: Diagnostic[], value: T): T {
    this.last.reused.push(stage);
    for (const d of own) diagnostics.push(d);
    return value;
  }

  #rebuilt<T>(stage: string, own: readonly Diagnostic[], diagnostics: Diagnostic[], value: T): T {
    this.last.rebuilt.push(stage);
    for (const d of own) diagnostics.push(d);
    return value;
  }
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
