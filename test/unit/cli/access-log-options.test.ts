import { describe, expect, it } from 'vitest';
import { parseSampleRatio } from '../../../src/cli/access-log-options.js';
import { gatewayOptions } from '../../../src/cli/gateway-options.js';
import { UsageError } from '../../../src/model/usage-error.js';

describe('--access-log-sample-success', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['0.5', 0.5],
    ['.25', 0.25],
    ['1.0', 1],
    ['1e-05', 0.00001],
  ])('%s → %s', (text, n) => {
    expect(parseSampleRatio(text, '--access-log-sample-success')).toBe(n);
  });

  it.each(['', ' ', '1.5', '-0.1', '2', 'half', '0x1', '50%', 'Infinity', 'NaN'])('refuses %j naming the flag', (text) => {
    expect(() => parseSampleRatio(text, '--access-log-sample-success')).toThrow(UsageError);
    expect(() => parseSampleRatio(text, '--access-log-sample-success')).toThrow(/--access-log-sample-success: expected a ratio from 0 to 1/);
  });

  it('defaults to 1; the flag wins over PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS', () => {
    expect(gatewayOptions({}, {}).accessLogSampleSuccess).toBe(1);
    expect(gatewayOptions({}, { PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS: '0.1' }).accessLogSampleSuccess).toBe(0.1);
    expect(gatewayOptions({ 'access-log-sample-success': '0' }, { PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS: '0.1' }).accessLogSampleSuccess).toBe(0);
  });
});
