import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { jwtPluginConfigSchema } from '../../../../src/model/jwt-config.js';
import { createJwtAuthenticator } from '../../../../src/plugins/jwt/authenticator.js';
import { holdsCredential, pickByKid } from '../../../../src/plugins/jwt/kid-selection.js';
import { createVerifiedTokenCache, dropStaleVerifications } from '../../../../src/plugins/jwt/verified-token-cache.js';
import type { AuthOutcome, Credential, KidTable, Snapshot } from '../../../../src/snapshot/types.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { translate } from '../../../../src/translate/translate.js';
import { NOW, bearer, keyPairFor, mint } from './fixtures.js';

/**
 * Rotation without JWKS (docs/key-material.md#rotation): the token's JOSE kid picks one of the
 * credentials sharing a key. The selection alone, then the authenticator on snapshots translated
 * from kong.yml, with its verified-token cache across a swap.
 */

const cred = (id: string, kid?: string) => ({ id, key: 'k', kid }) as unknown as Credential;

describe('pickByKid', () => {
  const a = cred('a', 'a');
  const b = cred('b', 'b');
  const dflt = cred('default');
  const withFallback: KidTable = { byKid: new Map([['a', a], ['b', b]]), fallback: dflt };
  const kidsOnly: KidTable = { byKid: new Map([['a', a], ['b', b]]) };

  it.each<[string, Record<string, unknown>, Credential | string, Credential | string]>([
    ['a known kid picks its credential', { kid: 'b' }, b, b],
    ['an unknown kid', { kid: 'c' }, dflt, 'unknownKid'],
    ['no kid', {}, dflt, 'missingKid'],
    ['a kid that is not a string', { kid: 7 }, dflt, 'invalidKid'],
    ['an empty kid', { kid: '' }, dflt, 'invalidKid'],
    ['a null kid', { kid: null }, dflt, 'invalidKid'],
    ['a kid that differs only in case', { kid: 'A' }, dflt, 'unknownKid'],
  ])('%s', (_name, header, withDefault, withoutDefault) => {
    expect(pickByKid(withFallback, header)).toBe(withDefault);
    expect(pickByKid(kidsOnly, header)).toBe(withoutDefault);
  });

  it('reads only the header own property: an inherited "kid" is no kid', () => {
    const header = Object.create({ kid: 'a' }) as Record<string, unknown>;
    expect(pickByKid(kidsOnly, header)).toBe('missingKid');
  });
});

describe('holdsCredential', () => {
  it('finds the head and the members of its table, and nothing of another index', () => {
    const head = cred('default');
    const member = cred('a', 'a');
    const table: KidTable = { byKid: new Map([['a', member]]), fallback: head };
    head.kidTable = table;
    member.kidTable = table;
    const index = new Map([['k', head]]);
    expect(holdsCredential(index, head)).toBe(true);
    expect(holdsCredential(index, member)).toBe(true);
    expect(holdsCredential(index, cred('a2', 'a'))).toBe(false);
    expect(holdsCredential(new Map(), member)).toBe(false);
  });
});

// ---- through translate and the authenticator ----

const rsOld = keyPairFor('RS256', {}, 'old');
const esNew = keyPairFor('ES256', {}, 'new');
const HS_A = 'kids-only-a-secret-kids-only-a-secret';
const HS_B = 'kids-only-b-secret-kids-only-b-secret';

type Entry = { kid?: string; algorithm: string; pem?: string; secret?: string };
function snapshotOf(entries: Record<string, Entry[]>, version = 1): Snapshot {
  const text = YAML.stringify({
    _format_version: '3.0',
    consumers: [
      {
        username: 'issuer',
        jwt_secrets: Object.entries(entries).flatMap(([key, list]) =>
          list.map((e) => ({ key, algorithm: e.algorithm, ...(e.kid && { kid: e.kid }), ...(e.pem ? { rsa_public_key: e.pem } : { secret: e.secret }) })),
        ),
      },
    ],
  });
  const parsed = parseDeclarative(text, 'kong.yml');
  const snapshot = translate(parsed.resources, version);
  expect(snapshot.diagnostics).toEqual([]);
  return snapshot;
}

const ROTATING_OLD: Entry = { algorithm: 'RS256', pem: rsOld.publicKeyPem };
const ROTATING_NEW: Entry = { kid: '2026-06', algorithm: 'ES256', pem: esNew.publicKeyPem };
const KIDS: Entry[] = [
  { kid: 'a', algorithm: 'HS256', secret: HS_A },
  { kid: 'b', algorithm: 'HS256', secret: HS_B },
];

const oldToken = (header: Record<string, unknown> = {}) =>
  mint({ algorithm: 'RS256', key: 'rotating', privateKeyPem: rsOld.privateKeyPem, header, expiresInSeconds: 600 });
const newToken = (kid = '2026-06') => mint({ algorithm: 'ES256', key: 'rotating', privateKeyPem: esNew.privateKeyPem, header: { kid }, expiresInSeconds: 600 });
const hsToken = (secret: string, header: Record<string, unknown>) => mint({ algorithm: 'HS256', key: 'kids-only', secret, header, expiresInSeconds: 600 });

function authenticatorOf(snapshot: Snapshot, cache = createVerifiedTokenCache(1 << 20)) {
  return createJwtAuthenticator({ pluginId: 'p', config: jwtPluginConfigSchema.parse({}), credentialsByKey: snapshot.credentials.byKey, cache });
}

function outcome(auth: ReturnType<typeof authenticatorOf>, token: string): AuthOutcome {
  return auth.authenticate(bearer(token), NOW);
}

const credentialOf = (o: AuthOutcome) => (o.kind === 'authenticated' ? { id: o.credential.id, kid: o.credential.kid ?? null, key: o.credential.key } : o);
const byKid = (s: Snapshot, key: string, kid: string | undefined) => s.credentials.all.find((c) => c.key === key && c.kid === kid)!;

describe('the authenticator on a key several credentials share', () => {
  const snapshot = snapshotOf({ rotating: [ROTATING_OLD, ROTATING_NEW], 'kids-only': KIDS });
  const auth = authenticatorOf(snapshot);

  it('a token with the new kid is verified with the new key, and authenticates as that credential', () => {
    expect(credentialOf(outcome(auth, newToken()))).toEqual({ id: byKid(snapshot, 'rotating', '2026-06').id, kid: '2026-06', key: 'rotating' });
  });

  it('tokens without a kid, or with a kid no credential has, use the kid-less credential (Kong-era tokens keep working)', () => {
    const old = { id: byKid(snapshot, 'rotating', undefined).id, kid: null, key: 'rotating' };
    expect(credentialOf(outcome(auth, oldToken()))).toEqual(old);
    expect(credentialOf(outcome(auth, oldToken({ kid: 'rotating' })))).toEqual(old);
    expect(credentialOf(outcome(auth, oldToken({ kid: 42 })))).toEqual(old);
  });

  it('the kid decides the key: the new key under the old kid-less credential is a bad signature, never a second try', () => {
    const signedNewNoKid = mint({ algorithm: 'ES256', key: 'rotating', privateKeyPem: esNew.privateKeyPem, expiresInSeconds: 600 });
    const r = outcome(auth, signedNewNoKid);
    // The fallback is RS256: the ES256 token is refused on its algorithm, without trying the ES256 key.
    expect(r).toMatchObject({ kind: 'rejected', status: 401, body: '{"message":"Invalid algorithm"}' });
    const rsUnderNewKid = oldToken({ kid: '2026-06' });
    expect(outcome(auth, rsUnderNewKid)).toMatchObject({ body: '{"message":"Invalid algorithm"}' });
  });

  it('keys whose credentials all have a kid: each kid verifies with its own secret, and the refusals name the kid', () => {
    expect(credentialOf(outcome(auth, hsToken(HS_A, { kid: 'a' })))).toMatchObject({ kid: 'a' });
    expect(credentialOf(outcome(auth, hsToken(HS_B, { kid: 'b' })))).toMatchObject({ kid: 'b' });
    expect(outcome(auth, hsToken(HS_A, { kid: 'b' }))).toMatchObject({ body: '{"message":"Invalid signature"}', reason: 'bad_signature' });
    const www = 'Bearer error="invalid_token"';
    expect(outcome(auth, hsToken(HS_A, { kid: 'c' }))).toEqual({ kind: 'rejected', status: 401, body: `{"message":"No credentials found for given 'kid'"}`, wwwAuthenticate: www, reason: 'unknown_kid' });
    expect(outcome(auth, hsToken(HS_A, {}))).toEqual({ kind: 'rejected', status: 401, body: `{"message":"No mandatory 'kid' in header"}`, wwwAuthenticate: www, reason: 'missing_kid' });
    expect(outcome(auth, hsToken(HS_A, { kid: ['a'] }))).toEqual({ kind: 'rejected', status: 401, body: `{"message":"Invalid 'kid' in header"}`, wwwAuthenticate: www, reason: 'invalid_kid' });
  });

  it('a kid claim in the payload is not the JOSE kid', () => {
    const t = mint({ algorithm: 'HS256', key: 'kids-only', secret: HS_A, claims: { kid: 'a' }, expiresInSeconds: 600 });
    expect(outcome(auth, t)).toMatchObject({ reason: 'missing_kid' });
  });

  it('one credential with a kid: only its kid selects it', () => {
    const one = authenticatorOf(snapshotOf({ rotating: [ROTATING_NEW] }));
    expect(outcome(one, newToken())).toMatchObject({ kind: 'authenticated' });
    expect(outcome(one, newToken('2026-01'))).toMatchObject({ reason: 'unknown_kid' });
  });

  it('a key with one kid-less credential ignores the kid, as Kong', () => {
    const kong = authenticatorOf(snapshotOf({ rotating: [ROTATING_OLD] }));
    expect(outcome(kong, oldToken({ kid: 'anything' }))).toMatchObject({ kind: 'authenticated' });
    expect(outcome(kong, oldToken())).toMatchObject({ kind: 'authenticated' });
  });
});

describe('the verified-token cache keeps the credential the kid picked', () => {
  it('hits for each member; a swap that removes a member refuses its cached tokens, the others stay cached', () => {
    const cache = createVerifiedTokenCache(1 << 20);
    const before = snapshotOf({ 'kids-only': KIDS }, 1);
    const auth1 = authenticatorOf(before, cache);
    const tokenA = hsToken(HS_A, { kid: 'a' });
    const tokenB = hsToken(HS_B, { kid: 'b' });
    expect(credentialOf(outcome(auth1, tokenA))).toMatchObject({ kid: 'a' });
    expect(credentialOf(outcome(auth1, tokenB))).toMatchObject({ kid: 'b' });
    const hits = cache.hits;
    expect(credentialOf(outcome(auth1, tokenA))).toMatchObject({ kid: 'a' });
    expect(credentialOf(outcome(auth1, tokenB))).toMatchObject({ kid: 'b' });
    expect(cache.hits).toBe(hits + 2);
    expect(cache.size).toBe(2);

    // The old key (kid a) is removed: what was verified with it can never be hit again.
    const after = snapshotOf({ 'kids-only': [KIDS[1]!] }, 2);
    dropStaleVerifications(cache, after.credentials.byKey);
    expect(cache.size).toBe(0); // a swap builds new Credential objects: everything is verified again
    const auth2 = authenticatorOf(after, cache);
    expect(outcome(auth2, tokenA)).toMatchObject({ reason: 'unknown_kid' });
    expect(credentialOf(outcome(auth2, tokenB))).toEqual({ id: byKid(after, 'kids-only', 'b').id, kid: 'b', key: 'kids-only' });
    expect(outcome(auth2, tokenA)).toMatchObject({ reason: 'unknown_kid' });
  });

  it('an authenticator of the old snapshot still finds its members in the cache (requests in flight during a swap)', () => {
    const cache = createVerifiedTokenCache(1 << 20);
    const s = snapshotOf({ rotating: [ROTATING_OLD, ROTATING_NEW] });
    const auth = authenticatorOf(s, cache);
    const t = newToken();
    outcome(auth, t);
    const hits = cache.hits;
    // Another instance with an index equal in content but not the same Map object: found through the table.
    const other = createJwtAuthenticator({ pluginId: 'q', config: jwtPluginConfigSchema.parse({}), credentialsByKey: new Map(s.credentials.byKey), cache });
    expect(credentialOf(other.authenticate(bearer(t), NOW))).toMatchObject({ kid: '2026-06' });
    expect(cache.hits).toBe(hits + 1);
  });
});
