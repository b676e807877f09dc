import { canonicalAlgorithm, isJwtAlgorithm, isHmacAlgorithm, type JwtAlgorithm } from '../../model/algorithms.js';
import type { ObjectRef } from '../../model/diagnostics.js';
import { kidProblem } from '../../model/credential-kid.js';
import { consumerId } from '../../model/ids.js';
import { Fields, isMapping, NO_TAGS, readId, readReference } from './fields.js';
import type { Reporter } from './report.js';
import { parseJwks, type JwksDraft } from './jwks.js';

const CONSUMER_FIELDS = new Set(['id', 'username', 'custom_id', 'tags', 'jwt_secrets', 'acls', 'plugins']);
const CONSUMER_IGNORED = new Set(['created_at', 'updated_at']);
/** Other Kong auth plugins' per-consumer entities: reported as unsupported, the consumer still loads. */
const UNSUPPORTED_CONSUMER_CHILDREN = new Set(['keyauth_credentials', 'basicauth_credentials', 'hmacauth_credentials', 'oauth2_credentials', 'mtls_auth_credentials', 'consumer_groups']);

const CONSUMER_IGNORED_OR_REPORTED: ReadonlySet<string> = new Set([...CONSUMER_IGNORED, ...UNSUPPORTED_CONSUMER_CHILDREN]);

// `kid` and `jwks` are Portcullis's, not Kong's (docs/key-material.md#rotation, docs/jwks.md).
const SECRET_FIELDS = new Set(['id', 'key', 'kid', 'secret', 'algorithm', 'rsa_public_key', 'tags', 'consumer', 'jwks']);
const SECRET_IGNORED = new Set(['created_at', 'updated_at']);
/** Kong's reference syntax ({vault://<backend>/<resource>…}), kong/pdk/vault.lua. */
const VAULT_REFERENCE = /^\{vault:\/\/[^{}]*\}$/;

export interface ConsumerEntry {
  ref: ObjectRef;
  path: string;
  ok: boolean;
  /** explicit id, if any */
  explicitId?: string;
  /** the id Kong would use: explicit, else derived from username (or custom_id) */
  id: string;
  username?: string;
  customId?: string;
  tags: string[];
  jwtSecrets: unknown[];
  /** Kong's acls entities nested in the consumer (docs/acl.md#groups). */
  acls: unknown[];
  plugins: unknown[];
}

export function parseConsumer(raw: unknown, path: string, rep: Reporter): ConsumerEntry | undefined {
  if (!isMapping(raw)) {
    rep.error(rep.ref('consumers', path, path), 'InvalidValue', 'expected a record');
    return undefined;
  }
  const label = [raw.username, raw.custom_id, raw.id].find((x): x is string => typeof x === 'string' && x !== '') ?? path;
  const ref = rep.ref('consumers', label, path);
  const f = new Fields(raw, ref, rep);
  for (const key of Object.keys(raw)) {
    if (UNSUPPORTED_CONSUMER_CHILDREN.has(key)) rep.error(ref, 'Unsupported', `'${key}' are not supported (only jwt_secrets and acls); they are ignored`, key);
  }
  f.checkKnown(CONSUMER_FIELDS, CONSUMER_IGNORED_OR_REPORTED);
  const explicitId = readId(f);
  const username = f.string('username');
  const customId = f.string('custom_id');
  if (username === undefined && customId === undefined && !f.has('username') && !f.has('custom_id')) {
    f.fail(undefined, "at least one of these fields must be non-empty: 'custom_id', 'username'", 'MissingField');
  }
  const tags = f.strings('tags', NO_TAGS);
  const jwtSecrets = f.list('jwt_secrets');
  const acls = f.list('acls');
  const plugins = f.list('plugins');
  return {
    ref, path, ok: f.ok,
    ...(explicitId !== undefined ? { explicitId } : {}),
    id: explicitId ?? consumerId(username ?? customId ?? path),
    ...(username !== undefined ? { username } : {}),
    ...(customId !== undefined ? { customId } : {}),
    tags, jwtSecrets, acls, plugins,
  };
}

export interface SecretCore {
  ref: ObjectRef;
  path: string;
  ok: boolean;
  id?: string;
  key: string;
  kid?: string;
  algorithm: JwtAlgorithm;
  secret?: string;
  rsaPublicKey?: string;
  /** The `jwks` extension (docs/jwks.md), its CA references not yet resolved. */
  jwks?: JwksDraft;
  tags: string[];
  /** top-level jwt_secrets only: `consumer:` as written */
  consumerRef?: string;
}

/**
 * Field checks only (docs/kong-compatibility.md#credentials, docs/kong-compatibility.md#decisions-where-kong-is-silent): key required, algorithm default HS256, HS* need
 * `secret`, the others need a PEM `rsa_public_key` (loaded and checked by the translator).
 * Messages never include secret or key material.
 */
export function parseJwtSecret(raw: unknown, path: string, topLevel: boolean, rep: Reporter): SecretCore | undefined {
  if (!isMapping(raw)) {
    rep.error(rep.ref('jwt_secrets', path, path), 'InvalidValue', 'expected a record');
    return undefined;
  }
  const key = typeof raw.key === 'string' && raw.key !== '' ? raw.key : undefined;
  const ref = rep.ref('jwt_secrets', key ?? path, path);
  const f = new Fields(raw, ref, rep);
  f.checkKnown(SECRET_FIELDS, SECRET_IGNORED);
  const id = readId(f);
  if (f.string('key') === undefined && !f.has('key')) f.fail('key', 'required field missing (Kong would generate a random key on every reload)', 'MissingField');
  const kid = f.string('kid');
  const badKid = kid === undefined ? undefined : kidProblem(kid);
  if (badKid !== undefined) f.fail('kid', badKid);
  let algorithm: JwtAlgorithm = 'HS256';
  const alg = f.string('algorithm');
  if (alg !== undefined) {
    if (isJwtAlgorithm(alg)) algorithm = canonicalAlgorithm(alg);
    else f.fail('algorithm', `expected one of: ${['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'].join(', ')}`);
  }
  const secret = f.string('secret');
  const rsaPublicKey = f.string('rsa_public_key');
  // Kong resolves {vault://…} only in fields its schema marks referenceable; jwt_secrets has none
  // (kong/plugins/jwt/daos.lua), so the reference text would be the HMAC secret. Say so, keep Kong's
  // behaviour (docs/install.md, "Standalone mode").
  if (secret !== undefined && VAULT_REFERENCE.test(secret)) {
    rep.warn(ref, 'VaultReference', 'is a vault reference, which Kong does not resolve in jwt_secrets (not referenceable): used as written, as Kong does; keep the kong.yml in a Secret instead', 'secret');
  }
  let jwks: JwksDraft | undefined;
  if (f.has('jwks')) {
    // docs/jwks.md: keys come from the JWKS, so neither a secret nor a PEM may be given too.
    if (secret !== undefined) f.fail('secret', "must not be set with 'jwks'");
    if (rsaPublicKey !== undefined) f.fail('rsa_public_key', "must not be set with 'jwks'");
    jwks = parseJwks(f, algorithm, alg !== undefined);
  } else if (f.ok) {
    if (isHmacAlgorithm(algorithm)) {
      if (secret === undefined) f.fail('secret', `required for algorithm ${algorithm} (Kong would generate a random secret on every reload)`, 'MissingField');
    } else if (rsaPublicKey === undefined) {
      f.fail('rsa_public_key', `required for algorithm ${algorithm}`, 'MissingField');
    } else if (!/-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/.test(rsaPublicKey)) {
      f.fail('rsa_public_key', 'invalid key: expected a PEM-encoded public key', 'InvalidKey');
    }
  }
  let consumerRef: string | undefined;
  if (topLevel) {
    consumerRef = readReference(f, 'consumer');
    if (consumerRef === undefined && !f.has('consumer')) f.fail('consumer', 'required field missing', 'MissingField');
  } else if (f.has('consumer')) {
    f.fail('consumer', 'must not be set on a jwt_secret nested in a consumer');
  }
  return {
    ref, path, ok: f.ok && key !== undefined, ...(id !== undefined ? { id } : {}),
    key: key ?? '', algorithm,
    ...(kid !== undefined ? { kid } : {}),
    ...(secret !== undefined ? { secret } : {}),
    ...(rsaPublicKey !== undefined ? { rsaPublicKey } : {}),
    ...(jwks !== undefined ? { jwks } : {}),
    tags: f.strings('tags', NO_TAGS),
    ...(consumerRef !== undefined ? { consumerRef } : {}),
  };
}
