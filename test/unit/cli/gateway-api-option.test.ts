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

  it('--gateway-service-per-gateway: POD_NAMESPACE, the pod selector, the Service type and the pod port range', () => {
    const on = { 'gateway-api': true, 'gateway-service-per-gateway': true };
    expect(gatewayApiOption({ ...on, 'gateway-pod-selector': 'app=p, tier=edge' }, { POD_NAMESPACE: 'edge' })).toEqual({
      httpPort: 80,
      httpsPort: 443,
      dataPlane: { podNamespace: 'edge', podSelector: { app: 'p', tier: 'edge' }, serviceType: 'ClusterIP', portRange: { from: 20000, to: 20999 } },
    });
    expect(
      gatewayApiOption({ 'gateway-api': true }, { PORTCULLIS_GATEWAY_SERVICE_PER_GATEWAY: 'true', POD_NAMESPACE: 'e', PORTCULLIS_GATEWAY_POD_SELECTOR: 'a=b', PORTCULLIS_GATEWAY_SERVICE_TYPE: 'LoadBalancer', PORTCULLIS_GATEWAY_POD_PORTS: '30000-30009' })?.dataPlane,
    ).toEqual({ podNamespace: 'e', podSelector: { a: 'b' }, serviceType: 'LoadBalancer', portRange: { from: 30000, to: 30009 } });
    expect(() => gatewayApiOption({ ...on, 'gateway-pod-selector': 'a=b' }, {})).toThrow(/POD_NAMESPACE/);
    expect(() => gatewayApiOption(on, { POD_NAMESPACE: 'e' })).toThrow(/--gateway-pod-selector/);
    expect(() => gatewayApiOption({ ...on, 'gateway-pod-selector': 'a=b', 'gateway-service-type': 'ExternalName' }, { POD_NAMESPACE: 'e' })).toThrow(/--gateway-service-type/);
    expect(() => gatewayApiOption({ ...on, 'gateway-pod-selector': 'a=b', 'gateway-pod-ports': '20-10' }, { POD_NAMESPACE: 'e' })).toThrow(/--gateway-pod-ports/);
  });
});
