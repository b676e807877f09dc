import { jwtClaimsConfigSchema, type JwtClaimsConfig } from '../../model/jwt-claims-config.js';
import type { ConfigIssue } from './jwt-config.js';
import { isMapping, type Mapping } from './fields.js';

/** kong.yml snake_case → the shared camelCase schema (src/model/jwt-claims-config.ts); only matchers differ. */
const MATCHER_SNAKE_TO_CAMEL: Readonly<Record<string, string>> = { one_of: 'oneOf', contains_any: 'containsAny' };
const MATCHER_CAMEL_TO_SNAKE = new Map(Object.entries(MATCHER_SNAKE_TO_CAMEL).map(([s, c]) => [c, s]));

export type JwtClaimsConfigResult = { ok: true; config: JwtClaimsConfig } | { ok: false; issues: ConfigIssue[] };

/** Drops null values (Kong writes nulls for unset fields) and renames keys. */
function withoutNulls(raw: Mapping, rename: Readonly<Record<string, string>> = {}): Mapping {
  const out: Mapping = {};
  for (const [k, v] of Object.entries(raw)) if (v !== null) out[rename[k] ?? k] = v;
  return out;
}

/**
 * Validates a kong.yml jwt-claims `config` block with the same rules as the Route CRD's
 * `plugins.jwtClaims` (docs/claims.md). Unknown keys are passed through so the strict schema
 * reports them; issue fields are spelled as in kong.yml ("config.claims[0].one_of").
 */
export function mapJwtClaimsConfig(raw: unknown): JwtClaimsConfigResult {
  if (raw === undefined || raw === null) raw = {};
  if (!isMapping(raw)) return { ok: false, issues: [{ field: 'config', message: 'expected a record' }] };
  const input = withoutNulls(raw);
  // The CRD's spellings are not kong.yml's: oneOf / containsAny are unknown fields here.
  const camelKeys: ConfigIssue[] = [];
  if (Array.isArray(input.claims)) {
    input.claims = input.claims.map((m, i) => {
      if (!isMapping(m)) return m;
      for (const k of Object.keys(m)) if (MATCHER_CAMEL_TO_SNAKE.has(k)) camelKeys.push({ field: `config.claims[${i}].${k}`, message: 'unknown field' });
      return withoutNulls(Object.fromEntries(Object.entries(m).filter(([k]) => !MATCHER_CAMEL_TO_SNAKE.has(k))), MATCHER_SNAKE_TO_CAMEL);
    });
  }
  if (Array.isArray(input.headers)) input.headers = input.headers.map((h) => (isMapping(h) ? withoutNulls(h) : h));
  const parsed = jwtClaimsConfigSchema.safeParse(input);
  if (parsed.success && camelKeys.length === 0) return { ok: true, config: parsed.data };
  const issues: ConfigIssue[] = [...camelKeys];
  if (parsed.success) return { ok: false, issues };
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String);
    if (path[0] === 'claims' && path.length >= 3) path[2] = MATCHER_CAMEL_TO_SNAKE.get(path[2]!) ?? path[2]!;
    const at = (p: string[]) => 'config' + p.map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`)).join('');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: at([...path, key]), message: 'unknown field' });
      continue;
    }
    const message = path[0] === 'claims' ? issue.message.replace(/\boneOf\b/g, 'one_of').replace(/\bcontainsAny\b/g, 'contains_any') : issue.message;
    issues.push({ field: at(path), message });
  }
  return { ok: false, issues };
}
