import { credentialId } from '../model/ids.js';
import type { JwksSpec } from '../model/jwks.js';
import type { CredentialSpec } from '../model/resources.js';
import type { JwksKeySource, JwksSources } from '../snapshot/jwks.js';
import type { Consumer, Credential } from '../snapshot/types.js';

/**
 * A JWKS credential (docs/jwks.md): its keys come from the runtime's registry, shared by every
 * credential with the same settings and kept across snapshot builds. Without a registry (offline
 * `portcullis validate`, unit tests) it has no keys, so its tokens are refused.
 */
export function jwksCredential(spec: CredentialSpec & { jwks: JwksSpec }, consumer: Consumer, sources: JwksSources | undefined): Credential {
  const source = sources?.source(spec.jwks, spec.ref) ?? unfetched(spec.jwks);
  return { id: spec.id ?? credentialId(spec.key), key: spec.key, algorithm: spec.jwks.algorithms[0]!, consumer, spec, jwks: source };
}

function unfetched(spec: JwksSpec): JwksKeySource {
  return { keys: undefined, algorithms: new Set(spec.algorithms), refetch: () => undefined };
}
