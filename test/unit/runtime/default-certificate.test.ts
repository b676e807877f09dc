import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefaultCertificate } from '../../../src/runtime/default-certificate.js';
import { makeCert, strayKey } from '../../support/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'default-cert-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('loadDefaultCertificate', () => {
  it('without files: a fresh self-signed certificate for localhost', () => {
    const a = loadDefaultCertificate({});
    expect(new X509Certificate(a.cert).subject).toBe('CN=localhost');
    expect(loadDefaultCertificate({}).key).not.toBe(a.key);
  });

  it('reads a matching file pair', () => {
    const pair = makeCert('default.test');
    const got = loadDefaultCertificate({ defaultCertificate: { certFile: file('ok.crt', pair.cert), keyFile: file('ok.key', pair.key) } });
    expect(got).toEqual(pair);
  });

  it('refuses unreadable, unparsable or mismatched files, naming the file and never the content', () => {
    const pair = makeCert('x');
    const key = strayKey();
    const cases: Array<[{ certFile: string; keyFile: string }, RegExp]> = [
      [{ certFile: join(dir, 'missing.crt'), keyFile: file('k1', pair.key) }, /cannot read .*missing\.crt: ENOENT/],
      [{ certFile: file('bad.crt', 'nope'), keyFile: file('k2', pair.key) }, /bad\.crt is not a PEM certificate/],
      [{ certFile: file('c3', pair.cert), keyFile: file('bad.key', 'nope') }, /bad\.key is not a PEM private key/],
      [{ certFile: file('c4', pair.cert), keyFile: file('other.key', key) }, /the key in .*other\.key does not match the certificate in .*c4/],
    ];
    for (const [files, message] of cases) {
      let err: Error | undefined;
      try {
        loadDefaultCertificate({ defaultCertificate: files });
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).toMatch(message);
      expect(err?.message).not.toContain('BEGIN');
    }
  });
});
