import type { AclConfig } from '../../model/acl-config.js';
import { toHeaderValue } from '../../model/header-values.js';
import type { AclPolicy, AclRefusal, Consumer } from '../../snapshot/types.js';

/** Kong's acl refusals (kong/plugins/acl/handler.lua): kong.response.error(403, …) and error(401). */
export const ACL_DENIED: AclRefusal = Object.freeze({ status: 403, message: 'You cannot consume this service', reason: 'acl_denied' });
export const ACL_UNAUTHENTICATED: AclRefusal = Object.freeze({ status: 401, message: 'Unauthorized', reason: 'acl_unauthenticated' });

/**
 * Compiles one acl instance. Kong's decision, without authenticated groups (no Portcullis plugin
 * sets them, so always_use_authenticated_groups changes nothing):
 * - no consumer: 401;
 * - a consumer without groups: allowed by a deny list (no header), else 403 with a credential, 401
 *   without one (the anonymous consumer);
 * - otherwise in any listed group: refused by deny, allowed by allow; a refusal is 403.
 * The X-Consumer-Groups value ("a, b", the consumer's groups in order) is cached per consumer.
 */
export function compileAcl(pluginId: string, config: AclConfig): AclPolicy {
  const deny = config.deny !== undefined;
  const listed = new Set(config.deny ?? config.allow ?? []);
  const hide = config.hideGroupsHeader;
  const headers = new WeakMap<readonly string[], string>();
  const header = (groups: readonly string[]): string => {
    let v = headers.get(groups);
    if (v === undefined) headers.set(groups, (v = toHeaderValue(groups.join(', '))));
    return v;
  };
  return {
    pluginId,
    config,
    check(consumer: Consumer | undefined, authenticated: boolean): AclRefusal | string | undefined {
      if (consumer === undefined) return ACL_UNAUTHENTICATED;
      const groups = consumer.groups;
      if (groups === undefined || groups.length === 0) {
        if (deny) return undefined;
        return authenticated ? ACL_DENIED : ACL_UNAUTHENTICATED;
      }
      let inGroup = false;
      for (let i = 0; i < groups.length && !inGroup; i++) inGroup = listed.has(groups[i]!);
      if (inGroup === deny) return ACL_DENIED;
      return hide ? undefined : header(groups);
    },
  };
}
