import { parse } from 'yaml';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import { JWT_ANNOTATION } from '../../model/ingress.js';
import { jwtPluginConfigSchema, type JwtPluginConfig } from '../../model/jwt-config.js';
import type { IngressMeta } from './ingress-types.js';

export const JWT_ANNOTATION_FIELD = `metadata.annotations[${JWT_ANNOTATION}]`;

export type IngressJwt = { kind: 'none' } | { kind: 'ok'; config: JwtPluginConfig } | { kind: 'invalid' };

/**
 * PURE: the portcullis.dev/jwt annotation → the jwt plugin configuration of the Ingress's rules.
 * Its value is YAML or JSON with the fields of a Route's spec.plugins.jwt, checked with the same
 * schema; "" (or {}) turns JWT on with the defaults. An invalid value is a diagnostic naming the
 * annotation, and the Ingress's rules then fail closed (500), never open (docs/ingress.md#jwt).
 */
export function ingressJwt(ref: ObjectRef, meta: IngressMeta | undefined, diagnostics: Diagnostic[]): IngressJwt {
  const raw = meta?.annotations?.[JWT_ANNOTATION];
  if (raw === undefined) return { kind: 'none' };
  let value: unknown;
  try {
    value = raw.trim() === '' ? {} : parse(raw, { maxAliasCount: 10 });
  } catch {
    diagnostics.push(diagnostic('error', ref, 'InvalidPluginConfig', 'is not valid YAML or JSON', JWT_ANNOTATION_FIELD));
    return { kind: 'invalid' };
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    diagnostics.push(diagnostic('error', ref, 'InvalidPluginConfig', 'must be a mapping of jwt plugin fields (e.g. {"claimsToVerify": ["exp"]})', JWT_ANNOTATION_FIELD));
    return { kind: 'invalid' };
  }
  const r = jwtPluginConfigSchema.safeParse(value);
  if (r.success) return { kind: 'ok', config: r.data };
  for (const issue of r.error.issues) {
    const at = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    diagnostics.push(diagnostic('error', ref, 'InvalidPluginConfig', `${at}${issue.message}`, JWT_ANNOTATION_FIELD));
  }
  return { kind: 'invalid' };
}
