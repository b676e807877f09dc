import type { ResourceSet } from '../model/resources.js';

/**
 * With --workers N, the local rate-limiting policy counts per worker process, so a client spread
 * over workers can get up to N × the limit per pod (docs/rate-limiting.md#workers). Returns the
 * routes concerned (for one warning per route set), or [] when none is.
 */
export function localRateLimitedRoutes(resources: ResourceSet): string[] {
  return resources.routes.filter((r) => r.rateLimiting?.config.policy === 'local' && r.pluginError === undefined).map((r) => r.name);
}

/** Logs once per distinct set of routes: not on every reload. */
export class LocalRateLimitNotice {
  #last = '';

  check(resources: ResourceSet, workers: number, warn: (fields: Record<string, unknown>, msg: string) => void): void {
    const routes = localRateLimitedRoutes(resources);
    const key = routes.join('\u0000');
    if (routes.length === 0 || key === this.#last) return;
    this.#last = key;
    warn(
      { workers, routes: routes.slice(0, 20), route_count: routes.length },
      `rate-limiting with policy local counts per worker process: a client spread over the ${workers} workers can make up to ${workers} × the limit; use policy redis for one limit (docs/rate-limiting.md#workers)`,
    );
  }
}
