import type { z } from 'zod';
import { aclConfigSchema, type AclConfig } from '../../model/acl-config.js';
import { corsConfigSchema, type CorsConfig } from '../../model/cors-config.js';
import { correlationIdConfigSchema, type CorrelationIdConfig } from '../../model/correlation-id-config.js';
import { ipRestrictionConfigSchema, type IpRestrictionConfig } from '../../model/ip-restriction-config.js';
import { rateLimitingConfigSchema, type RateLimitingConfig } from '../../model/rate-limiting-config.js';
import type { ConfigIssue } from './jwt-config.js';
import { isMapping, type Mapping } from './fields.js';

export type ConfigResult<T> = { ok: true; config: T } | { ok: false; issues: ConfigIssue[] };

/**
 * A kong.yml plugin `config` validated by the Route CRD's camelCase schema: snake_case keys are
 * renamed, null values dropped (Kong writes nulls for unset fields), a camelCase key is an unknown
 * field, and issue fields are spelled as in kong.yml ("config.header_name").
 */
function mapConfig<S extends z.ZodType>(raw: unknown, schema: S, snakeToCamel: Readonly<Record<string, string>>, pre: ConfigIssue[] = []): ConfigResult<z.output<S>> {
  if (raw === undefined || raw === null) raw = {};
  if (!isMapping(raw)) return { ok: false, issues: [{ field: 'config', message: 'expected a record' }] };
  const camelToSnake = new Map(Object.entries(snakeToCamel).map(([s, c]) => [c, s]));
  const input: Mapping = {};
  const issues: ConfigIssue[] = [...pre];
  for (const [k, v] of Object.entries(raw)) {
    if (camelToSnake.has(k)) issues.push({ field: `config.${k}`, message: 'unknown field' });
    else if (v !== null) input[snakeToCamel[k] ?? k] = v;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success && issues.length === 0) return { ok: true, config: parsed.data };
  if (parsed.success) return { ok: false, issues };
  const at = (path: PropertyKey[]) =>
    'config' + path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${camelToSnake.get(String(seg)) ?? String(seg)}`)).join('');
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: at([...issue.path, key]), message: 'unknown field' });
    } else {
      issues.push({ field: at(issue.path), message: issue.message });
    }
  }
  return { ok: false, issues };
}

/** Kong's ip-restriction config: allow, deny, status, message (same names in both sources). */
export function mapIpRestrictionConfig(raw: unknown): ConfigResult<IpRestrictionConfig> {
  return mapConfig(raw, ipRestrictionConfigSchema, {});
}

/** Kong's acl config: allow, deny, hide_groups_header, always_use_authenticated_groups. */
export function mapAclConfig(raw: unknown): ConfigResult<AclConfig> {
  return mapConfig(raw, aclConfigSchema, { hide_groups_header: 'hideGroupsHeader', always_use_authenticated_groups: 'alwaysUseAuthenticatedGroups' });
}

/** Kong's cors config: origins, methods, headers, exposed_headers, credentials, max_age, preflight_continue, private_network, allow_origin_absent. */
export function mapCorsConfig(raw: unknown): ConfigResult<CorsConfig> {
  return mapConfig(raw, corsConfigSchema, {
    exposed_headers: 'exposedHeaders',
    max_age: 'maxAge',
    preflight_continue: 'preflightContinue',
    private_network: 'privateNetwork',
    allow_origin_absent: 'allowOriginAbsent',
  });
}

/** Kong's correlation-id config: header_name, generator, echo_downstream. */
export function mapCorrelationIdConfig(raw: unknown): ConfigResult<CorrelationIdConfig> {
  return mapConfig(raw, correlationIdConfigSchema, { header_name: 'headerName', echo_downstream: 'echoDownstream' });
}

/** Kong's rate-limiting fields; `redis` is a record whose ssl_verify / server_name are renamed the same way. */
const RATE_LIMITING_FIELDS: Readonly<Record<string, string>> = {
  limit_by: 'limitBy',
  header_name: 'headerName',
  fault_tolerant: 'faultTolerant',
  hide_client_headers: 'hideClientHeaders',
  error_code: 'errorCode',
  error_message: 'errorMessage',
  sync_rate: 'syncRate',
  ssl_verify: 'sslVerify',
  server_name: 'serverName',
};

/** Kong's deprecated flat fields (its schema's shorthand_fields), each standing for one config.redis field. */
const REDIS_SHORTHANDS: Readonly<Record<string, string>> = {
  redis_host: 'host',
  redis_port: 'port',
  redis_password: 'password',
  redis_username: 'username',
  redis_ssl: 'ssl',
  redis_ssl_verify: 'sslVerify',
  redis_server_name: 'serverName',
  redis_timeout: 'timeout',
  redis_database: 'database',
};
const REDIS_SNAKE: Readonly<Record<string, string>> = { ssl_verify: 'sslVerify', server_name: 'serverName' };

/**
 * Kong's rate-limiting config (docs/rate-limiting.md): snake_case fields, `redis` as Kong 3.6+
 * nests it, and the deprecated redis_* fields Kong still accepts (a value given both ways must agree).
 */
export function mapRateLimitingConfig(raw: unknown): ConfigResult<RateLimitingConfig> {
  if (!isMapping(raw)) return mapConfig(raw, rateLimitingConfigSchema, RATE_LIMITING_FIELDS);
  const pre: ConfigIssue[] = [];
  const out: Mapping = {};
  let redis: Mapping | undefined;
  if (raw.redis !== undefined && raw.redis !== null) {
    if (!isMapping(raw.redis)) return { ok: false, issues: [{ field: 'config.redis', message: 'expected a record' }] };
    redis = {};
    for (const [k, v] of Object.entries(raw.redis)) {
      if (Object.values(REDIS_SNAKE).includes(k)) pre.push({ field: `config.redis.${k}`, message: 'unknown field' });
      else if (v !== null) redis[REDIS_SNAKE[k] ?? k] = v;
    }
  }
  for (const [k, v] of Object.entries(raw)) {
    const field = REDIS_SHORTHANDS[k];
    if (field === undefined) {
      if (k !== 'redis') out[k] = v;
      continue;
    }
    if (v === null) continue;
    redis ??= {};
    if (redis[field] !== undefined && redis[field] !== v) {
      pre.push({ field: `config.${k}`, message: `conflicts with config.redis.${Object.entries(REDIS_SNAKE).find(([, c]) => c === field)?.[0] ?? field}` });
    } else redis[field] = v;
  }
  if (redis !== undefined) out.redis = redis;
  return mapConfig(out, rateLimitingConfigSchema, RATE_LIMITING_FIELDS, pre);
}
