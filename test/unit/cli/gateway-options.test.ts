import { describe, expect, it } from 'vitest';
import { gatewayOptions } from '../../../src/cli/gateway-options.js';

describe('--websocket-idle-timeout', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined], // default "service": each service's read_timeout, as in Kong
    ['service', undefined],
    ['0', 0],
    ['90', 90_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
  ])('%j → %j ms', (value, ms) => {
    expect(gatewayOptions(value === undefined ? {} : { 'websocket-idle-timeout': value }, {}).websocketIdleTimeoutMs).toBe(ms);
  });

  it('reads PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT', () => {
    expect(gatewayOptions({}, { PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT: '2m' }).websocketIdleTimeoutMs).toBe(120_000);
  });

  it.each(['-1', '1.5', 'forever', '10ms'])('refuses %j', (value) => {
    expect(() => gatewayOptions({ 'websocket-idle-timeout': value }, {})).toThrow(/--websocket-idle-timeout: expected service or a duration/);
  });
});
