import { describe, expect, it } from 'vitest';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { validSniName } from '../../../../src/sources/declarative/certificates.js';
import YAML from 'yaml';
import { makeCert } from '../../../support/tls.js';

const pair = makeCert('c');
const load = (doc: object) => parseDeclarative(YAML.stringify({ _format_version: '3.0', ...doc }), 'kong.yml').resources;

describe('kong.yml certificates and snis', () => {
  it('nested snis as names or records, top-level snis by certificate id', () => {
    const r = load({
      certificates: [{ id: 'aaaaaaaa-0000-4000-8000-000000000001', ...pair, snis: ['a.test', { name: '*.b.test' }], tags: ['t'] }],
      snis: [{ name: 'c.test', certificate: { id: 'aaaaaaaa-0000-4000-8000-000000000001' } }, { name: 'd.test', certificate: 'AAAAAAAA-0000-4000-8000-000000000001' }],
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.certificates).toHaveLength(1);
    const c = r.certificates![0]!;
    expect(c).toMatchObject({ id: 'aaaaaaaa-0000-4000-8000-000000000001', cert: pair.cert, key: pair.key, certField: 'cert', keyField: 'key', source: 'kong.yml', tags: ['t'] });
    expect(c.snis.map((s) => [s.name, s.field, s.ref?.path])).toEqual([
      ['a.test', 'snis[0]', undefined],
      ['*.b.test', 'snis[1]', undefined],
      ['c.test', 'name', 'snis[0]'],
      ['d.test', 'name', 'snis[1]'],
    ]);
  });

  it('no certificates: the ResourceSet has none (its hash is unchanged)', () => {
    expect(load({ consumers: [] }).certificates).toBeUndefined();
  });

  it('shape errors name the entity and the field; cert_alt is refused; an unknown certificate reference too', () => {
    const r = load({
      certificates: [{ cert: pair.cert }, { ...pair, cert_alt: pair.cert, key_alt: pair.key }, { ...pair, snis: ['bad..name', 'a.*.b'] }, { ...pair, color: 1 }],
      snis: [{ name: 'x.test', certificate: { id: 'aaaaaaaa-0000-4000-8000-000000000009' } }],
    });
    expect(r.certificates).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.object.path, d.reason, d.field])).toEqual([
      ['certificates[0]', 'MissingField', 'key'],
      ['certificates[1]', 'Unsupported', 'cert_alt'],
      ['certificates[2]', 'InvalidValue', 'snis[0]'],
      ['certificates[2]', 'InvalidValue', 'snis[1]'],
      ['certificates[3]', 'UnknownField', 'color'],
      ['snis[0]', 'CertificateNotFound', 'certificate'],
    ]);
    expect(JSON.stringify(r.diagnostics)).not.toContain('BEGIN');
  });

  it.each([
    ['example.com', true], ['*.example.com', true], ['example.*', true], ['*', true], ['*.www.example.com', true],
    ['*.example.*', false], ['ex*ample.com', false], ['a..b', false], ['-a.com', false], ['a.com:443', false],
  ])('SNI name %s: %s', (name, ok) => {
    expect(validSniName(name)).toBe(ok);
  });
});

describe('route protocols', () => {
  const route = (extra: object) => load({ services: [{ name: 's', url: 'http://u', routes: [{ name: 'r', paths: ['/'], ...extra }] }] });

  it('grpc and grpcs are accepted; https_redirect_status_code is read', () => {
    const r = route({ protocols: ['https', 'grpcs'], https_redirect_status_code: 308 });
    expect(r.diagnostics).toEqual([]);
    expect(r.routes[0]).toMatchObject({ protocols: ['https', 'grpcs'], httpsRedirectStatusCode: 308 });
    expect(route({}).routes[0]!.httpsRedirectStatusCode).toBeUndefined();
  });

  it('stream protocols and other codes are refused', () => {
    const r = route({ protocols: ['tls', 'ftp'], https_redirect_status_code: 303 });
    expect(r.routes).toEqual([]);
    expect(r.diagnostics.map((d) => [d.reason, d.field])).toEqual([
      ['Unsupported', 'protocols[0]'],
      ['InvalidValue', 'protocols[1]'],
      ['InvalidValue', 'https_redirect_status_code'],
    ]);
  });
});
