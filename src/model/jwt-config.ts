import { z } from 'zod';

/**
 * The jwt plugin's configuration (kong-jwt-compat.md §1), camelCase as in the Route CRD.
 * kong.yml uses the snake_case names; the declarative source maps them onto this schema so
 * both sources validate with the same rules.
 */
const nonEmpty = z.string().min(1, 'must not be empty');
/** Kong stores these as sets: de-duplicate, keep first-seen order. */
const stringSet = z.array(nonEmpty).transform((xs) => [...new Set(xs)]);

export const jwtPluginConfigSchema = z
  .strictObject({
    uriParamNames: stringSet.default(['jwt']),
    cookieNames: stringSet.default([]),
    headerNames: stringSet.default(['authorization']),
    keyClaimName: nonEmpty.default('iss'),
    secretIsBase64: z.boolean().default(false),
    claimsToVerify: z
      .array(z.enum(['exp', 'nbf']))
      .transform((xs) => [...new Set(xs)])
      .default([]),
    anonymous: nonEmpty.optional(),
    runOnPreflight: z.boolean().default(true),
    maximumExpiration: z.number().int().min(0).max(31536000).default(0),
    realm: nonEmpty.optional(),
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
