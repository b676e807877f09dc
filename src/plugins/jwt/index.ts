export { createJwtAuthenticator, type CachingJwtAuthenticator } from './authenticator.js';
export { importCredentialKeys, type ImportedCredentialKeys, type KeyImportResult } from './keys.js';
export type { RejectReason } from './responses.js';
export type { JwtAuthenticatorDeps } from './types.js';
export { createVerifiedTokenCache, defaultTokenCacheBytes, dropStaleVerifications, processTokenCache, type VerifiedTokenCache } from './verified-token-cache.js';
