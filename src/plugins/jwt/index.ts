export { createJwtAuthenticator, DEFAULT_TOKEN_CACHE_SIZE, type CachingJwtAuthenticator } from './authenticator.js';
export { importCredentialKeys, type ImportedCredentialKeys, type KeyImportResult } from './keys.js';
export type { RejectReason } from './responses.js';
export type { AuthOutcome, AuthRequest, JwtAuthenticator, JwtAuthenticatorDeps } from './types.js';
