import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../../src/model/diagnostics.js';
import { routeSpecSchema } from '../../../../src/model/crds.js';
import { routeCertificates } from '../../../../src/sources/kube/tls-certificates.js';
import type { SecretObject } from '../../../../src/sources/kube/types.js';

const ref = { kind: 'Route', namespace: 'shop', name: 'web' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secrets = new Map<string, SecretObject>([
  ['shop/tls', { data: { 'tls.crt': b64('CERT'), 'tls.key': b64('KEY') } }],
  ['shop/nokey', { data: { 'tls.crt': b64('CERT') } }],
]);
const spec = (tls: unknown, hosts = ['shop.test', 'api.shop.test:8443']) => routeSpecSchema.parse({ hosts, paths: ['/'], backend: { url: 'http://u' }, tls });

describe('routeCertificates', () => {
  it('reads tls.crt and tls.key; SNIs are the tls hosts, else the Route hosts without ports', () => {
    const diags: Diagnostic[] = [];
    const out = routeCertificates(ref, spec([{ secretName: 'tls' }, { secretName: 'tls', hosts: ['*.shop.test'] }]), secrets, '2026-01-01T00:00:00.000Z', diags);
    expect(diags).toEqual([]);
    expect(out.map((c) => [c.cert, c.key, c.source, c.certField, c.snis])).toEqual([
      ['CERT', 'KEY', 'Secret shop/tls', 'spec.tls[0].secretName', [{ name: 'shop.test', field: 'spec.hosts[0]' }, { name: 'api.shop.test', field: 'spec.hosts[1]' }]],
      ['CERT', 'KEY', 'Secret shop/tls', 'spec.tls[1].secretName', [{ name: '*.shop.test', field: 'spec.tls[1].hosts[0]' }]],
    ]);
    expect(out[0]).toMatchObject({ scope: 'shop', createdAt: '2026-01-01T00:00:00.000Z' });
  });

  it('a missing Secret or key: a diagnostic on the Route naming the entry, never a value', () => {
    const diags: Diagnostic[] = [];
    expect(routeCertificates(ref, spec([{ secretName: 'gone' }, { secretName: 'nokey' }]), secrets, undefined, diags)).toEqual([]);
    expect(diags.map((d) => [d.reason, d.field, d.message])).toEqual([
      ['SecretNotFound', 'spec.tls[0].secretName', "Secret 'shop/gone' not found (credential Secrets must carry the label portcullis.dev/credential=true to be seen)"],
      ['SecretKeyNotFound', 'spec.tls[1].secretName', "Secret 'shop/nokey' has no key 'tls.key'"],
    ]);
  });

  it('the schema: protocols default to both, redirect code 426, SNI hosts validated', () => {
    const s = spec(undefined);
    expect(s.protocols).toEqual(['http', 'https']);
    expect(s.httpsRedirectStatusCode).toBe(426);
    expect(routeSpecSchema.safeParse({ paths: ['/'], backend: { url: 'http://u' }, tls: [{ secretName: 'x', hosts: ['a.*'] }] }).success).toBe(false);
    expect(routeSpecSchema.safeParse({ paths: ['/'], backend: { url: 'http://u' }, httpsRedirectStatusCode: 303 }).success).toBe(false);
    expect(routeSpecSchema.safeParse({ paths: ['/'], backend: { url: 'http://u' }, protocols: ['tcp'] }).success).toBe(false);
  });
});
