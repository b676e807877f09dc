import { describe, expect, it } from 'vitest';
import { SecureContextCache, TLS_SETTINGS } from '../../../src/proxy/secure-contexts.js';
import type { TlsCertificate } from '../../../src/snapshot/types.js';
import { makeCert } from '../../support/tls.js';

const cert = (hash: string, pair = makeCert(hash)) => ({ hash, ...pair }) as TlsCertificate;

describe('SecureContextCache', () => {
  it('builds a context once per content hash and keeps it across snapshots until no snapshot serves it', () => {
    const cache = new SecureContextCache();
    const a = cert('a');
    const ctx = cache.get(a)!;
    expect(ctx).toBeDefined();
    // The next snapshot's copy of the same certificate (a new object, same content): same context.
    expect(cache.get({ ...a })).toBe(ctx);
    const b = cert('b');
    cache.get(b);
    expect(cache.size).toBe(2);
    cache.retain([b]);
    expect(cache.size).toBe(1);
    expect(cache.get(a)).not.toBe(ctx);
  });

  it('a pair OpenSSL refuses gives no context (the listener default), once', () => {
    const cache = new SecureContextCache();
    expect(cache.get({ hash: 'x', cert: 'garbage', key: 'garbage' } as TlsCertificate)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('TLS 1.2 and 1.3 only, with the TLS 1.3 suites listed (a cipher string without them disables 1.3)', () => {
    expect(TLS_SETTINGS.minVersion).toBe('TLSv1.2');
    expect(TLS_SETTINGS.maxVersion).toBe('TLSv1.3');
    expect(TLS_SETTINGS.ciphers).toContain('TLS_AES_128_GCM_SHA256');
    expect(TLS_SETTINGS.ciphers).not.toMatch(/(^|:)(DHE|AES128-SHA|DES|RC4)/);
  });
});
