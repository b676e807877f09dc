import type { TlsCertificate } from '../snapshot/types.js';
import { REDACTED } from './views.js';

/**
 * Kong's /certificates and /snis shapes (docs/tls.md). The private key is always redacted, even
 * with --admin-expose-secrets: nothing needs it back, and it would let anyone impersonate the host.
 */
export function certificateView(c: TlsCertificate, createdAt: Date) {
  return {
    id: c.id,
    created_at: Math.floor(createdAt.getTime() / 1000),
    cert: c.cert,
    key: REDACTED,
    cert_alt: null,
    key_alt: null,
    snis: c.snis,
    tags: null,
    // Not Kong's: when the certificate expires, and where it came from.
    expires_at: c.notAfter,
    source: c.source,
  };
}

export function sniViews(certs: readonly TlsCertificate[], createdAt: Date) {
  return certs.flatMap((c) => c.snis.map((name) => ({ name, certificate: { id: c.id }, created_at: Math.floor(createdAt.getTime() / 1000), tags: null })));
}
