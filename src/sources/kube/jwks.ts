import type { JwtCredentialSpec } from '../../model/crds.js';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import { defaultJwksTiming, jwksTimingProblem, type JwksSpec, type JwksTiming } from '../../model/jwks.js';
import { caCertificateProblem } from '../../model/upstream-tls.js';
import { readSecretValue } from './secrets.js';
import type { SecretObject } from './types.js';

/**
 * A JwtCredential's spec.jwks → JwksSpec (docs/jwks.md#jwtcredential): the JWKS Secret and the CA
 * Secret read here (a changed Secret rebuilds the snapshot like any other), the timing defaults
 * filled in. A problem is an error naming the field; the credential is then left out.
 */
export function resolveJwks(
  spec: JwtCredentialSpec,
  ref: ObjectRef,
  secrets: ReadonlyMap<string, SecretObject>,
  diagnostics: Diagnostic[],
): JwksSpec | undefined {
  const j = spec.jwks!;
  const ns = ref.namespace!;
  const which = j.url !== undefined ? 'url' : j.issuer !== undefined ? 'issuer' : j.secretRef !== undefined ? 'secretRef' : 'inline';
  const out: JwksSpec = {
    field: `spec.jwks.${which}`,
    algorithms: j.algorithms ?? [spec.algorithm],
    timing: defaultJwksTiming(),
  };
  if (j.url !== undefined) out.url = j.url;
  if (j.issuer !== undefined) out.issuer = j.issuer;
  const isJson = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  if (j.inline !== undefined) {
    if (!isJson(j.inline)) return void diagnostics.push(diagnostic('error', ref, 'InvalidSpec', 'is not JSON (expected a JWKS: {"keys": [...]})', 'spec.jwks.inline'));
    out.inline = j.inline;
  }
  if (j.secretRef !== undefined) {
    const v = readSecretValue(secrets, ns, j.secretRef.name, j.secretRef.key);
    if (!v.ok) return void diagnostics.push(diagnostic('error', ref, v.reason, v.message, `spec.jwks.secretRef.${v.reason === 'SecretNotFound' ? 'name' : 'key'}`));
    const text = v.value.toString('utf8');
    if (!isJson(text)) {
      return void diagnostics.push(diagnostic('error', ref, 'InvalidKey', `Secret '${ns}/${j.secretRef.name}' key '${j.secretRef.key}' is not a JWKS (not JSON)`, 'spec.jwks.secretRef.key'));
    }
    out.inline = text;
  }
  if (j.caSecretRef !== undefined) {
    const { name, key } = j.caSecretRef;
    const v = readSecretValue(secrets, ns, name, key);
    if (!v.ok) return void diagnostics.push(diagnostic('error', ref, v.reason, v.message, `spec.jwks.caSecretRef.${v.reason === 'SecretNotFound' ? 'name' : 'key'}`));
    const pem = v.value.toString('utf8');
    const problem = caCertificateProblem(pem, { single: false });
    if (problem !== undefined) return void diagnostics.push(diagnostic('error', ref, 'InvalidCertificate', `${problem} (Secret '${ns}/${name}' key '${key}')`, 'spec.jwks.caSecretRef.key'));
    out.caCertificates = [pem];
  }
  for (const k of Object.keys(out.timing) as Array<keyof JwksTiming>) {
    const v = j[k];
    if (v !== undefined) out.timing[k] = v;
  }
  const timing = jwksTimingProblem(out.timing);
  if (timing !== undefined) return void diagnostics.push(diagnostic('error', ref, 'InvalidSpec', timing.message, `spec.jwks.${timing.field}`));
  return out;
}
