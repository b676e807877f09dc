import { z } from 'zod';

/**
 * The jwt-claims plugin's configuration (docs/claims.md), camelCase as in the Route CRD
 * (`spec.plugins.jwtClaims`); kong.yml's snake_case is mapped onto it by the declarative source,
 * so both sources validate with the same rules. Every field is optional; an empty config does
 * nothing (and costs nothing per request).
 */

/** Bounds keep the CRD's CEL cost estimate small and one config's per-request work bounded. */
export const CLAIMS_LIMITS = {
  values: 64,
  matchers: 32,
  headers: 32,
  valueLength: 1024,
  pathLength: 256,
  headerNameLength: 128,
  /** Largest header value (UTF-8 bytes) sent upstream; a longer one is left out (docs/claims.md#header-values). */
  headerValueBytes: 8192,
} as const;

/**
 * Headers a mapping may not set: the ones the gateway sets or strips itself (docs/request-hygiene.md),
 * message framing, and credentials the client sent. `grpc-*` names are refused as a prefix.
 */
export const RESERVED_CLAIM_HEADERS: ReadonlySet<string> = new Set([
  'host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive',
  'upgrade', 'te', 'trailer', 'expect', 'proxy', 'proxy-connection', 'proxy-authorization', 'authorization', 'cookie',
  'via', 'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port',
  'x-forwarded-path', 'x-forwarded-prefix', 'x-real-ip', 'x-request-id', 'x-consumer-id', 'x-consumer-custom-id',
  'x-consumer-username', 'x-credential-identifier', 'x-anonymous-consumer', 'x-consumer-groups', 'x-authenticated-groups',
]);

/**
 * A claim path: member names separated by ".", where "\." is a dot inside a name and "\\" a
 * backslash ("realm_access.roles", "https://example\.com/roles"). Segments are never empty.
 */
export const CLAIM_PATH_PATTERN = /^(?:[^.\\]|\\[.\\])+(?:\.(?:[^.\\]|\\[.\\])+)*$/;

/** The member names of a valid path ("a\.b.c" → ["a.b", "c"]). */
export function parseClaimPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\') cur += path[++i] ?? '';
    else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** RFC 9110 token characters, without "_" (docs/request-hygiene.md: names with "_" are dropped). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^`|~-]+$/;

/** Why `name` cannot be a mapped header (lower-cased check), or undefined. */
export function claimHeaderProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (RESERVED_CLAIM_HEADERS.has(lower) || lower.startsWith('grpc-')) return `'${lower}' is set or removed by the gateway itself and cannot carry a claim`;
  return undefined;
}

const value = z.string().min(1, 'must not be empty').max(CLAIMS_LIMITS.valueLength);
const values = z.array(value).min(1, 'must not be empty').max(CLAIMS_LIMITS.values);
/** Sets: de-duplicated, first-seen order kept. */
const valueSet = values.transform((xs) => [...new Set(xs)]);
const claimPath = z
  .string()
  .max(CLAIMS_LIMITS.pathLength)
  .regex(CLAIM_PATH_PATTERN, 'must be member names separated by "." (write "\\." for a dot inside a name)');

export const claimMatcherSchema = z
  .strictObject({
    path: claimPath.describe('The claim, as a path of member names separated by "." (realm_access.roles); "\\." is a dot inside a name.'),
    equals: value.optional().describe('The claim equals this string (a number or boolean claim compares as its JSON text: "42", "true").'),
    oneOf: values.optional().describe('The claim equals one of these strings.'),
    contains: value.optional().describe('The claim is an array holding this string (a claim that is a single string counts as a one-element array).'),
    containsAny: values.optional().describe('The claim is an array holding at least one of these strings.'),
  })
  .refine((m) => [m.equals, m.oneOf, m.contains, m.containsAny].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of equals, oneOf, contains, containsAny is required',
  })
  .describe('One requirement on one claim; a missing claim never matches.');
export type ClaimMatcher = z.output<typeof claimMatcherSchema>;

export const claimHeaderSchema = z
  .strictObject({
    claim: claimPath.describe('The claim, as a path of member names separated by "." (realm_access.roles); "\\." is a dot inside a name.'),
    header: z
      .string()
      .min(1, 'must not be empty')
      .max(CLAIMS_LIMITS.headerNameLength)
      .regex(HEADER_NAME, 'must be an HTTP header name (letters, digits and !#$%&\'*+.^`|~-; no "_")')
      .superRefine((name, ctx) => {
        const problem = claimHeaderProblem(name);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe(
        'The upstream request header that carries the claim. Removed from every client request on every route (like X-Consumer-*), so only the gateway sets it. Not a header the gateway sets itself (Host, X-Forwarded-*, X-Consumer-*, Authorization, grpc-*…).',
      ),
    arrays: z
      .enum(['join', 'json'])
      .default('join')
      .describe('An array claim: join its elements with separator (default), or send the array as JSON.'),
    separator: z
      .string()
      .min(1)
      .max(8)
      .regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters')
      .default(', ')
      .describe('What joins array elements (arrays: join). Default ", ".'),
  })
  .describe('A claim sent upstream as a request header: strings as they are, numbers and booleans as JSON text, objects as JSON; a missing or null claim sends no header.');
export type ClaimHeader = z.output<typeof claimHeaderSchema>;

export const jwtClaimsConfigSchema = z
  .strictObject({
    audiences: valueSet
      .optional()
      .describe('The token\'s aud (a string or an array of strings) must hold at least one of these. Default: not checked.'),
    issuers: valueSet.optional().describe('The token\'s iss must be one of these. Default: not checked.'),
    scopes: z
      .array(value.regex(/^\S+$/, 'must be one scope (no spaces)'))
      .min(1, 'must not be empty')
      .max(CLAIMS_LIMITS.values)
      .transform((xs) => [...new Set(xs)])
      .optional()
      .describe('Every one of these must be granted: by the space-separated scope claim or by scp (an array, or a space-separated string). Default: not checked.'),
    claims: z
      .array(claimMatcherSchema)
      .min(1, 'must not be empty')
      .max(CLAIMS_LIMITS.matchers)
      .optional()
      .describe('Requirements on claims, all of which must hold. Default: none.'),
    headers: z
      .array(claimHeaderSchema)
      .min(1, 'must not be empty')
      .max(CLAIMS_LIMITS.headers)
      .superRefine((hs, ctx) => {
        const seen = new Set<string>();
        hs.forEach((h, i) => {
          const lower = h.header.toLowerCase();
          if (seen.has(lower)) ctx.addIssue({ code: 'custom', path: [i, 'header'], message: `header '${lower}' is mapped more than once` });
          seen.add(lower);
        });
      })
      .optional()
      .describe('Claims sent upstream as request headers. Default: none.'),
  })
  .describe(
    'Authorization by claim and claims to upstream headers (docs/claims.md). Runs after the jwt plugin, on the token it verified: a request that passes authentication but not these checks gets 403; an anonymous request (jwt anonymous) never satisfies a check.',
  );

export type JwtClaimsConfig = z.output<typeof jwtClaimsConfigSchema>;
export type JwtClaimsConfigInput = z.input<typeof jwtClaimsConfigSchema>;
