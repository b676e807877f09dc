import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { websocketMetrics } from '../../../src/observability/websocket-metrics.js';

describe('websocketMetrics', () => {
  it('registers once per GatewayMetrics (several listeners share it) and counts tunnels', async () => {
    const m = new GatewayMetrics({ defaultMetrics: false });
    const a = websocketMetrics(m);
    expect(websocketMetrics(m)).toBe(a);
    a.upgrade({ label: 'chat' }, 'upgraded');
    a.upgrade(undefined, 'rejected');
    a.open.inc();
    a.tunnelClosed('idle', 10, 20);
    const text = await m.registry.metrics();
    expect(text).toContain('portcullis_websocket_upgrades_total{route="chat",outcome="upgraded"} 1');
    expect(text).toContain('portcullis_websocket_upgrades_total{route="(none)",outcome="rejected"} 1');
    expect(text).toContain('portcullis_websocket_tunnels_open 0');
    expect(text).toContain('portcullis_websocket_tunnels_closed_total{reason="idle"} 1');
    expect(text).toContain('portcullis_websocket_bytes_total{direction="upstream"} 10');
    expect(text).toContain('portcullis_websocket_bytes_total{direction="downstream"} 20');
  });
});
