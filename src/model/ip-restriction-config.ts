import { z } from 'zod';
import { parseCidr } from './ip-address.js';

/**
 * Kong's ip-restriction plugin configuration (docs/ip-restriction.md), camelCase as in the Route
 * CRD (`spec.plugins.ipRestriction`); kong.yml's fields have the same names. Kong's schema:
 * `allow` / `deny` (IPs or CIDR blocks, at least one of them), `status` and `message` (both
 * optional: 403 and "IP address not allowed: <client ip>").
 */

/** Bounds keep the CRD's CEL cost estimate small. */
export const IP_RESTRICTION_LIMITS = { entries: 1024, messageLength: 1024 } as const;

const ipOrCidr = z
  .string()
  .max(64)
  .refine((s) => parseCidr(s) !== undefined, { message: 'must be an IP address or a CIDR block (10.0.0.0/8, 2001:db8::/32)' });

const ipList = z.array(ipOrCidr).max(IP_RESTRICTION_LIMITS.entries);

export const ipRestrictionConfigSchema = z
  .strictObject({
    allow: ipList
      .optional()
      .describe('Client IPs or CIDR blocks allowed; any other client is refused. Checked after deny.'),
    deny: ipList.optional().describe('Client IPs or CIDR blocks refused. Checked first: an address in both lists is refused.'),
    status: z
      .number()
      .int('must be an integer')
      .min(400, 'must be between 400 and 599')
      .max(599, 'must be between 400 and 599')
      .optional()
      .describe('The status of a refusal. Default 403.'),
    message: z
      .string()
      .max(IP_RESTRICTION_LIMITS.messageLength)
      .optional()
      .describe('The message of a refusal (its JSON body {"message": ...}). Default "IP address not allowed: <client ip>".'),
  })
  .refine((c) => c.allow !== undefined || c.deny !== undefined, {
    message: 'at least one of allow or deny is required',
    path: ['allow'],
  })
  .describe(
    "Kong's ip-restriction plugin (docs/ip-restriction.md): refuses clients by IP, on the real client address (trusted proxies, docs/client-ip.md). Runs after jwt, as in Kong.",
  );

export type IpRestrictionConfig = z.output<typeof ipRestrictionConfigSchema>;
