import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { RateSampler, requestTotals } from '../../../src/admin/request-rates.js';

describe('requestTotals', () => {
  it("sums the gateway's real request counter by status class", async () => {
    const m = new GatewayMetrics({ defaultMetrics: false });
    const api = { label: 'api' };
    for (let i = 0; i < 5; i++) m.observe(api, 200, 0.001);
    for (let i = 0; i < 3; i++) m.observe(api, 401, 0.001);
    m.observe(undefined, 404, 0.001);
    m.observe(api, 502, 0.001);
    expect(requestTotals(await m.registry.metrics())).toEqual({ requests: 10, clientErrors: 4, serverErrors: 1 });
  });

  it('a status="…" inside an (escaped) route label does not count', async () => {
    const m = new GatewayMetrics({ defaultMetrics: false });
    m.observe({ label: 'x",status="500' }, 200, 0.001);
    expect(requestTotals(await m.registry.metrics())).toEqual({ requests: 1, clientErrors: 0, serverErrors: 0 });
  });

  it('ignores other series and an empty text', () => {
    expect(requestTotals('portcullis_requests_totalx{status="500"} 4\n# HELP portcullis_requests_total x\n')).toEqual({ requests: 0, clientErrors: 0, serverErrors: 0 });
  });
});

describe('RateSampler', () => {
  const totals = (requests: number, clientErrors = 0, serverErrors = 0) => ({ requests, clientErrors, serverErrors });

  it('has no rate on the first read, then per-second rates since the previous sample', () => {
    let now = 0;
    const s = new RateSampler(() => now);
    expect(s.sample(totals(100))).toBeNull();
    now = 5_000;
    expect(s.sample(totals(150, 10, 5))).toEqual({ windowSeconds: 5, requests: 10, clientErrors: 2, serverErrors: 1, totals: totals(150, 10, 5) });
  });

  it('a read less than a second after the last compares with an older sample', () => {
    let now = 0;
    const s = new RateSampler(() => now);
    s.sample(totals(0));
    now = 2_000;
    s.sample(totals(20));
    now = 2_500;
    expect(s.sample(totals(25))?.windowSeconds).toBe(2.5);
  });

  it('never reports a negative rate when a counter went down', () => {
    let now = 0;
    const s = new RateSampler(() => now);
    s.sample(totals(50));
    now = 1_000;
    expect(s.sample(totals(10))?.requests).toBe(0);
  });
});
