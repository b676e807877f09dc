import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCertificatePair, parseCertificates } from '../../../src/model/certificate-pem.js';
import { TestPki, type Pem } from '../../support/upstream-pki.js';

/** The one check of a certificate and its key, for the TLS listener and for upstream mTLS alike. */
let pki: TestPki;
let root: Pem;
let int: Pem;
let leaf: Pem;
let other: Pem;

beforeAll(async () => {
  pki = await TestPki.create();
  root = await pki.root('root');
  int = await pki.issue('int', 'root', { ca: true });
  leaf = await pki.issue('leaf', 'int', { sans: ['DNS:leaf.test'] });
  other = await pki.issue('other', 'root', { client: true });
}, 30_000);
afterAll(() => pki.remove());

describe('checkCertificatePair', () => {
  it('a chain whose leaf belongs to the key: ok, with the leaf', () => {
    const r = checkCertificatePair(leaf.cert + int.cert, leaf.key);
    expect(r.ok).toBe(true);
    expect(r.ok && r.leaf.subject).toContain('CN=leaf');
  });

  it.each([
    ['no PEM certificate', () => checkCertificatePair('garbage', leaf.key), { problem: 'cert', message: 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)' }],
    ['a broken second certificate', () => checkCertificatePair(`${leaf.cert}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`, leaf.key), { problem: 'cert', message: 'certificate 2 of 2 could not be parsed' }],
    ['a key that does not parse', () => checkCertificatePair(leaf.cert, 'garbage'), { problem: 'key', message: 'the private key could not be parsed (PEM, unencrypted)' }],
    ["another certificate's key", () => checkCertificatePair(leaf.cert, other.key), { problem: 'mismatch', message: 'certificate does not match key' }],
    ['the key of a later certificate in the chain', () => checkCertificatePair(leaf.cert + int.cert, int.key), { problem: 'mismatch', message: 'certificate does not match key' }],
  ])('%s', (_name, check, expected) => {
    const r = check();
    expect(r).toEqual({ ok: false, ...expected });
    expect(JSON.stringify(r)).not.toContain('MII'); // no PEM body (base64 DER starts so)
  });

  it('parseCertificates reads every block of a bundle', () => {
    expect(parseCertificates(root.cert + int.cert)).toMatchObject({ certs: [{ ca: true }, { ca: true }] });
  });
});
