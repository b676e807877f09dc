import { describe, expect, it } from 'vitest';
import { successSampler } from '../../../src/observability/access-sampling.js';

/** Which access-log lines `--access-log-sample-success` may drop (docs/access-log.md#sampling). */
describe('successSampler', () => {
  it('ratio 1: no sampler at all (no per-line work)', () => {
    expect(successSampler(1)).toBeUndefined();
  });

  it('ratio 0: drops every 2xx/3xx line that is not a refusal, keeps all others', () => {
    const keep = successSampler(0, () => 0)!;
    for (const s of [200, 201, 204, 206, 301, 304, 308, 399]) expect(keep(s, false), String(s)).toBe(false);
    for (const s of [101, 400, 401, 403, 404, 426, 499, 500, 502, 503, 504]) expect(keep(s, false), String(s)).toBe(true);
    // An https_required redirect (301/308) is a refusal: kept.
    expect(keep(308, true)).toBe(true);
    expect(keep(200, true)).toBe(true);
  });

  it('keeps a success when the random draw is below the ratio', () => {
    const draws = [0.1, 0.3, 0.29999, 0.9];
    const keep = successSampler(0.3, () => draws.shift()!)!;
    expect([keep(200, false), keep(200, false), keep(200, false), keep(200, false)]).toEqual([true, false, true, false]);
  });

  it('never draws for lines it always keeps', () => {
    let draws = 0;
    const keep = successSampler(0.5, () => (draws++, 0.9))!;
    keep(401, false);
    keep(502, false);
    keep(301, true);
    expect(draws).toBe(0);
  });

  it.each([-0.1, 1.1, Number.NaN])('refuses ratio %s', (r) => {
    expect(() => successSampler(r)).toThrow(RangeError);
  });
});
