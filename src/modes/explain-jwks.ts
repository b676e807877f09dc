import type { JwksSpec } from '../model/jwks.js';
import type { CredentialSpec } from '../model/resources.js';
import { importJwks } from '../plugins/jwt/jwks-keys.js';
import { redactUrl } from '../runtime/jwks-fetch.js';
import type { JwksKeySource, JwksSources } from '../snapshot/jwks.js';
import { stableHash } from '../translate/stable-hash.js';

/**
 * Key sets for offline `portcullis explain` (docs/explain.md#jwks-credentials): an inline JWKS
 * (kong.yml `jwks.keys`, a JwtCredential's inline or Secret JWKS) is imported by the registry's own
 * importJwks, so explain verifies its tokens as the gateway would; a URL or issuer is not fetched
 * (explain sends nothing anywhere), and the key check says so. Imports are async, translate is
 * not: they are done here first, keyed by settings as the registry keys its providers.
 */
export async function offlineJwksSources(credentials: readonly CredentialSpec[]): Promise<JwksSources> {
  const sources = new Map<string, JwksKeySource>();
  for (const c of credentials) {
    if (c.jwks === undefined) continue;
    const key = settingsKey(c.jwks);
    if (!sources.has(key)) sources.set(key, await offlineSource(c.jwks));
  }
  return {
    source: (spec) => sources.get(settingsKey(spec)) ?? unavailable(spec, 'not loaded'),
  };
}

function settingsKey(spec: JwksSpec): string {
  const { field, ...settings } = spec; // the field names the owner, not the key set
  return stableHash(settings);
}

async function offlineSource(spec: JwksSpec): Promise<JwksKeySource> {
  if (spec.inline === undefined) {
    const where = redactUrl(spec.issuer ?? spec.url ?? '');
    return unavailable(spec, `not fetched offline (${spec.issuer !== undefined ? 'issuer' : 'JWKS URL'} ${where}); POST /debug/explain on the running gateway uses its fetched key set`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(spec.inline);
  } catch {
    return unavailable(spec, 'the inline JWKS is not JSON');
  }
  const imported = await importJwks(doc, spec.algorithms);
  if (!imported.ok) return unavailable(spec, imported.problem);
  return { keys: imported.set, algorithms: new Set(spec.algorithms), refetch: () => undefined };
}

function unavailable(spec: JwksSpec, problem: string): JwksKeySource {
  return { keys: undefined, algorithms: new Set(spec.algorithms), problem, refetch: () => undefined };
}
