/**
 * The `time` field of every log line, from every process: ISO 8601 UTC with milliseconds
 * (`"time":"2026-12-03T03:04:05.678Z"`), the form operators grep and log shippers parse without
 * configuration. Formatted as pino's `timestamp` option expects (`,"time":…`).
 *
 * The access log writes one line per request: the formatted second is cached and only the
 * milliseconds are appended, so a busy second costs one Date, not one per line.
 */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

export function isoTimeField(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    // "2026-12-03T03:04:05." : everything up to the milliseconds.
    cachedPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
  }
  const ms = now - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}
