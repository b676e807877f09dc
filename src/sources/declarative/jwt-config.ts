import { jwtPluginConfigSchema, type JwtPluginConfig } from '../../model/jwt-config.js';
import type { Mapping } from './fields.js';

/** kong.yml snake_case → the shared camelCase schema (src/model/jwt-config.ts). */
const SNAKE_TO_CAMEL: Readonly<Record<string, string>> = {
  uri_param_names: 'uriParamNames',
  cookie_names: 'cookieNames',
  header_names: 'headerNames',
  key_claim_name: 'keyClaimName',
  secret_is_base64: 'secretIsBase64',
  claims_to_verify: 'claimsToVerify',
  anonymous: 'anonymous',
  run_on_preflight: 'runOnPreflight',
  maximum_expiration: 'maximumExpiration',
  realm: 'realm',
};
const CAMEL_TO_SNAKE = new Map(Object.entries(SNAKE_TO_CAMEL).map(([s, c]) => [c, s]));

export interface ConfigIssue {
  /** "config.maximum_expiration" */
  field: string;
  message: string;
}

export type JwtConfigResult = { ok: true; config: JwtPluginConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates a kong.yml jwt `config` block with the same rules as the Route CRD. A `null` value
 * means "unset" (Kong writes nulls for unset optional fields). Unknown keys are passed through
 * unmapped so the strict schema reports them.
 */
export function mapJwtConfig(raw: unknown): JwtConfigResult {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, issues: [{ field: 'config', message: 'expected a record' }] };
  }
  const input: Mapping = {};
  for (const [k, v] of Object.entries(raw as Mapping)) {
    if (v === null) continue;
    input[SNAKE_TO_CAMEL[k] ?? k] = v;
  }
  const parsed = jwtPluginConfigSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: parsed.data };
  const issues: ConfigIssue[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: `config.${key}`, message: 'unknown field' });
      continue;
    }
    const [head, ...rest] = issue.path.map(String);
    const snake = head === undefined ? undefined : (CAMEL_TO_SNAKE.get(head) ?? head);
    const field = ['config', ...(snake === undefined ? [] : [snake])].join('.') + rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
    issues.push({ field, message: issue.message });
  }
  return { ok: false, issues };
}
