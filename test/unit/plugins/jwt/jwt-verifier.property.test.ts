import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { CompactSign, compactVerify, type CompactJWSHeaderParameters } from 'jose';
import { describe, expect, it } from 'vitest';
import { JWT_ALGORITHMS, isHmacAlgorithm, type JwtAlgorithm } from '../../../../src/model/algorithms.js';
import { decodeBase64UrlStrict } from '../../../../src/plugins/jwt/base64.js';
import { decodeToken } from '../../../../src/plugins/jwt/decode.js';
import { HS_SECRET, NOW, bearer, credentialFor, keyPairFor, makeAuthenticator, makeRequest } from './fixtures.js';
import { fcParams } from '../../../support/fc-settings.js';

/**
 * The token decoder and verifier under generated input:
 * - nothing a client can send makes them throw or answer 5xx;
 * - a token is accepted exactly when `jose` (an independent JWS implementation), given the same
 *   key and only the credential's algorithm, verifies it AND Kong's rules hold: canonical base64url
 *   segments (we are stricter than Kong there), a JSON-object payload, the key claim (payload,
 *   else header) naming the credential, and exp / nbf when configured.
 */

const KEY = 'the-credential-key';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

interface Signer {
  alg: JwtAlgorithm;
  /** What signs: the credential's own key, another key of the same type, or (alg confusion) its public PEM as an HMAC secret. */
  key: KeyObject | Uint8Array;
}

interface AlgSetup {
  alg: JwtAlgorithm;
  verifyKey: KeyObject;
  right: Signer;
  wrong: Signer;
  /** HS256 keyed with the credential's public PEM: the classic RS→HS confusion forgery. */
  confusion?: Signer;
}

function setupFor(alg: JwtAlgorithm): AlgSetup {
  const { credential } = credentialFor(alg, KEY);
  if (isHmacAlgorithm(alg)) {
    return {
      alg,
      verifyKey: credential.hmacKey!,
      right: { alg, key: createSecretKey(Buffer.from(HS_SECRET)) },
      wrong: { alg, key: createSecretKey(Buffer.from(`${HS_SECRET}-other`)) },
    };
  }
  const right = keyPairFor(alg);
  const wrong = keyPairFor(alg, {}, 'b');
  return {
    alg,
    verifyKey: credential.publicKey!,
    right: { alg, key: createPrivateKey(right.privateKeyPem) },
    wrong: { alg, key: createPrivateKey(wrong.privateKeyPem) },
    confusion: { alg: 'HS256', key: new Uint8Array(Buffer.from(right.publicKeyPem)) },
  };
}

const jsonScalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }));
/** Values for the key claim: the right key, near misses and wrong types. */
const keyClaimValue = fc.oneof(
  { weight: 3, arbitrary: fc.constant<unknown>(KEY) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(`${KEY} `, KEY.toUpperCase(), 'other', '', 0, 1, false, true, null, [KEY], { iss: KEY }) },
);
const timeClaim = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: NOW - 1000, max: NOW + 1000 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(NOW, NOW + 0.5, NOW - 0.5, `${NOW + 100}`, null, true, 1e300, -1e300) },
);

const payloadArb = fc.oneof(
  { weight: 8, arbitrary: fc.record({ iss: fc.option(keyClaimValue, { freq: 4, nil: undefined }), exp: fc.option(timeClaim, { freq: 6, nil: undefined }), nbf: fc.option(timeClaim, { freq: 6, nil: undefined }), sub: jsonScalar }, { requiredKeys: ['iss', 'exp', 'nbf'] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
const headerExtrasArb = fc.record({ typ: fc.constantFrom('JWT', 'jwt', 'at+jwt'), kid: jsonScalar, iss: keyClaimValue, cty: jsonScalar }, { requiredKeys: [] });

type Mutation =
  | { kind: 'none' }
  | { kind: 'char'; at: number; to: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; text: string }
  | { kind: 'header-alg'; alg: unknown }
  | { kind: 'strip-signature' };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('char' as const), at: fc.nat(), to: fc.constantFrom('A', 'B', 'Q', 'g', 'w', '_', '-', '.', '=', '+', '/', ' ', '\u00e9') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('append' as const), text: fc.constantFrom('A', 'AA', '=', '==', '.', '.x', '\t') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('header-alg' as const), alg: fc.constantFrom<unknown>(...JWT_ALGORITHMS, 'none', 'hs256', '', null, 256) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'strip-signature' as const }) },
);

function mutate(token: string, m: Mutation): string {
  switch (m.kind) {
    case 'none':
      return token;
    case 'char': {
      const at = m.at % token.length;
      return token.slice(0, at) + m.to + token.slice(at + 1);
    }
    case 'truncate':
      return token.slice(0, m.at % token.length);
    case 'append':
      return token + m.text;
    case 'header-alg': {
      // Re-encode the header with another alg, keeping payload and signature: a forged alg.
      const [h, ...rest] = token.split('.');
      const header = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as Record<string, unknown>;
      return [b64(JSON.stringify({ ...header, alg: m.alg })), ...rest].join('.');
    }
    case 'strip-signature':
      return token.slice(0, token.lastIndexOf('.') + 1);
  }
}

async function joseVerifies(token: string, setup: AlgSetup): Promise<boolean> {
  try {
    await compactVerify(token, setup.verifyKey, { algorithms: [setup.alg] });
    return true;
  } catch {
    return false;
  }
}

/** Kong's rules on top of a valid JWS (docs/kong-compatibility.md#request-flow), written out the slow, obvious way. */
function kongAccepts(token: string, checkTimes: boolean): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  if (parts.some((p) => decodeBase64UrlStrict(p) === null)) return false;
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  const claims = payload as Record<string, unknown>;
  const fromPayload = Object.hasOwn(claims, 'iss') ? claims.iss : undefined;
  const keyValue = fromPayload === undefined || fromPayload === false ? (Object.hasOwn(header, 'iss') ? header.iss : undefined) : fromPayload;
  if (keyValue !== KEY) return false;
  if (checkTimes) {
    if (typeof claims.exp !== 'number' || claims.exp <= NOW) return false;
    if (typeof claims.nbf !== 'number' || claims.nbf > NOW) return false;
  }
  return true;
}

const setups = new Map<JwtAlgorithm, AlgSetup>();
const setup = (alg: JwtAlgorithm): AlgSetup => {
  let s = setups.get(alg);
  if (s === undefined) setups.set(alg, (s = setupFor(alg)));
  return s;
};

describe('jwt verifier agrees with jose + Kong rules', () => {
  for (const alg of JWT_ALGORITHMS) {
    it(`${alg}: accepted ⇔ jose verifies ∧ Kong's claim rules`, async () => {
      const s = setup(alg);
      const plain = makeAuthenticator([credentialFor(alg, KEY).credential]);
      const timed = makeAuthenticator([credentialFor(alg, KEY).credential], { claimsToVerify: ['exp', 'nbf'] });
      const signers = [s.right, s.right, s.right, s.wrong, ...(s.confusion ? [s.confusion] : [])];
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...signers),
          headerExtrasArb,
          payloadArb,
          mutationArb,
          fc.boolean(),
          async (signer, extras, payload, mutation, checkTimes) => {
            const token = mutate(
              await new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ ...extras, alg: signer.alg } as CompactJWSHeaderParameters).sign(signer.key),
              mutation,
            );
            const outcome = (checkTimes ? timed : plain).authenticate(bearer(token), NOW);
            const expected = (await joseVerifies(token, s)) && kongAccepts(token, checkTimes);
            expect(outcome.kind === 'rejected' ? outcome.status : 200).not.toBe(500);
            expect(outcome.kind, `token ${token}`).toBe(expected ? 'authenticated' : 'rejected');
            if (expected) accepted++;
          },
        ),
        fcParams(isHmacAlgorithm(alg) ? 300 : 120),
      );
      // The generator must reach acceptance often enough for the equivalence to mean something.
      expect(accepted).toBeGreaterThan(5);
    });
  }
});

describe('decoder and authenticator never throw, never 5xx', () => {
  const auth = makeAuthenticator(JWT_ALGORITHMS.map((alg) => credentialFor(alg, `key-${alg}`).credential), {
    uriParamNames: ['jwt'],
    cookieNames: ['tok'],
    headerNames: ['authorization', 'x-token'],
    claimsToVerify: ['exp', 'nbf'],
    maximumExpiration: 3600,
  });
  const segment = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => b64(JSON.stringify(v))),
    fc.record({ alg: fc.constantFrom<unknown>(...JWT_ALGORITHMS, 'none', 7), iss: fc.constantFrom<unknown>(...JWT_ALGORITHMS.map((a) => `key-${a}`), 'x', 1, null) }, { requiredKeys: [] }).map((v) =>
      b64(JSON.stringify(v)),
    ),
    fc.uint8Array({ maxLength: 140 }).map((b) => Buffer.from(b).toString('base64url')),
  );
  const tokenArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(segment, { minLength: 1, maxLength: 5 }).map((xs) => xs.join('.')));

  it('decodeToken: total on any string', () => {
    fc.assert(
      fc.property(tokenArb, (token) => {
        const r = decodeToken(token);
        if (typeof r !== 'string') {
          expect(JWT_ALGORITHMS).toContain(r.alg);
          expect(token.startsWith(r.signingInput)).toBe(true);
        }
      }),
      fcParams(3000),
    );
  });

  it('authenticate: total on tokens in any source, never a 500', () => {
    const place = fc.constantFrom('bearer', 'x-token', 'query', 'cookie', 'raw-header');
    fc.assert(
      fc.property(tokenArb, place, fc.constantFrom('GET', 'OPTIONS', 'POST'), (token, where, method) => {
        const req =
          where === 'bearer'
            ? bearer(token)
            : where === 'x-token'
              ? makeRequest({ method, headers: [['X-Token', `bEaReR\t${token}`]] })
              : where === 'query'
                ? makeRequest({ method, query: `jwt=${token}&jwt=${token}` })
                : where === 'cookie'
                  ? makeRequest({ method, headers: [['Cookie', `a=b; tok=${token}`]] })
                  : makeRequest({ method, headers: [['authorization', token]] });
        const outcome = auth.authenticate(req, NOW);
        if (outcome.kind === 'rejected') {
          expect(outcome.status).toBe(401);
          expect(() => JSON.parse(outcome.body)).not.toThrow();
        }
      }),
      fcParams(3000),
    );
  });
});
