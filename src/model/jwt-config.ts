import { z } from 'zod';

/**
 * The jwt plugin's configuration (docs/kong-compatibility.md#plugin-configuration), camelCase as in the Route CRD.
 * kong.yml uses the snake_case names; the declarative source maps them onto this schema so
 * both sources validate with the same rules.
 */
const nonEmpty = z.string().min(1, 'must not be empty');
/** Kong stores these as sets: de-duplicate, keep first-seen order. */
const dedupe = <T>(xs: T[]): T[] => [...new Set(xs)];
/**
 * Defaults sit BEFORE the transform so z.toJSONSchema({ io: 'input' }) still emits them
 * (the CRD schemas are generated from this schema, see src/model/crd-openapi.ts).
 */
const stringSet = (def: string[]) => z.array(nonEmpty).default(def).transform(dedupe);

/** Descriptions (docs/kong-compatibility.md#plugin-configuration) become the Route CRD's. */
export const jwtPluginConfigSchema = z
  .strictObject({
    uriParamNames: stringSet(['jwt']).describe(
      'Query parameters searched for a token (names case-sensitive, values URL-decoded). Default ["jwt"]. Their values are redacted in the access log.',
    ),
    cookieNames: stringSet([]).describe('Cookies searched for a token (raw value). Default: none.'),
    headerNames: stringSet(['authorization']).describe(
      'Headers searched for a token, case-insensitive, in the form "Bearer <token>". Default ["authorization"]. A repeated header contributes its first occurrence only.',
    ),
    keyClaimName: nonEmpty
      .default('iss')
      .describe(
        "The claim whose value names the credential (a JwtCredential's key): looked up in the payload first, then in the JOSE header (so kid works). Default iss.",
      ),
    secretIsBase64: z
      .boolean()
      .default(false)
      .describe('HMAC secrets are stored as base64 text and decoded before use (HS* only; never applies to public keys). Default false.'),
    claimsToVerify: z
      .array(z.enum(['exp', 'nbf']).describe('exp or nbf.'))
      .default([])
      .transform(dedupe)
      .describe('Registered claims to check: exp (not expired) and/or nbf (not before). Claims not listed are not checked. Default: none.'),
    anonymous: nonEmpty
      .optional()
      .describe(
        'When authentication fails, forward the request as this KongConsumer (its metadata.name, same namespace) instead of answering 401; the upstream sees X-Anonymous-Consumer: true. Default: none.',
      ),
    runOnPreflight: z
      .boolean()
      .default(true)
      .describe('Authenticate OPTIONS (CORS preflight) requests too. false: every OPTIONS request skips the plugin. Default true.'),
    maximumExpiration: z
      .number()
      .int()
      .min(0)
      .max(31536000)
      .default(0)
      .describe('Refuse tokens whose exp is more than this many seconds in the future (0 to 31536000; 0: no limit). Non-zero requires exp in claimsToVerify. Default 0.'),
    realm: nonEmpty.optional().describe('The realm put into the WWW-Authenticate header of a 401. Default: none.'),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.maximumExpiration > 0 && !cfg.claimsToVerify.includes('exp')) {
      ctx.addIssue({
        code: 'custom',
        path: ['claimsToVerify'],
        message: 'expected to contain: exp',
      });
    }
  });

export type JwtPluginConfig = z.output<typeof jwtPluginConfigSchema>;
export type JwtPluginConfigInput = z.input<typeof jwtPluginConfigSchema>;

export const DEFAULT_JWT_PLUGIN_CONFIG: JwtPluginConfig = jwtPluginConfigSchema.parse({});
