import { isIP } from 'node:net';
import { UsageError } from './usage-error.js';

/**
 * Which Host header values the admin and status listeners answer (DNS rebinding protection).
 *
 * A page on an attacker's name can re-point that name at 127.0.0.1 (or a pod IP) and then read
 * the admin API from the victim's browser: same origin for the browser, but the request still
 * carries the attacker's name in Host. Refusing Host names we do not know closes that; IP
 * literals cannot be rebound, so accepting some of them is safe. The port is not compared
 * (`kubectl port-forward` and NAT change it; rebinding is about the name).
 */
export interface HostAllowlistOptions {
  /** The listener's bound address ("127.0.0.1", "0.0.0.0", "::"). */
  listenHost: string;
  /** Extra DNS names (e.g. the in-cluster Service name), lower-case, no port. */
  names: readonly string[];
  /** Accept every IP literal (the status listener: kubelet probes and scrapers use the pod IP). */
  anyIpLiteral: boolean;
  /** The machine's interface addresses (asked again on a miss: they can change). */
  localAddresses: () => Iterable<string>;
}

export type HostCheck = (hostHeader: string | undefined) => boolean;

/** The host part of a Host header, lower-case, without port, brackets or a trailing dot. */
export function hostOfHeader(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : canonicalIp(h.slice(1, end));
  }
  const colon = h.indexOf(':');
  const name = colon === -1 ? h : h.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** IPv6 in its compressed form ("0:0::1" → "::1"), so a spelling difference is no bypass. */
function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

function isLoopback(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith('127.');
  return ip === '::1' || ip.startsWith('::ffff:127.') || ip.startsWith('::ffff:7f');
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export function createHostAllowlist(opts: HostAllowlistOptions): HostCheck {
  const names = new Set(['localhost', ...opts.names.map((n) => n.toLowerCase())]);
  const listen = canonicalIp(opts.listenHost.toLowerCase());
  const wildcard = WILDCARDS.has(listen);
  let known = new Set<string>();
  const isLocalAddress = (ip: string): boolean => {
    if (known.has(ip)) return true;
    known = new Set([...opts.localAddresses()].map((a) => canonicalIp(a.toLowerCase())));
    return known.has(ip);
  };
  return (header) => {
    // No Host at all: only HTTP/1.0 clients (node refuses HTTP/1.1 without Host with 400), and
    // a browser always sends one, so no rebinding attack can produce this.
    if (header === undefined || header === '') return true;
    const host = hostOfHeader(header);
    if (names.has(host)) return true;
    if (isIP(host) === 0) return false;
    if (opts.anyIpLiteral || isLoopback(host) || host === listen) return true;
    return wildcard && isLocalAddress(host);
  };
}

/** "a.example, b.svc" → validated lower-case names; throws on an entry that is no host name. */
export function parseAllowedHosts(value: string, flag: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
    const labels = name.replace(/\.$/, '').split('.');
    if (isIP(bare) === 0 && !labels.every((l) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l))) {
      throw new UsageError(`${flag}: '${raw.trim()}' is not a host name or IP address (give names without port or scheme)`);
    }
    out.push(isIP(bare) === 6 ? canonicalIp(bare) : name.replace(/\.$/, ''));
  }
  return out;
}

/** Loopback names and addresses only: the default for a listener built without a policy. */
export const loopbackOnly: HostCheck = createHostAllowlist({ listenHost: '127.0.0.1', names: [], anyIpLiteral: false, localAddresses: () => [] });

/**
 * Body of the 421 Misdirected Request answer (this listener does not serve that authority). It is
 * sent before routing, so a refused Host learns nothing about the paths behind it.
 */
export function misdirectedBody(host: string): { message: string } {
  return {
    message: `misdirected request: Host '${host}' does not name this listener; it answers localhost, its IP addresses and the names given with --admin-allowed-hosts`,
  };
}
