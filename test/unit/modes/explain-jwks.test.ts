import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultJwksTiming, type JwksSpec } from '../../../src/model/jwks.js';
import type { CredentialSpec } from '../../../src/model/resources.js';
import { offlineJwksSources } from '../../../src/modes/explain-jwks.js';
import { selectJwksKey } from '../../../src/plugins/jwt/jwks-select.js';

/** Offline explain's key sets (docs/explain.md#jwks-credentials): inline imported, URLs never fetched. */
const owner = { kind: 'JwtCredential', name: 'c', namespace: 'ns' };
const ecJwk = { ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as object), kid: 'k1', use: 'sig' };
const jwks = (over: Partial<JwksSpec>): JwksSpec => ({ field: 'jwks.keys', algorithms: ['ES256'], timing: defaultJwksTiming(), ...over });
const cred = (key: string, j: JwksSpec): CredentialSpec => ({ ref: owner, scope: '', consumerRef: 'c', consumerRefKind: 'object-name', key, algorithm: 'ES256', jwks: j, tags: [] });

describe('offlineJwksSources', () => {
  it('imports an inline JWKS with the registry\'s importer, once per settings', async () => {
    const spec = jwks({ inline: JSON.stringify({ keys: [ecJwk] }) });
    const sources = await offlineJwksSources([cred('a', spec), cred('b', { ...spec, field: 'spec.jwks.inline' })]);
    const src = sources.source(spec, owner);
    expect(src.keys).toBeDefined();
    expect(selectJwksKey(src.keys!, 'k1', 'ES256')?.asymmetricKeyType).toBe('ec');
    expect(selectJwksKey(src.keys!, 'k1', 'RS256')).toBeUndefined();
    // Same settings, another field: the same source, as the registry shares providers.
    expect(sources.source({ ...spec, field: 'spec.jwks.inline' }, owner)).toBe(src);
    expect(src.refetch()).toBeUndefined();
  });

  it.each([
    ['not JSON', jwks({ inline: '{nope' }), 'the inline JWKS is not JSON'],
    ['no usable key', jwks({ inline: JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }) }), 'no usable key (keys[0]: symmetric (oct) keys are never taken from a JWKS)'],
    ['a URL', jwks({ url: 'https://user:pw@idp.example/certs?x=1', field: 'jwks.url' }), 'not fetched offline (JWKS URL https://idp.example/certs)'],
    ['an issuer', jwks({ issuer: 'https://idp.example/realms/main', field: 'jwks.issuer' }), 'not fetched offline (issuer https://idp.example/realms/main)'],
  ])('%s: no key set, and the problem says why (no credentials or query of the URL)', async (_name, spec, problem) => {
    const src = (await offlineJwksSources([cred('a', spec)])).source(spec, owner);
    expect(src.keys).toBeUndefined();
    expect(src.problem).toContain(problem);
    expect(src.problem).not.toContain('pw');
    expect(src.refetch()).toBeUndefined();
  });
});
