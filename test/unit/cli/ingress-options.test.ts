import { describe, expect, it } from 'vitest';
import { ingressOption } from '../../../src/cli/ingress-options.js';

describe('ingressOption', () => {
  it('off by default: Ingresses are not watched', () => {
    expect(ingressOption({}, {})).toBeUndefined();
  });

  it('--ingress, or any --ingress-class, turns it on', () => {
    expect(ingressOption({ ingress: true }, {})).toEqual({ settings: { classNames: [] }, publishing: {} });
    expect(ingressOption({ 'ingress-class': ['a,b', 'c'] }, {})?.settings.classNames).toEqual(['a', 'b', 'c']);
    expect(ingressOption({}, { PORTCULLIS_INGRESS: 'true' })).toBeDefined();
    expect(ingressOption({}, { PORTCULLIS_INGRESS_CLASS: 'x' })?.settings.classNames).toEqual(['x']);
  });

  it('publishing: a Service NS/NAME or fixed addresses (flags win over env)', () => {
    expect(ingressOption({ ingress: true, 'publish-service': 'gw/portcullis' }, { PORTCULLIS_PUBLISH_SERVICE: 'x/y' })?.publishing).toEqual({ service: { namespace: 'gw', name: 'portcullis' } });
    expect(ingressOption({ ingress: true }, { PORTCULLIS_PUBLISH_ADDRESS: '192.0.2.1, lb.example' })?.publishing).toEqual({ addresses: ['192.0.2.1', 'lb.example'] });
  });

  it('implied by another flag (--kic-resources): on, with the publishing flags', () => {
    expect(ingressOption({ 'publish-service': 'gw/portcullis' }, {}, true)).toEqual({ settings: { classNames: [] }, publishing: { service: { namespace: 'gw', name: 'portcullis' } } });
    expect(ingressOption({ 'publish-address': ['192.0.2.1'] }, {}, true)?.publishing).toEqual({ addresses: ['192.0.2.1'] });
  });

  it('--publish-service alone is not Ingress\'s to refuse: Gateway API reads it too (src/cli.ts checks the pair)', () => {
    expect(ingressOption({ 'publish-service': 'gw/portcullis' }, {})).toBeUndefined();
  });

  it.each([
    [{ 'publish-address': ['192.0.2.1'] }, {}, /--publish-address needs --ingress/],
    [{ ingress: true, 'publish-service': 'portcullis' }, {}, /--publish-service: expected NAMESPACE\/NAME/],
    [{ ingress: true, 'publish-address': ['not an address'] }, {}, /--publish-address/],
    [{}, { PORTCULLIS_INGRESS: 'yes' }, /PORTCULLIS_INGRESS: expected true or false/],
  ])('usage errors: %j %j', (values, env, message) => {
    expect(() => ingressOption(values, env)).toThrow(message);
  });
});
