import { CidrMatcher, parseCidr } from '../../model/ip-address.js';
import type { IpRestrictionConfig } from '../../model/ip-restriction-config.js';
import type { IpRefusal, IpRestrictionPolicy } from '../../snapshot/types.js';

/** Kong's default refusal (its handler's do_exit): 403, the message naming the client address. */
export const IP_RESTRICTION_STATUS = 403;
/** nginx's remote_addr spells an IPv4 client as dotted quad; node on a dual-stack socket says ::ffff:a.b.c.d. */
export const ipNotAllowedMessage = (ip: string): string => `IP address not allowed: ${ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip}`;
/** Kong's refusal when there is no client address (a unix socket peer). */
export const NO_CLIENT_IP_MESSAGE = 'Cannot identify the client IP address, unix domain sockets are not supported.';

/** Compiles the lists once per snapshot; the request path parses the address into a reused buffer. */
export function compileIpRestriction(pluginId: string, config: IpRestrictionConfig): IpRestrictionPolicy {
  const matcher = (list: readonly string[] | undefined): CidrMatcher | undefined =>
    list === undefined || list.length === 0 ? undefined : new CidrMatcher(list.map((c) => parseCidr(c)!));
  const deny = matcher(config.deny);
  const allow = matcher(config.allow);
  const status = config.status ?? IP_RESTRICTION_STATUS;
  const fixed = config.message;
  const verdict = (ip: string): { list: 'deny' | 'allow' | undefined; pass: boolean } => {
    if (deny !== undefined && deny.contains(ip)) return { list: 'deny', pass: false };
    if (allow !== undefined) return { list: 'allow', pass: allow.contains(ip) };
    return { list: deny === undefined ? undefined : 'deny', pass: true };
  };
  return {
    pluginId,
    config,
    verdict,
    check(ip: string): IpRefusal | undefined {
      if (verdict(ip).pass) return undefined;
      return { status, message: fixed ?? ipNotAllowedMessage(ip) };
    },
  };
}
