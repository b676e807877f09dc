import { describe, expect, it } from 'vitest';
import { kicOption } from '../../../src/cli/kic-option.js';

describe('--kic-resources / --kic-ingress-class', () => {
  it('is off by default', () => expect(kicOption({}, {})).toBeUndefined());

  it("on with the flag or the env var, class 'kong' (KIC's default)", () => {
    expect(kicOption({ 'kic-resources': true }, {})).toEqual({ className: 'kong' });
    expect(kicOption({}, { PORTCULLIS_KIC_RESOURCES: 'true' })).toEqual({ className: 'kong' });
    expect(kicOption({}, { PORTCULLIS_KIC_RESOURCES: 'false' })).toBeUndefined();
  });

  it('a class implies it', () => {
    expect(kicOption({ 'kic-ingress-class': 'kong-internal' }, {})).toEqual({ className: 'kong-internal' });
    expect(kicOption({}, { PORTCULLIS_KIC_INGRESS_CLASS: 'edge' })).toEqual({ className: 'edge' });
  });

  it('refuses a bad value', () => {
    expect(() => kicOption({}, { PORTCULLIS_KIC_RESOURCES: 'yes' })).toThrow(/expected true or false/);
    expect(() => kicOption({ 'kic-ingress-class': 'Not A Class' }, {})).toThrow(/--kic-ingress-class/);
  });
});
