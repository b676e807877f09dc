import { canonicalAlgorithm, isHmacAlgorithm, isJwtAlgorithm, type JwtAlgorithm } from '../../model/algorithms.js';
import {
  defaultJwksTiming,
  JWKS_TIMING_BOUNDS,
  JWKS_TIMING_KONG_NAMES,
  jwksTimingProblem,
  jwksUrlProblem,
  type JwksSpec,
  type JwksTiming,
} from '../../model/jwks.js';
import { caCertificateProblem } from '../../model/upstream-tls.js';
import { isMapping, type Fields } from './fields.js';
import type { ObjectRef } from '../../model/diagnostics.js';
import type { UpstreamCertificates } from './upstream-certificates.js';

/** A jwt_secret's `jwks` before its ca_certificates references are resolved (parse.ts). */
export type JwksDraft = JwksSpec & { caIds: string[] };

const JWKS_FIELDS = new Set(['url', 'issuer', 'keys', 'algorithms', 'ca_certificates', 'ca_pem', ...Object.values(JWKS_TIMING_KONG_NAMES)]);

/**
 * The `jwks` extension field of a jwt_secret (docs/jwks.md#kongyml): exactly one of url, issuer
 * (OIDC discovery) or keys (an inline JWKS, as a mapping or JSON text); the algorithms tokens may
 * use (default: the secret's `algorithm`, which must then be asymmetric); CAs by ca_certificates
 * id or PEM; cache and fetch bounds. Problems are reported on `f` as "jwks.<field>".
 */
export function parseJwks(f: Fields, algorithm: JwtAlgorithm, algorithmSet: boolean): JwksDraft | undefined {
  const raw = f.raw.jwks;
  if (!isMapping(raw)) return f.fail('jwks', 'expected a record'), undefined;
  let ok = true;
  const fail = (field: string, message: string, reason: 'InvalidValue' | 'MissingField' | 'UnknownField' | 'InvalidCertificate' | 'InvalidKey' = 'InvalidValue') => {
    ok = false;
    f.fail(`jwks.${field}`, message, reason);
  };
  for (const k of Object.keys(raw)) if (!JWKS_FIELDS.has(k)) fail(k, 'unknown field', 'UnknownField');
  const set = (k: string) => raw[k] !== undefined && raw[k] !== null;
  const sources = ['url', 'issuer', 'keys'].filter(set);
  if (sources.length !== 1) fail(sources[1] ?? 'url', "exactly one of 'url', 'issuer', 'keys' is required", 'MissingField');

  const spec: JwksDraft = { field: `jwks.${sources[0] ?? 'url'}`, algorithms: [], timing: defaultJwksTiming(), caIds: [] };
  for (const name of ['url', 'issuer'] as const) {
    if (!set(name)) continue;
    const v = raw[name];
    const problem = typeof v !== 'string' ? 'expected a string' : jwksUrlProblem(v);
    if (problem !== undefined) fail(name, problem);
    else spec[name] = v as string;
  }
  if (set('keys')) {
    const v = raw.keys;
    if (typeof v === 'string') {
      try {
        JSON.parse(v);
        spec.inline = v;
      } catch {
        fail('keys', 'is not JSON (expected a JWKS: {"keys": [...]})', 'InvalidKey');
      }
    } else if (isMapping(v)) spec.inline = JSON.stringify(v);
    else fail('keys', 'expected a JWKS: a record {keys: [...]} or its JSON text');
  }

  if (set('algorithms')) {
    const list = raw.algorithms;
    if (!Array.isArray(list) || list.length === 0) fail('algorithms', 'expected a non-empty array');
    else {
      list.forEach((a, i) => {
        if (!isJwtAlgorithm(a) || isHmacAlgorithm(a)) fail(`algorithms[${i}]`, 'expected one of: RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, EdDSA');
        else if (!spec.algorithms.includes(a)) spec.algorithms.push(canonicalAlgorithm(a));
      });
      if (algorithmSet && !spec.algorithms.includes(algorithm)) fail('algorithms', `must include the secret's algorithm ${algorithm}`);
    }
  } else if (isHmacAlgorithm(algorithm)) {
    f.fail('algorithm', `a JWKS credential verifies with public keys: set an asymmetric algorithm (e.g. RS256) or jwks.algorithms${algorithmSet ? '' : ' (the default is HS256)'}`);
    ok = false;
  } else spec.algorithms.push(algorithm);

  if (set('ca_certificates')) {
    const ids = raw.ca_certificates;
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string' || x === '')) fail('ca_certificates', 'expected an array of ca_certificates ids');
    else spec.caIds = ids as string[];
  }
  if (set('ca_pem')) {
    const pem = raw.ca_pem;
    const problem = typeof pem !== 'string' ? 'expected a string' : caCertificateProblem(pem, { single: false });
    if (problem !== undefined) fail('ca_pem', problem, 'InvalidCertificate');
    else spec.caCertificates = [pem as string];
  }

  for (const key of Object.keys(JWKS_TIMING_KONG_NAMES) as Array<keyof JwksTiming>) {
    const name = JWKS_TIMING_KONG_NAMES[key];
    if (!set(name)) continue;
    const v = raw[name];
    const b = JWKS_TIMING_BOUNDS[key];
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(name, 'expected an integer');
    else if (v < b.min || v > b.max) fail(name, `value should be between ${b.min} and ${b.max}`);
    else spec.timing[key] = v;
  }
  const timing = jwksTimingProblem(spec.timing);
  if (ok && timing !== undefined) fail(JWKS_TIMING_KONG_NAMES[timing.field], timing.message);
  return ok ? spec : undefined;
}

/** The draft with its ca_certificates ids replaced by their PEMs; undefined after reporting a bad reference. */
export function resolveJwksDraft(draft: JwksDraft, ref: ObjectRef, cas: UpstreamCertificates | undefined): JwksSpec | undefined {
  const { caIds, ...spec } = draft;
  if (caIds.length === 0) return spec;
  const pems = cas?.resolveCas(caIds, ref, 'jwks.ca_certificates');
  if (pems === undefined) return undefined;
  return { ...spec, caCertificates: [...(spec.caCertificates ?? []), ...pems] };
}
