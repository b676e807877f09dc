import { describe, expect, it } from 'vitest';
import { gatewayOptions } from '../../../src/cli/gateway-options.js';
import { UsageError } from '../../../src/model/usage-error.js';

describe('--upstream-tls-verify (docs/upstream-tls.md#the-default)', () => {
  it('is on by default: https upstreams are verified, as before upstream TLS settings existed', () => {
    expect(gatewayOptions({}, {}).upstreamTlsVerify).toBe(true);
  });

  it("off (flag or PORTCULLIS_UPSTREAM_TLS_VERIFY) restores Kong's default; the flag wins over the env var", () => {
    expect(gatewayOptions({ 'upstream-tls-verify': 'off' }, {}).upstreamTlsVerify).toBe(false);
    expect(gatewayOptions({}, { PORTCULLIS_UPSTREAM_TLS_VERIFY: 'off' }).upstreamTlsVerify).toBe(false);
    expect(gatewayOptions({ 'upstream-tls-verify': 'on' }, { PORTCULLIS_UPSTREAM_TLS_VERIFY: 'off' }).upstreamTlsVerify).toBe(true);
  });

  it('anything but on or off is a usage error naming the flag', () => {
    expect(() => gatewayOptions({ 'upstream-tls-verify': 'false' }, {})).toThrow(UsageError);
    expect(() => gatewayOptions({}, { PORTCULLIS_UPSTREAM_TLS_VERIFY: 'yes' })).toThrow(/--upstream-tls-verify: expected on or off, got 'yes'/);
  });
});
