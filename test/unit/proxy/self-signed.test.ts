import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../src/proxy/self-signed.js';

describe('selfSignedCertificate', () => {
  it('is a valid self-signed X.509 v3 certificate for its key, names and dates', () => {
    const notBefore = new Date('2020-01-02T03:04:05Z');
    const notAfter = new Date('2060-06-07T08:09:10Z'); // GeneralizedTime (year >= 2050)
    const { cert, key } = selfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost', '*.example.com'], notBefore, notAfter });
    const x = new X509Certificate(cert);
    expect(x.subject).toBe('CN=localhost');
    expect(x.issuer).toBe('CN=localhost');
    expect(x.subjectAltName).toBe('DNS:localhost, DNS:*.example.com');
    expect(new Date(x.validFrom).toISOString()).toBe('2020-01-02T03:04:05.000Z');
    expect(new Date(x.validTo).toISOString()).toBe('2060-06-07T08:09:10.000Z');
    expect(x.ca).toBe(false);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(key))).toBe(true);
  });

  it('is accepted by the openssl CLI (an independent parser)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-'));
    const { cert } = selfSignedCertificate({ commonName: 'gateway.test' });
    writeFileSync(join(dir, 'c.pem'), cert);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('Version: 3');
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toContain('DNS:gateway.test');
    execFileSync('openssl', ['verify', '-CAfile', join(dir, 'c.pem'), join(dir, 'c.pem')]);
  });

  it('every certificate is valid DER (a random serial must never start with a 0x00 byte)', () => {
    // Before the fix, 1 in 128 serials started with 0x00 (non-minimal INTEGER) and OpenSSL refused the certificate.
    for (let i = 0; i < 1000; i++) expect(() => new X509Certificate(selfSignedCertificate({ commonName: 'n' }).cert)).not.toThrow();
  });

  it('serial numbers differ', () => {
    const a = new X509Certificate(selfSignedCertificate({ commonName: 'a' }).cert);
    const b = new X509Certificate(selfSignedCertificate({ commonName: 'a' }).cert);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });
});
