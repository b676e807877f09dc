import { UsageError } from '../model/usage-error.js';

/**
 * `--access-log-sample-success RATIO` (docs/access-log.md#sampling): the share of successful
 * requests' lines kept, 0..1 ("0", "0.25", "1", also Helm's "1e-05" rendering of small floats).
 */
export function parseSampleRatio(value: string, flag: string): number {
  const n = /^[0-9.eE+-]+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 1)) throw new UsageError(`${flag}: expected a ratio from 0 to 1 such as 0.1 (share of 2xx/3xx requests logged), got '${value}'`);
  return n;
}
