import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';

/**
 * Kong resolves `{vault://…}` only in fields its schema marks referenceable; jwt_secrets' `secret`
 * is not (kong/plugins/jwt/daos.lua), so Kong uses the reference text as the HMAC secret. Portcullis
 * does the same, and warns (docs/install.md, "Standalone mode").
 */
const file = (secret: string) =>
  `_format_version: "3.0"\nconsumers:\n  - username: alice\n    jwt_secrets:\n      - key: alice-key\n        secret: "${secret}"\n`;

describe('a vault reference as a jwt_secrets secret', () => {
  it('loads the credential with the text as written, plus a VaultReference warning naming entity and field', () => {
    const ref = '{vault://env/ALICE_JWT_SECRET}';
    const { resources, fatal } = parseDeclarative(file(ref), 'kong.yml');
    expect(fatal).toBeUndefined();
    expect(resources.credentials.map((c) => [c.key, c.secret])).toEqual([['alice-key', ref]]);
    const diags = resources.diagnostics;
    expect(diags.map((d) => [d.severity, d.reason, d.field])).toEqual([['warning', 'VaultReference', 'secret']]);
    const line = formatDiagnostic(diags[0]!);
    expect(line).toContain("consumers[0].jwt_secrets[0] (jwt_secrets 'alice-key'): secret: is a vault reference");
    // The reference names where the secret lives; the message does not repeat it.
    expect(line).not.toContain('ALICE_JWT_SECRET');
  });

  it.each(['{vault://aws/prod/jwt/secret?version=2}', '{vault://env/x}'])('%s is recognised', (ref) => {
    expect(parseDeclarative(file(ref), 'kong.yml').resources.diagnostics.map((d) => d.reason)).toEqual(['VaultReference']);
  });

  it.each(['vault://env/X', 'x{vault://env/X}', '{vault://env/X}x', 'my-vault-secret', '{vault:env/X}'])('%s is an ordinary secret', (secret) => {
    expect(parseDeclarative(file(secret), 'kong.yml').resources.diagnostics).toEqual([]);
  });
});
