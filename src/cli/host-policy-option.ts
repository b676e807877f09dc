import { readFileSync } from 'node:fs';
import { parseHostPolicy, type HostPolicy } from '../model/host-policy.js';
import { UsageError } from '../model/usage-error.js';

/**
 * `--host-policy` / PORTCULLIS_HOST_POLICY: the policy inline (YAML or JSON), or "@FILE".
 * An invalid policy stops the controller at startup: running without the restriction the
 * operator asked for would let any namespace claim any host.
 */
export function hostPolicyOption(value: string | undefined): HostPolicy | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let text = value;
  let source = '--host-policy';
  if (value.startsWith('@')) {
    source = `--host-policy file ${value.slice(1)}`;
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`${source}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const parsed = parseHostPolicy(text);
  if (!parsed.ok) throw new UsageError(`${source}: ${parsed.message}`);
  return parsed.policy;
}
