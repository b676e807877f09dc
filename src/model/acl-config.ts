import { z } from 'zod';

/**
 * Kong's acl plugin configuration (docs/acl.md), camelCase as in the Route CRD (`spec.plugins.acl`);
 * kong.yml spells them allow, deny, hide_groups_header, always_use_authenticated_groups. Kong's
 * schema: exactly one of `allow` / `deny` (only_one_of + at_least_one_of; an empty list counts as set).
 */

/** Bounds keep the CRD's CEL cost estimate small. */
export const ACL_LIMITS = { groups: 1024, groupLength: 256 } as const;

const groupList = z.array(z.string().min(1, 'must not be empty').max(ACL_LIMITS.groupLength)).max(ACL_LIMITS.groups);

export const aclConfigSchema = z
  .strictObject({
    allow: groupList.optional().describe('Groups allowed: a consumer in none of them is refused (403). Exactly one of allow and deny.'),
    deny: groupList.optional().describe('Groups refused: a consumer in any of them is refused (403). Exactly one of allow and deny.'),
    hideGroupsHeader: z
      .boolean()
      .default(false)
      .describe("Do not send the consumer's groups upstream in X-Consumer-Groups. Default false."),
    alwaysUseAuthenticatedGroups: z
      .boolean()
      .default(false)
      .describe("Kong's switch for groups an authentication plugin sets (LDAP, OAuth2 introspection); Portcullis' jwt sets none, so it changes nothing. Default false."),
  })
  .refine((c) => (c.allow === undefined) !== (c.deny === undefined), {
    message: 'exactly one of allow or deny is required',
    path: ['allow'],
  })
  .describe(
    "Kong's acl plugin (docs/acl.md): allows or refuses the authenticated consumer by its groups (kong.yml acls, KongConsumer spec.groups); 403 {\"message\":\"You cannot consume this service\"}, 401 without a consumer. Runs after jwt and ip-restriction, as in Kong.",
  );

export type AclConfig = z.output<typeof aclConfigSchema>;
