import type { UpstreamProtocol } from '../../model/resources.js';

/**
 * A Service port's protocol when the object does not say (docs/http2-grpc.md#controller-mode):
 * Gateway API's appProtocol kubernetes.io/h2c and the plain grpc/grpcs values mean HTTP/2;
 * https (or a port named https) means TLS.
 */
export function protocolOfPort(sp: { name?: string; appProtocol?: string } | undefined): UpstreamProtocol {
  const ap = sp?.appProtocol;
  if (ap === 'kubernetes.io/h2c' || ap === 'grpc') return 'grpc';
  if (ap === 'grpcs') return 'grpcs';
  return ap === 'https' || sp?.name === 'https' ? 'https' : 'http';
}
