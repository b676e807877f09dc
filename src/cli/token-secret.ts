import { readFileSync } from 'node:fs';
import { UsageError } from '../model/usage-error.js';

export const TOKEN_SECRET_ENV = 'PORTCULLIS_TOKEN_SECRET';

/**
 * The HMAC secret of `portcullis token`, from exactly one of `--secret`, `--secret-file` or
 * PORTCULLIS_TOKEN_SECRET (a secret on the command line shows in `ps` and shell history).
 * A file is used byte for byte, as a Kubernetes Secret made with --from-file would be.
 * Errors name the sources, never the secret.
 */
export function tokenSecret(
  flags: { secret?: string; 'secret-file'?: string },
  algorithm: string,
  env: NodeJS.ProcessEnv,
): string | Buffer {
  const sources = [
    flags.secret !== undefined && '--secret',
    flags['secret-file'] !== undefined && '--secret-file',
    env[TOKEN_SECRET_ENV] !== undefined && TOKEN_SECRET_ENV,
  ].filter((s): s is string => s !== false);
  if (sources.length === 0) {
    throw new UsageError(`--secret is required for ${algorithm} (or --secret-file FILE, or ${TOKEN_SECRET_ENV})`);
  }
  if (sources.length > 1) {
    throw new UsageError(`give the HMAC secret once: both ${sources.join(' and ')} are set (use one of --secret, --secret-file, ${TOKEN_SECRET_ENV})`);
  }
  if (flags.secret !== undefined) return flags.secret;
  const file = flags['secret-file'];
  if (file === undefined) return env[TOKEN_SECRET_ENV]!;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`--secret-file ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
