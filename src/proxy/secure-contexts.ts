import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { TlsCertificate } from '../snapshot/types.js';

/**
 * TLS 1.2 and 1.3 only; Mozilla's "intermediate" cipher list (ECDHE with AES-GCM or
 * ChaCha20-Poly1305, no DHE: no dhparam to manage) and the TLS 1.3 suites (docs/tls.md).
 */
export const TLS_SETTINGS = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: false,
} as const satisfies SecureContextOptions;

/**
 * SecureContexts by content hash: a snapshot swap reuses the context of every certificate it did
 * not change (building one parses the PEM again), and `retain` drops those no snapshot serves.
 * Built lazily, at the first handshake that needs one.
 */
export class SecureContextCache {
  readonly #byHash = new Map<string, SecureContext | null>();

  get(cert: TlsCertificate): SecureContext | undefined {
    let ctx = this.#byHash.get(cert.hash);
    if (ctx === undefined) {
      try {
        ctx = createSecureContext({ ...TLS_SETTINGS, cert: cert.cert, key: cert.key });
      } catch {
        // The translator checked the pair; whatever OpenSSL still refuses falls back to the default.
        ctx = null;
      }
      this.#byHash.set(cert.hash, ctx);
    }
    return ctx ?? undefined;
  }

  retain(live: readonly TlsCertificate[]): void {
    const keep = new Set(live.map((c) => c.hash));
    for (const hash of this.#byHash.keys()) if (!keep.has(hash)) this.#byHash.delete(hash);
  }

  get size(): number {
    return this.#byHash.size;
  }
}
