import { readFileSync } from 'node:fs';
import { isHmacAlgorithm, isJwtAlgorithm, JWT_ALGORITHMS } from '../model/algorithms.js';
import { mintToken } from '../tokens/mint.js';
import { UsageError } from '../model/usage-error.js';
import { parseDuration } from './duration.js';
import { tokenSecret } from './token-secret.js';

export interface TokenFlags {
  key?: string;
  secret?: string;
  'secret-file'?: string;
  'private-key'?: string;
  alg?: string;
  exp?: string;
  nbf?: string;
  claim?: string[];
  'key-claim'?: string;
  kid?: string;
}

/**
 * `portcullis token`: mint a test token. By default the key goes in the payload's `iss` and in
 * the JOSE header's `kid`, so the token works with Kong's default key_claim_name (iss) and with
 * the walkthrough's (kid) alike. `--kid` sets the header's kid on its own, to pick one of the
 * credentials sharing a key (docs/key-material.md#rotation).
 */
export function tokenCommand(flags: TokenFlags, nowSeconds = Math.floor(Date.now() / 1000), env: NodeJS.ProcessEnv = process.env): string {
  const algorithm = flags.alg ?? 'HS256';
  if (!isJwtAlgorithm(algorithm)) throw new UsageError(`--alg: expected one of ${JWT_ALGORITHMS.join(', ')}`);
  if (!flags.key) throw new UsageError('--key is required (the credential key: `GET :8001/consumers/<name>/jwt`)');
  const hmac = isHmacAlgorithm(algorithm);
  const secret = hmac ? tokenSecret(flags, algorithm, env) : undefined;
  if (!hmac && !flags['private-key']) throw new UsageError(`--private-key FILE (PEM) is required for ${algorithm}`);

  const claims: Record<string, unknown> = {};
  for (const pair of flags.claim ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--claim: expected name=value, got '${pair}'`);
    claims[pair.slice(0, eq)] = parseClaimValue(pair.slice(eq + 1));
  }
  if (flags.nbf !== undefined) claims.nbf = nowSeconds + parseDuration(flags.nbf, '--nbf');
  const keyClaim = flags['key-claim'];
  if (flags.kid === '') throw new UsageError('--kid: must not be empty');
  const header = flags.kid !== undefined ? { kid: flags.kid } : keyClaim === undefined ? { kid: flags.key } : undefined;

  return mintToken({
    algorithm,
    key: flags.key,
    ...(keyClaim !== undefined && { keyClaimName: keyClaim }),
    ...(header !== undefined && { header }),
    ...(secret !== undefined ? { secret } : { privateKeyPem: readFileSync(flags['private-key']!, 'utf8') }),
    ...(flags.exp !== undefined && { expiresInSeconds: parseDuration(flags.exp, '--exp') }),
    claims,
    now: nowSeconds,
  });
}

/**
 * A value that is valid JSON is that JSON value (`exp=123` must be a number for Kong's checks,
 * `aud=["a","b"]` an array); anything else is the string as typed (`name=alice`).
 * `n='"5"'` forces the string "5".
 */
export function parseClaimValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
