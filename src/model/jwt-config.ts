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

export const jwtPluginConfigSchema = z
  .strictObject({
    uriParamNames: stringSet(['jwt']),
    cookieNames: stringSet([]),
    headerNames: stringSet(['authorization']),
    keyClaimName: nonEmpty.default('iss'),
    secretIsBase64: z.boolean().default(false),
    claimsToVerify: z
      .array(z.enum(['exp', 'nbf']))
      .default([])
      .transform(dedupe),
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
