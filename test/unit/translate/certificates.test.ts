import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/model/diagnostics.js';
import type { CertificateSpec, RouteSpec } from '../../../src/model/resources.js';
import type { CompiledRoute } from '../../../src/snapshot/types.js';
import { buildCertificates } from '../../../src/translate/certificates.js';
import { makeCert, strayKey } from '../../support/tls.js';

const a = makeCert('a');
const b = makeCert('b');

function yml(i: number, pair: { cert: string; key: string }, snis: string[]): CertificateSpec {
  return {
    ref: { kind: 'certificates', name: `certificates[${i}]`, file: 'kong.yml', path: `certificates[${i}]` },
    scope: '', ...pair, certField: 'cert', keyField: 'key', snis: snis.map((name, j) => ({ name, field: `snis[${j}]` })), source: 'kong.yml', tags: [],
  };
}

function kube(ns: string, name: string, createdAt: string, pair: { cert: string; key: string }, snis: string[]): CertificateSpec {
  return {
    ref: { kind: 'Route', namespace: ns, name }, scope: ns, ...pair, certField: 'spec.tls[0].secretName', keyField: 'spec.tls[0].secretName',
    snis: snis.map((n, j) => ({ name: n, field: `spec.tls[0].hosts[${j}]` })), source: `Secret ${ns}/tls`, createdAt, tags: [],
  };
}

const route = (ns: string, name: string) => ({ spec: { ref: { kind: 'Route', namespace: ns, name } } as RouteSpec }) as CompiledRoute;

describe('buildCertificates', () => {
  it('no certificates: no table', () => {
    expect(buildCertificates(undefined, [], [])).toBeUndefined();
    expect(buildCertificates([], [], [])).toBeUndefined();
  });

  it('files SNIs by kind; the first certificate claiming an SNI keeps it', () => {
    const diags: Diagnostic[] = [];
    const t = buildCertificates([yml(0, a, ['x.test', '*.w.test', 'w.*', '*']), yml(1, b, ['X.test.', 'y.test'])], [], diags)!;
    expect(t.exact.get('x.test')!.subject).toBe('CN=a');
    expect(t.exact.get('y.test')!.subject).toBe('CN=b');
    expect(t.leadingWildcard.get('.w.test')!.subject).toBe('CN=a');
    expect(t.trailingWildcard.get('w.')!.subject).toBe('CN=a');
    expect(t.catchAll!.subject).toBe('CN=a');
    expect(diags).toEqual([
      { severity: 'error', object: expect.objectContaining({ path: 'certificates[1]' }), field: 'snis[0]', reason: 'DuplicateSni', message: "SNI 'x.test' is already served by certificates certificates[0], which keeps it" },
    ]);
    expect(t.all.map((c) => c.snis)).toEqual([['x.test', '*.w.test', 'w.*', '*'], ['y.test']]);
  });

  it('the same content repeating an SNI is no conflict; the hash keys the content', () => {
    const diags: Diagnostic[] = [];
    const t = buildCertificates([yml(0, a, ['x.test']), yml(1, a, ['x.test'])], [], diags)!;
    expect(diags).toEqual([]);
    expect(t.all[0]!.hash).toBe(t.all[1]!.hash);
    expect(buildCertificates([yml(0, b, [])], [], [])!.all[0]!.hash).not.toBe(t.all[0]!.hash);
    // The id of a certificate without one comes from the certificate, never from the key.
    expect(t.all[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(buildCertificates([yml(0, { cert: a.cert, key: a.key }, [])], [], [])!.all[0]!.id).toBe(t.all[0]!.id);
  });

  it('unparsable certificate or key, and a key of another certificate: diagnostics naming the field, never the PEM', () => {
    const diags: Diagnostic[] = [];
    const t = buildCertificates(
      [yml(0, { cert: 'not a pem', key: a.key }, ['p.test']), yml(1, { cert: a.cert, key: 'garbage' }, ['q.test']), yml(2, { cert: a.cert, key: strayKey() }, ['r.test']), yml(3, b, ['s.test'])],
      [],
      diags,
    )!;
    expect(diags.map((d) => [d.object.path, d.reason, d.field])).toEqual([
      ['certificates[0]', 'InvalidCertificate', 'cert'],
      ['certificates[1]', 'InvalidCertificate', 'key'],
      ['certificates[2]', 'CertificateKeyMismatch', 'key'],
    ]);
    expect(JSON.stringify(diags)).not.toContain('BEGIN');
    expect([...t.exact.keys()]).toEqual(['s.test']);
  });

  it('expired or not yet valid: a warning, still served', () => {
    const diags: Diagnostic[] = [];
    const old = makeCert('old', { notBefore: new Date('2001-01-01Z'), notAfter: new Date('2002-01-01Z') });
    const future = makeCert('future', { notBefore: new Date('2090-01-01Z'), notAfter: new Date('2091-01-01Z') });
    const t = buildCertificates([yml(0, old, ['o.test']), yml(1, future, ['f.test'])], [], diags)!;
    expect(diags.map((d) => [d.severity, d.reason, d.message])).toEqual([
      ['warning', 'CertificateExpired', 'the certificate expired at 2002-01-01T00:00:00.000Z; served anyway, as Kong does'],
      ['warning', 'CertificateExpired', 'the certificate is not valid before 2090-01-01T00:00:00.000Z; served anyway, as Kong does'],
    ]);
    expect(t.exact.get('o.test')!.notAfter).toBe(Date.parse('2002-01-01Z') / 1000);
  });

  it('Routes: the older one keeps a contested SNI whatever the input order; a Route not served serves no certificate', () => {
    const diags: Diagnostic[] = [];
    const newer = kube('b', 'newer', '2026-02-01T00:00:00.000Z', a, ['shop.test']);
    const older = kube('z', 'older', '2026-01-01T00:00:00.000Z', b, ['shop.test']);
    const refused = kube('c', 'refused', '2025-01-01T00:00:00.000Z', a, ['other.test']);
    const t = buildCertificates([newer, older, refused], [route('b', 'newer'), route('z', 'older')], diags)!;
    expect(t.exact.get('shop.test')!.subject).toBe('CN=b');
    expect(t.exact.has('other.test')).toBe(false);
    expect(diags).toEqual([
      {
        severity: 'error', object: newer.ref, field: 'spec.tls[0].hosts[0]', reason: 'DuplicateSni',
        message: "SNI 'shop.test' is already served by Route z/older, which keeps it (the older Route wins: creationTimestamp, then namespace/name)",
      },
    ]);
  });

  it('Gateways: two listeners without hostname on different Gateways; the older one answers "*", the newer gets a warning, not an error', () => {
    const diags: Diagnostic[] = [];
    const gw = (name: string, createdAt: string, pair: { cert: string; key: string }): CertificateSpec => ({
      ref: { kind: 'Gateway', namespace: 'infra', name }, scope: 'infra', ...pair, certField: 'spec.listeners[0].tls.certificateRefs[0]', keyField: 'spec.listeners[0].tls.certificateRefs[0]',
      snis: [{ name: '*', field: 'spec.listeners[0].tls.certificateRefs[0]' }], source: `Secret infra/${name}`, createdAt, tags: [],
    });
    const t = buildCertificates([gw('newer', '2026-02-01T00:00:00.000Z', a), gw('older', '2026-01-01T00:00:00.000Z', b)], [], diags)!;
    expect(t.catchAll!.subject).toBe('CN=b');
    expect(diags.map((d) => [d.severity, d.reason, d.object.name, d.field])).toEqual([['warning', 'DuplicateSni', 'newer', 'spec.listeners[0].tls.certificateRefs[0]']]);
  });

  it('Routes: the host policy governs SNIs like hosts', () => {
    const diags: Diagnostic[] = [];
    const spec = kube('team-a', 'r', '2026-01-01T00:00:00.000Z', a, ['pay.example.com', 'a.example.org']);
    const t = buildCertificates([spec], [route('team-a', 'r')], diags, { rules: [{ name: 'payments', hosts: ['pay.example.com'], namespaces: ['payments'] }] })!;
    expect([...t.exact.keys()]).toEqual(['a.example.org']);
    expect(diags.map((d) => [d.reason, d.field])).toEqual([['HostNotAllowed', 'spec.tls[0].hosts[0]']]);
  });
});
