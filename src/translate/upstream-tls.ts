import type { UpstreamProtocol } from '../model/resources.js';
import { DEFAULT_VERIFY_DEPTH, type UpstreamTlsSpec } from '../model/upstream-tls.js';
import type { UpstreamTls } from '../snapshot/types.js';
import { stableHash } from './stable-hash.js';

/**
 * A service's TLS settings → the snapshot's UpstreamTls (https and grpcs only; plain http and
 * grpc upstreams have none, so their pools and hot path are untouched). The hash covers the PEM
 * material itself: a rotated Secret or kong.yml certificate gives a new pool for new connections
 * (docs/upstream-tls.md).
 */
export function upstreamTls(spec: UpstreamTlsSpec | undefined, protocol: UpstreamProtocol): UpstreamTls | undefined {
  if (spec === undefined || (protocol !== 'https' && protocol !== 'grpcs')) return undefined;
  const tls: UpstreamTls = {
    verify: spec.verify,
    verifyDepth: spec.verifyDepth ?? DEFAULT_VERIFY_DEPTH,
    hash: stableHash(spec).slice(0, 16),
  };
  if (spec.caCertificates !== undefined && spec.caCertificates.length > 0) tls.ca = spec.caCertificates;
  if (spec.clientCertificate !== undefined) {
    tls.cert = spec.clientCertificate.cert;
    tls.key = spec.clientCertificate.key;
  }
  if (spec.serverName !== undefined) tls.serverName = spec.serverName;
  return tls;
}
