import { describe, expect, it } from 'vitest';
import { gatewayApiOption } from '../../../src/cli/gateway-api-option.js';

describe('gatewayApiOption (--gateway-api and its settings)', () => {
  it('off unless the flag or PORTCULLIS_GATEWAY_API=true', () => {
    expect(gatewayApiOption({}, {})).toBeUndefined();
    expect(gatewayApiOption({ 'publish-service': 'a/b' }, {})).toBeUndefined();
    expect(gatewayApiOption({}, { PORTCULLIS_GATEWAY_API: 'true' })).toEqual({ httpPort: 80, httpsPort: 443 });
  });

  it('ports and the publish Service, flags before env', () => {
    expect(
      gatewayApiOption({ 'gateway-api': true, 'gateway-http-port': '8080', 'publish-service': 'edge/portcullis' }, { PORTCULLIS_GATEWAY_HTTP_PORT: '81', PORTCULLIS_GATEWAY_HTTPS_PORT: '8443' }),
    ).toEqual({ httpPort: 8080, httpsPort: 8443, publishService: 'edge/portcullis' });
  });

  it('refuses a bad port or Service name', () => {
    expect(() => gatewayApiOption({ 'gateway-api': true, 'gateway-https-port': '0' }, {})).toThrow(/--gateway-https-port/);
    expect(() => gatewayApiOption({ 'gateway-api': true, 'publish-service': 'just-a-name' }, {})).toThrow(/NAMESPACE\/NAME/);
  });
});
