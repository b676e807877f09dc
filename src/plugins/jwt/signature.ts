import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../../model/algorithms.js';
import { ALGORITHM_PARAMS, EDDSA_SIGNATURE_LENGTH } from './algorithm-params.js';

/**
 * Verifies a JWS signature over `signingInput` (the ASCII "header.payload" text) with a key
 * imported at snapshot build time. Any exception (malformed signature, OpenSSL refusing the
 * input) counts as a failed verification: never a 500 (docs/kong-compatibility.md#stricter-than-kong).
 */
export function verifySignature(alg: JwtAlgorithm, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  try {
    return verifyOrThrow(alg, key, signingInput, signature);
  } catch {
    return false;
  }
}

function verifyOrThrow(alg: JwtAlgorithm, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  const params = ALGORITHM_PARAMS[alg];
  switch (params.family) {
    case 'hmac': {
      if (signature.length !== params.signatureLength) return false;
      const expected = createHmac(params.digest, key).update(signingInput, 'latin1').digest();
      return timingSafeEqual(expected, signature);
    }
    case 'rsa':
      return verify(
        params.digest,
        Buffer.from(signingInput, 'latin1'),
        { key, padding: constants.RSA_PKCS1_PADDING },
        signature,
      );
    case 'pss':
      return verify(
        params.digest,
        Buffer.from(signingInput, 'latin1'),
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength },
        signature,
      );
    case 'ecdsa':
      // JOSE signatures are raw r||s of a fixed length; anything else is not a signature.
      if (signature.length !== params.signatureLength) return false;
      return verify(params.digest, Buffer.from(signingInput, 'latin1'), { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'eddsa': {
      const expectedLength = EDDSA_SIGNATURE_LENGTH[key.asymmetricKeyType ?? ''];
      if (expectedLength === undefined || signature.length !== expectedLength) return false;
      return verify(null, Buffer.from(signingInput, 'latin1'), key, signature);
    }
  }
}
