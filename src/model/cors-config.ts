import { z } from 'zod';

/**
 * Kong's cors plugin configuration (docs/cors.md), camelCase as in the Route CRD (`spec.plugins.cors`);
 * kong.yml spells them origins, methods, headers, exposed_headers, credentials, max_age,
 * preflight_continue, private_network, allow_origin_absent. Defaults are Kong's.
 */

export const CORS_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;

/** Bounds keep the CRD's CEL cost estimate small. */
export const CORS_LIMITS = { entries: 256, length: 512 } as const;

/**
 * An origin entry: "*", or a regex as Kong treats one. Kong compiles entries with PCRE; here they are
 * JavaScript regexes, which agree on the usual syntax (docs/cors.md#origins).
 */
export function originProblem(entry: string): string | undefined {
  if (entry === '*') return undefined;
  try {
    new RegExp(entry);
    return undefined;
  } catch {
    return `'${entry}' is not a valid regex`;
  }
}

/** Sent as response header values: visible ASCII and spaces only (no control characters). */
const PRINTABLE = /^[\x20-\x7e]*$/;
const PRINTABLE_MESSAGE = 'must be printable ASCII (it is sent in a response header)';
const headerList = z
  .array(z.string().min(1, 'must not be empty').max(CORS_LIMITS.length).regex(PRINTABLE, PRINTABLE_MESSAGE))
  .max(CORS_LIMITS.entries);

export const corsConfigSchema = z
  .strictObject({
    origins: z
      .array(
        z
          .string()
          .min(1, 'must not be empty')
          .max(CORS_LIMITS.length)
          .regex(PRINTABLE, PRINTABLE_MESSAGE)
          .superRefine((s, ctx) => {
            const p = originProblem(s);
            if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
          }),
      )
      .max(CORS_LIMITS.entries)
      .optional()
      .describe('Allowed origins for Access-Control-Allow-Origin: exact origins (https://app.example.com), regexes (https?://.*\\.example\\.com), or "*". Unset or empty: every origin ("*").'),
    methods: z
      .array(z.enum(CORS_METHODS))
      .max(CORS_METHODS.length)
      .default([...CORS_METHODS])
      .describe('Access-Control-Allow-Methods of a preflight answer. Default all nine: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT.'),
    headers: headerList.optional().describe("Access-Control-Allow-Headers of a preflight answer. Unset: the request's Access-Control-Request-Headers is echoed."),
    exposedHeaders: headerList.optional().describe('Access-Control-Expose-Headers on responses. Unset: none.'),
    credentials: z.boolean().default(false).describe('Send Access-Control-Allow-Credentials: true (with "*" origins, the request\'s Origin is echoed instead of "*"). Default false.'),
    maxAge: z.number().min(0).max(2147483647).optional().describe('Access-Control-Max-Age of a preflight answer, in seconds. Unset: not sent.'),
    preflightContinue: z.boolean().default(false).describe('Proxy preflight requests upstream (then jwt and the other plugins see them) instead of answering them. Default false.'),
    privateNetwork: z.boolean().default(false).describe('Answer Access-Control-Request-Private-Network: true with Access-Control-Allow-Private-Network: true. Default false.'),
    allowOriginAbsent: z.boolean().default(true).describe('Also add the CORS response headers when the request has no Origin. Default true.'),
  })
  .describe(
    "Kong's cors plugin (docs/cors.md): answers browser preflights (200) before jwt, and adds Access-Control-* headers to responses, also to the gateway's own refusals. Runs first after correlation-id, as in Kong.",
  );

export type CorsConfig = z.output<typeof corsConfigSchema>;
