/**
 * Fuzz target: the jwt plugin (token collection, decoding, signature verification, claims) as the
 * proxy calls it. Input modes, chosen by the first byte:
 *   0 raw:    the rest is the token, sent in the source picked by byte 1 (Bearer header, query, cookie…);
 *   1 edited: byte 1 picks a validly signed token, the rest are (position, byte) edits applied to it;
 *   2 signed: the rest is "header JSON \0 payload JSON", signed with the right key for the header's alg.
 * Oracles: never a throw, never a 5xx, a JSON body on every rejection; modes 0/1 are accepted only
 * when the token is one the gateway's keys really signed (no forgery); mode 2 is accepted exactly
 * when Kong's claim rules say so.
 */
import { constants, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { jwtPluginConfigSchema } from '../../../dist/model/jwt-config.js';
import { createJwtAuthenticator } from '../../../dist/plugins/jwt/authenticator.js';
import { decodeToken } from '../../../dist/plugins/jwt/decode.js';
import { importCredentialKeys } from '../../../dist/plugins/jwt/keys.js';
import { mintToken } from '../../../dist/tokens/mint.js';

const NOW = 1_700_000_000;
// Fixed test-only keys (built from constant private scalars) so a saved input replays the same way.
const ed25519 = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 7)]), format: 'der', type: 'pkcs8' });
const es256 = createPrivateKey({
  key: Buffer.concat([Buffer.from('30310201010420', 'hex'), Buffer.alloc(32, 9), Buffer.from('a00a06082a8648ce3d030107', 'hex')]),
  format: 'der',
  type: 'sec1',
});
// RSA has no short fixed form: generated per process (ES/PS signatures are randomised anyway).
const { privateKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (priv) => createPublicKey(priv).export({ type: 'spki', format: 'pem' });
const privPem = (priv) => priv.export({ type: 'pkcs8', format: 'pem' });

const CREDENTIALS = [
  { key: 'hs256-key', algorithm: 'HS256', secret: 'fuzz-secret-0123456789abcdef' },
  { key: 'hs512-key', algorithm: 'HS512', secret: 'ZnV6ei1zZWNyZXQ=' },
  { key: 'es256-key', algorithm: 'ES256', rsaPublicKey: pem(es256), privateKeyPem: privPem(es256) },
  { key: 'ed-key', algorithm: 'EdDSA', rsaPublicKey: pem(ed25519), privateKeyPem: privPem(ed25519) },
  { key: 'rs256-key', algorithm: 'RS256', rsaPublicKey: pem(rsa), privateKeyPem: privPem(rsa) },
  { key: 'ps256-key', algorithm: 'PS256', rsaPublicKey: pem(rsa), privateKeyPem: privPem(rsa) },
];
const consumer = { id: 'c1', username: 'fuzz', tags: [], scope: '', ref: { kind: 'consumers', name: 'fuzz' }, upstreamHeaders: { 'x-consumer-id': 'c1' } };
const credentialsByKey = new Map(
  CREDENTIALS.map((c) => {
    const spec = { ref: { kind: 'jwt_secrets', name: c.key }, scope: '', consumerRef: 'fuzz', consumerRefKind: 'username-or-id', tags: [], key: c.key, algorithm: c.algorithm, secret: c.secret, rsaPublicKey: c.rsaPublicKey };
    const imported = importCredentialKeys(spec);
    if (!imported.ok) throw new Error(imported.message);
    return [c.key, { id: `cred-${c.key}`, key: c.key, algorithm: c.algorithm, consumer, spec, ...imported.keys }];
  }),
);

const make = (config) => createJwtAuthenticator({ pluginId: 'fuzz', config: jwtPluginConfigSchema.parse(config), credentialsByKey, cacheSize: 64 });
const AUTHS = [
  make({}),
  make({ claimsToVerify: ['exp', 'nbf'], maximumExpiration: 86_400, uriParamNames: ['jwt', 'token'], cookieNames: ['jwt'], headerNames: ['authorization', 'x-jwt'] }),
  make({ secretIsBase64: true, keyClaimName: 'kid', runOnPreflight: false }),
];

/** Tokens the gateway's keys really signed: the only ones modes 0 and 1 may see accepted. */
const VALID = CREDENTIALS.flatMap((c) =>
  [{}, { keyClaimIn: 'header', keyClaimName: 'kid' }].map((o) =>
    mintToken({ algorithm: c.algorithm, key: c.key, secret: c.algorithm === 'HS512' ? Buffer.from(c.secret, 'base64') : c.secret, privateKeyPem: c.privateKeyPem, expiresInSeconds: 3600, now: NOW, ...o }),
  ),
);
const VALID_SET = new Set(VALID);
// HS512's secret is base64: tokens signed with its raw text are valid too, with secret_is_base64 off.
for (const o of [{}, { keyClaimIn: 'header', keyClaimName: 'kid' }]) VALID_SET.add(mintToken({ algorithm: 'HS512', key: 'hs512-key', secret: 'ZnV6ei1zZWNyZXQ=', expiresInSeconds: 3600, now: NOW, ...o }));

function request(token, where) {
  const h = (name, value) => ({ method: where === 7 ? 'OPTIONS' : 'GET', rawHeaders: [name, value], rawQuery: '' });
  switch (where % 8) {
    case 0: return h('Authorization', `Bearer ${token}`);
    case 1: return { method: 'GET', rawHeaders: [], rawQuery: `jwt=${token}` };
    case 2: return h('Cookie', `a=1; jwt=${token}`);
    case 3: return h('x-jwt', `bearer\t${token}`);
    case 4: return h('authorization', token);
    case 5: return { method: 'GET', rawHeaders: ['Authorization', `Bearer ${token}`, 'authorization', `Bearer ${token}x`], rawQuery: `token=${token}` };
    case 6: return { method: 'GET', rawHeaders: [], rawQuery: token };
    default: return h('Authorization', `Bearer ${token}`);
  }
}

function check(token, where, expectAccepted) {
  const decoded = decodeToken(token);
  if (typeof decoded !== 'string' && !token.startsWith(`${decoded.signingInput}.`)) throw new Error('signingInput is not the token prefix');
  AUTHS.forEach((auth, i) => {
    const outcome = auth.authenticate(request(token, where), NOW);
    if (outcome.kind === 'rejected') {
      if (outcome.status !== 401) throw new Error(`status ${outcome.status} for ${JSON.stringify(token)}`);
      JSON.parse(outcome.body);
    }
    if (i === 0 && where === 0 && expectAccepted !== undefined && (outcome.kind === 'authenticated') !== expectAccepted) {
      throw new Error(`accepted=${outcome.kind === 'authenticated'}, Kong's rules say ${expectAccepted}: ${JSON.stringify(token)}`);
    }
    if (outcome.kind === 'authenticated' && !VALID_SET.has(token) && expectAccepted === undefined) {
      throw new Error(`a token the keys never signed was accepted: ${JSON.stringify(token)}`);
    }
  });
}

/** Kong's rules for a correctly signed token under the default config (auths[0]). */
function kongAccepts(header, payload) {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return false;
  let iss = Object.hasOwn(payload, 'iss') ? payload.iss : undefined;
  if (iss === undefined || iss === false) iss = Object.hasOwn(header, 'iss') ? header.iss : undefined;
  const cred = CREDENTIALS.find((c) => c.key === iss);
  return cred !== undefined && cred.algorithm === header.alg;
}

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64url');

/** Signs with the KeyObjects above (mintToken would re-parse a PEM per call). */
const SIGNERS = {
  HS256: (data) => createHmac('sha256', 'fuzz-secret-0123456789abcdef').update(data).digest(),
  ES256: (data) => sign('sha256', data, { key: es256, dsaEncoding: 'ieee-p1363' }),
  EdDSA: (data) => sign(null, data, ed25519),
  RS256: (data) => sign('sha256', data, rsa),
  PS256: (data) => sign('sha256', data, { key: rsa, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
};

export function fuzz(data) {
  if (data.length < 2) return;
  const mode = data[0] % 3;
  const where = data[1];
  if (mode === 0) {
    check(data.subarray(2).toString('latin1'), where % 8);
  } else if (mode === 1) {
    const chars = [...VALID[where % VALID.length]];
    for (let i = 2; i + 2 < data.length; i += 3) chars[data.readUInt16BE(i) % chars.length] = String.fromCharCode(data[i + 2]);
    check(chars.join(''), data[2] % 8);
  } else {
    const text = data.subarray(2).toString('utf8');
    const zero = text.indexOf('\0');
    if (zero === -1) return;
    const headerText = text.slice(0, zero);
    const payloadText = text.slice(zero + 1);
    let header;
    let payload;
    try {
      header = JSON.parse(headerText);
      payload = JSON.parse(payloadText);
    } catch {
      return check(`${b64(headerText)}.${b64(payloadText)}.c2ln`, 0);
    }
    const alg = header !== null && typeof header === 'object' ? header.alg : undefined;
    const signingInput = `${b64(headerText)}.${b64(payloadText)}`;
    const signer = typeof alg === 'string' && Object.hasOwn(SIGNERS, alg) ? SIGNERS[alg] : undefined;
    if (signer === undefined) return check(`${signingInput}.c2ln`, 0, false);
    const token = `${signingInput}.${signer(Buffer.from(signingInput)).toString('base64url')}`;
    check(token, 0, kongAccepts(header, payload));
  }
}

export const dictionary = ['"alg"', '"HS256"', '"RS256"', '"ES256"', '"EdDSA"', '"PS256"', '"none"', '"iss"', '"kid"', '"exp"', '"nbf"', '"hs256-key"', '"es256-key"', '"ed-key"', '"rs256-key"', '1700000000', 'eyJ', '.', 'Bearer ', '%2E', '=', '\0', 'null', 'false', '{}', '[]', '"__proto__"', '"constructor"'];
export const maxLength = 2048;
