import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificates } from '../../../src/model/certificate-pem.js';
import { caCertificateProblem, clientCertificateProblem } from '../../../src/model/upstream-tls.js';
import { TestPki, type Pem } from '../../support/upstream-pki.js';

let pki: TestPki;
let root: Pem;
let int: Pem;
let leaf: Pem;
let expiredCa: Pem;

beforeAll(async () => {
  pki = await TestPki.create();
  root = await pki.root('root');
  int = await pki.issue('int', 'root', { ca: true });
  leaf = await pki.issue('leaf', 'int', { sans: ['DNS:a.test'] });
  expiredCa = await pki.issue('old-ca', 'root', { ca: true, expired: true });
}, 30_000);
afterAll(() => pki.remove());

describe('upstream TLS material checks (docs/upstream-tls.md)', () => {
  it('parses PEM bundles, and says what is wrong without quoting them', () => {
    expect(parseCertificates(root.cert + int.cert)).toMatchObject({ certs: [{ ca: true }, { ca: true }] });
    expect(parseCertificates('not a pem')).toEqual({ problem: 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)' });
    expect(parseCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toEqual({ problem: 'the certificate could not be parsed' });
  });

  it('takes CA certificates only: not expired, CA:TRUE; one per entity when single (Kong)', () => {
    expect(caCertificateProblem(root.cert, { single: true })).toBeUndefined();
    expect(caCertificateProblem(root.cert + int.cert, { single: false })).toBeUndefined();
    expect(caCertificateProblem(root.cert + int.cert, { single: true })).toBe('please submit only one certificate at a time');
    expect(caCertificateProblem(leaf.cert, { single: true })).toBe('certificate does not appear to be a CA because it is missing the "CA" basic constraint');
    expect(caCertificateProblem(root.cert + expiredCa.cert, { single: false })).toBe('certificate 2 expired, "Not After" time is in the past');
  });

  it('checks that a client key belongs to its certificate', () => {
    expect(clientCertificateProblem(leaf.cert + int.cert, leaf.key)).toBeUndefined();
    expect(clientCertificateProblem(leaf.cert, int.key)).toEqual({ field: 'key', problem: 'certificate does not match key' });
    expect(clientCertificateProblem(leaf.cert, 'garbage')).toEqual({ field: 'key', problem: 'the private key could not be parsed (PEM, unencrypted)' });
    expect(clientCertificateProblem('garbage', leaf.key)).toMatchObject({ field: 'cert' });
  });
});
