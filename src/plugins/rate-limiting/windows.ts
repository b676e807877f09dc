import { PERIOD_SECONDS, type RatePeriod } from '../../model/rate-limiting-config.js';

/**
 * Kong's fixed windows (kong/tools/timestamp.lua get_timestamps): each period's window starts at the
 * start of the current second, minute, hour, UTC day, UTC calendar month or UTC year, in epoch
 * milliseconds. `nowSeconds` is whole seconds, as Kong's ngx.time().
 */
export function windowStart(period: RatePeriod, nowSeconds: number): number {
  switch (period) {
    case 'second':
      return nowSeconds * 1000;
    case 'minute':
      return (nowSeconds - (nowSeconds % 60)) * 1000;
    case 'hour':
      return (nowSeconds - (nowSeconds % 3600)) * 1000;
    case 'day':
      return (nowSeconds - (nowSeconds % 86400)) * 1000;
    case 'month': {
      const d = new Date(nowSeconds * 1000);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    case 'year':
      return Date.UTC(new Date(nowSeconds * 1000).getUTCFullYear(), 0, 1);
  }
}

/**
 * Kong's reset: the window length of its expiration table minus the whole seconds elapsed since the
 * window start, at least 1 (a "month" is 30 days there, so it can be off at a month's end, as in Kong).
 */
export function secondsToReset(period: RatePeriod, start: number, nowSeconds: number): number {
  return Math.max(1, PERIOD_SECONDS[period] - Math.floor((nowSeconds * 1000 - start) / 1000));
}
