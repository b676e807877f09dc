import { z } from 'zod';

/**
 * Kong's rate-limiting plugin configuration (docs/rate-limiting.md), camelCase as in the Route CRD
 * (`spec.plugins.rateLimiting`); kong.yml spells them snake_case (limit_by, header_name, redis.ssl_verify
 * ...) and also accepts Kong's deprecated flat redis_* fields. Defaults and checks are Kong's schema
 * (kong/plugins/rate-limiting/schema.lua, DB-less: no `cluster` policy).
 */

/** Kong's periods in its order, with the window lengths of its expiration table (a month is 30 days). */
export const RATE_PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type RatePeriod = (typeof RATE_PERIODS)[number];
export const PERIOD_SECONDS: Readonly<Record<RatePeriod, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  month: 2592000,
  year: 31536000,
};

export const LIMIT_BY = ['consumer', 'credential', 'ip', 'service', 'header', 'path'] as const;
export type LimitBy = (typeof LIMIT_BY)[number];

/** Kong's sync_rate meaning "every request reads and increments the store" (the default). */
export const SYNC_RATE_REALTIME = -1;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^`|~_-]+$/;

const limit = (period: RatePeriod) =>
  z
    .number()
    .gt(0, 'must be greater than 0')
    .max(1e15)
    .optional()
    .describe(`Requests allowed per ${period} (a fixed window starting at the ${period}'s start, UTC).`);

/** Kong's shared redis record (kong/tools/redis/schema.lua); the password field differs by source. */
const redisShape = {
    host: z.string().min(1).max(256).optional().describe('Redis host name or address. Required with policy redis.'),
    port: z.number().int('must be an integer').min(0).max(65535).default(6379).describe('Redis port. Default 6379.'),
    timeout: z
      .number()
      .int('must be an integer')
      .min(0)
      .max(2147483646)
      .default(2000)
      .describe('Connect and command timeout, in milliseconds. Default 2000.'),
    username: z.string().max(256).optional().describe('Redis ACL user (Redis 6+). Unset: no ACL user.'),
    database: z.number().int('must be an integer').min(0).max(65535).default(0).describe('Redis database number. Default 0.'),
    ssl: z.boolean().default(false).describe('Connect over TLS. Default false.'),
    sslVerify: z.boolean().default(false).describe("Verify the server certificate (system CAs) when ssl is on. Default false, as Kong's."),
    serverName: z.string().max(253).optional().describe('SNI and verified name with ssl. Default: host.'),
};

/** The record a source resolved (kong.yml's password, or the CR's Secret value): what the proxy uses. */
export const redisConfigSchema = z
  .strictObject({ ...redisShape, password: z.string().max(4096).optional().describe('Redis password (AUTH). Unset: no AUTH.') })
  .describe("Redis connection for policy redis (Kong's config.redis).");

export type RedisConfig = z.output<typeof redisConfigSchema>;

const secretRef = z.strictObject({
  name: z.string().min(1).max(253).describe("Name of a Secret in the Route's namespace, labelled portcullis.dev/credential=true."),
  key: z.string().min(1).max(253).describe('Key within the Secret whose value is the password.'),
});

/** The Route CR's redis record: the password comes from a Secret, never inline. */
const redisCrSchema = z
  .strictObject({ ...redisShape, passwordSecretRef: secretRef.optional().describe('The Redis password (AUTH), from a Secret. Unset: no AUTH.') })
  .describe("Redis connection for policy redis (Kong's config.redis); the password from a Secret (passwordSecretRef).");

function rateLimitingShape<R extends z.ZodTypeAny>(redis: R) {
  return {
    second: limit('second'),
    minute: limit('minute'),
    hour: limit('hour'),
    day: limit('day'),
    month: limit('month'),
    year: limit('year'),
    limitBy: z
      .enum(LIMIT_BY, { message: `expected one of: ${LIMIT_BY.join(', ')}` })
      .default('consumer')
      .describe('Who a counter belongs to: consumer (else credential, else client IP), credential, ip, service, header (headerName), path. Default consumer; a request without the thing falls back to the client IP.'),
    headerName: z.string().min(1).max(256).regex(HEADER_NAME, 'must be an HTTP header name').optional().describe('With limitBy header: the header whose value is counted.'),
    path: z.string().min(1).max(2048).startsWith('/', "should start with: /").optional().describe('With limitBy path: requests to exactly this path share a counter.'),
    policy: z
      .enum(['local', 'redis'], { message: "expected one of: local, redis (Kong's cluster policy needs Kong's database; Portcullis, like Kong in DB-less mode, has none)" })
      .default('local')
      .describe('Where counters live: local (this process) or redis (shared by every gateway). Default local.'),
    faultTolerant: z.boolean().default(true).describe('When Redis cannot be reached: true proxies without limiting; false answers 500. Default true.'),
    redis: redis.optional(),
    hideClientHeaders: z.boolean().default(false).describe('Leave out the RateLimit-* / X-RateLimit-* / Retry-After headers. Default false.'),
    errorCode: z
      .number()
      .int('must be an integer')
      .min(100, 'must be an HTTP status (100 to 599)')
      .max(599, 'must be an HTTP status (100 to 599)')
      .default(429)
      .describe('Status of a refused request. Default 429.'),
    errorMessage: z.string().max(4096).default('API rate limit exceeded').describe('Message of a refused request ({"message": ...}). Default "API rate limit exceeded".'),
    syncRate: z
      .number()
      .default(SYNC_RATE_REALTIME)
      .describe('Kong\'s sync_rate: -1 (the default) reads and increments Redis on every request; above 0 (policy redis), counts locally and syncs with Redis every syncRate seconds.'),
  };
}

type Shape = { [K in RatePeriod]?: number | undefined } & { limitBy: LimitBy; headerName?: string | undefined; path?: string | undefined; policy: 'local' | 'redis'; syncRate: number; redis?: { host?: string | undefined } | undefined };

/** Kong's entity checks and custom validator, in its words; fields camelCase (kong.yml maps them back). */
function checkConfig(c: Shape, ctx: z.RefinementCtx): void {
  if (RATE_PERIODS.every((p) => c[p] === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'",
      path: [],
    });
  }
  for (let i = 0; i < RATE_PERIODS.length; i++) {
    const lower = RATE_PERIODS[i]!;
    const v1 = c[lower];
    if (v1 === undefined) continue;
    for (const upper of RATE_PERIODS.slice(i + 1)) {
      const v2 = c[upper];
      if (v2 !== undefined && v2 < v1) {
        ctx.addIssue({ code: 'custom', message: `The limit for ${upper}(${v2.toFixed(1)}) cannot be lower than the limit for ${lower}(${v1.toFixed(1)})`, path: [upper] });
      }
    }
  }
  if (c.policy === 'redis' && c.redis?.host === undefined) ctx.addIssue({ code: 'custom', message: 'required field missing (policy redis)', path: ['redis', 'host'] });
  if (c.limitBy === 'header' && c.headerName === undefined) ctx.addIssue({ code: 'custom', message: 'required field missing (limitBy header)', path: ['headerName'] });
  if (c.limitBy === 'path' && c.path === undefined) ctx.addIssue({ code: 'custom', message: 'required field missing (limitBy path)', path: ['path'] });
  if (c.syncRate !== SYNC_RATE_REALTIME) {
    if (c.policy !== 'redis') ctx.addIssue({ code: 'custom', message: 'sync_rate can only be used with the redis policy', path: ['syncRate'] });
    else if (c.syncRate < 0.02) ctx.addIssue({ code: 'custom', message: 'sync_rate must be greater than 0.02, or -1 to disable', path: ['syncRate'] });
  }
}

/** What the proxy uses (kong.yml validates straight into it; a Route CR's Secret is resolved into it). */
export const rateLimitingConfigSchema = z
  .strictObject(rateLimitingShape(redisConfigSchema))
  .superRefine(checkConfig)
  .describe("Kong's rate-limiting plugin (docs/rate-limiting.md).");

export type RateLimitingConfig = z.output<typeof rateLimitingConfigSchema>;

/** The Route CR's spec.plugins.rateLimiting: as above, the redis password from a Secret. */
export const rateLimitingCrSchema = z
  .strictObject(rateLimitingShape(redisCrSchema))
  .superRefine(checkConfig)
  .describe("Kong's rate-limiting (docs/rate-limiting.md): fixed-window limits per second to year, by consumer, credential, IP, service, header or path, counted in this process (local) or in Redis; 429 {\"message\":\"API rate limit exceeded\"} with RateLimit-* headers. Runs after jwt and ipRestriction, as in Kong.");

export type RateLimitingCrConfig = z.output<typeof rateLimitingCrSchema>;
