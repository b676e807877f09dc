import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerLeaderMetric } from '../../../src/observability/leader-metrics.js';

describe('registerLeaderMetric', () => {
  it('follows the callback at scrape time', async () => {
    const registry = new Registry();
    let leader = false;
    registerLeaderMetric(registry, () => leader);
    expect(await registry.metrics()).toContain('portcullis_leader 0');
    leader = true;
    expect(await registry.metrics()).toContain('portcullis_leader 1');
    leader = false;
    expect(await registry.metrics()).toContain('portcullis_leader 0');
  });
});
