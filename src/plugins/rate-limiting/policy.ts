import { PERIOD_SECONDS, RATE_PERIODS, type RateLimitingConfig } from '../../model/rate-limiting-config.js';
import type { RateDecision, RateLimitingPolicy } from '../../snapshot/types.js';
import { decide, FATAL, periodLimit, TOLERATED, type PeriodLimit } from './decision.js';
import { localCounters, type WindowCount } from './local-counters.js';
import { redisStore } from './redis-counters.js';
import { redisSyncer } from './redis-sync.js';
import { windowStart } from './windows.js';

/** Kong's placeholder for a plugin not scoped to a route or service (its counter keys). */
export const EMPTY_UUID = '00000000-0000-0000-0000-000000000000';

/** Where the instance is configured, Kong's conf.route_id / conf.service_id: counters are shared within it. */
export interface RateLimitScope {
  routeId?: string | undefined;
  serviceId?: string | undefined;
}

/**
 * Compiles one rate-limiting instance (docs/rate-limiting.md). Counters are keyed as Kong keys
 * them, "ratelimit:<route id>:<service id>:<identifier>:<window start ms>:<period>", so a global
 * instance counts a client across all routes and a service instance across the service's routes.
 */
export function compileRateLimiting(pluginId: string, scope: RateLimitScope, config: RateLimitingConfig): RateLimitingPolicy {
  const limits: PeriodLimit[] = [];
  for (const p of RATE_PERIODS) {
    const v = config[p];
    if (v !== undefined) limits.push(periodLimit(p, v));
  }
  const prefix = `ratelimit:${scope.routeId ?? EMPTY_UUID}:${scope.serviceId ?? EMPTY_UUID}:`;
  const hide = config.hideClientHeaders;
  const base = {
    pluginId,
    limitBy: config.limitBy,
    headerName: config.headerName?.toLowerCase(),
    path: config.path,
    policy: config.policy,
    errorCode: config.errorCode,
    errorMessage: config.errorMessage,
    faultTolerant: config.faultTolerant,
    periods: limits.map((l) => l.period),
  };

  if (config.policy === 'local') {
    const counters: WindowCount[] = new Array(limits.length);
    const used: number[] = new Array(limits.length).fill(0);
    const key = (identifier: string) => prefix + identifier;
    return {
      ...base,
      // Kong's local policy: read the counters, refuse without counting, else count this request.
      check(identifier: string, nowSeconds: number): RateDecision {
        const k = key(identifier);
        for (let i = 0; i < limits.length; i++) {
          const period = limits[i]!.period;
          const c = localCounters.counter(period, k, windowStart(period, nowSeconds));
          counters[i] = c;
          used[i] = c.n;
        }
        const d = decide(limits, used, nowSeconds, hide);
        if (!d.stop) for (let i = 0; i < counters.length; i++) counters[i]!.n++;
        return d;
      },
    };
  }

  const store = redisStore(config.redis!);
  const ttls = limits.map((l) => PERIOD_SECONDS[l.period]);
  if (config.syncRate > 0) {
    const syncer = redisSyncer(store, config.syncRate);
    const counts: Array<{ pending: number }> = new Array(limits.length);
    const used: number[] = new Array(limits.length).fill(0);
    return {
      ...base,
      // Kong's redis policy with sync_rate > 0: decided on the last shared total plus the local
      // count, no Redis wait; a refused request is not counted (docs/rate-limiting.md#sync_rate).
      check(identifier: string, nowSeconds: number): RateDecision {
        if (syncer.down) return config.faultTolerant ? TOLERATED : FATAL;
        for (let i = 0; i < limits.length; i++) {
          const period = limits[i]!.period;
          const start = windowStart(period, nowSeconds);
          const c = syncer.count(`${prefix}${identifier}:${start}:${period}`, ttls[i]!, start + ttls[i]! * 1000);
          counts[i] = c;
          used[i] = c.base + c.inFlight + c.pending;
        }
        const d = decide(limits, used, nowSeconds, hide);
        if (!d.stop) for (let i = 0; i < counts.length; i++) counts[i]!.pending++;
        return d;
      },
    };
  }
  return {
    ...base,
    // Kong's redis policy (sync_rate -1): every request increments, refused ones too, and reads the count before it.
    check(identifier: string, nowSeconds: number): Promise<RateDecision> {
      const keys = limits.map((l) => `${prefix}${identifier}:${windowStart(l.period, nowSeconds)}:${l.period}`);
      return store.increment(keys, ttls).then(
        (used) => decide(limits, used.map(Number), nowSeconds, hide),
        () => (config.faultTolerant ? TOLERATED : FATAL),
      );
    },
  };
}
