import { formatCidr, parseCidr } from './ip-address.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { UsageError } from './usage-error.js';

/**
 * Which peers are trusted proxies and where the real client address comes from: Kong's
 * trusted_ips, real_ip_header and real_ip_recursive (docs/client-ip.md). Plain data, so the
 * options can be handed to worker processes as JSON; src/proxy/client-ip.ts compiles it.
 */
export interface ClientIpSettings {
  /** Normalized CIDR blocks ("10.0.0.0/8", "::1/128"); empty (the default, as in Kong): trust no peer. */
  trustedIps: string[];
  /** Lower-case request header name, or "proxy_protocol" (the PROXY protocol header's source address). */
  realIpHeader: string;
  /** nginx real_ip_recursive: skip trusted addresses from the right of the header's list. */
  realIpRecursive: boolean;
}

export const DEFAULT_CLIENT_IP: ClientIpSettings = { trustedIps: [], realIpHeader: 'x-real-ip', realIpRecursive: false };

export const PROXY_PROTOCOL = 'proxy_protocol';

/** A proxy listener: host:port, optionally followed by Kong's `proxy_protocol` flag. */
export interface ProxyListenAddress extends ListenAddress {
  /** Every connection must start with a PROXY protocol v1 or v2 header. */
  proxyProtocol?: boolean;
}

/** "0.0.0.0:8000" or, as Kong's proxy_listen has it, "0.0.0.0:8000 proxy_protocol". */
export function parseProxyListen(value: string, flag: string): ProxyListenAddress {
  const [address = '', ...suffixes] = value.trim().split(/\s+/);
  for (const s of suffixes) {
    if (s !== PROXY_PROTOCOL) throw new UsageError(`${flag}: unknown listener option '${s}' (supported: ${PROXY_PROTOCOL})`);
  }
  return { ...parseListenAddress(address, flag), proxyProtocol: suffixes.length > 0 };
}

/** Kong's trusted_ips: comma-separated IPv4/IPv6 addresses and CIDR blocks; "" for none. */
export function parseTrustedIps(value: string, flag: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    if (item === 'unix:') throw new UsageError(`${flag}: 'unix:' is not supported (the proxy listens on TCP only)`);
    const cidr = parseCidr(item);
    if (cidr === undefined) {
      throw new UsageError(`${flag}: expected a comma-separated list of IPv4 or IPv6 addresses or CIDR blocks (e.g. 10.0.0.0/8,::1), got '${item}'`);
    }
    const text = formatCidr(cidr);
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Kong's real_ip_header: a request header name, or "proxy_protocol". Returned lower-case. */
export function parseRealIpHeader(value: string, flag: string): string {
  const v = value.trim();
  if (v.toLowerCase() === PROXY_PROTOCOL) return PROXY_PROTOCOL;
  if (!TOKEN.test(v)) throw new UsageError(`${flag}: expected a header name (e.g. X-Forwarded-For) or proxy_protocol, got '${value}'`);
  return v.toLowerCase();
}

export function parseOnOff(value: string, flag: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`${flag}: expected on or off, got '${value}'`);
}

/**
 * Kong's rule: real_ip_header = proxy_protocol needs a proxy listener with the proxy_protocol flag
 * (otherwise no connection ever carries the address it names).
 */
export function checkProxyProtocolHeader(settings: ClientIpSettings, listeners: readonly ProxyListenAddress[], flag: string): void {
  if (settings.realIpHeader === PROXY_PROTOCOL && !listeners.some((l) => l.proxyProtocol)) {
    throw new UsageError(`${flag}: proxy_protocol needs a proxy listener with the proxy_protocol flag (e.g. --proxy-listen '0.0.0.0:8000 proxy_protocol')`);
  }
}
