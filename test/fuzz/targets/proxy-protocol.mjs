/**
 * Fuzz target: the PROXY protocol header parser (incremental framing, v1 text and v2 binary) and
 * the realip walk over the bytes as a header value. Input: the bytes a connection starts with.
 * Oracles: never a throw; a parsed header is no longer than the input (v1: at most 107 bytes) and
 * parses the same from every longer prefix of the input; every prefix shorter than a parsed
 * header is incomplete; an address read is canonical (re-parsing it gives itself); the walk
 * returns the peer or a canonical address.
 */
import { canonicalIp } from '../../../dist/model/ip-address.js';
import { ClientIpResolver } from '../../../dist/proxy/client-ip.js';
import { parseProxyHeader } from '../../../dist/proxy/proxy-protocol-header.js';

const walker = new ClientIpResolver({ trustedIps: ['10.0.0.0/8', '2001:db8::/32', '127.0.0.1/32'], realIpHeader: 'x-forwarded-for', realIpRecursive: true });

export function fuzz(data) {
  const r = parseProxyHeader(data);
  if (r.kind === 'ok') {
    if (r.length > data.length) throw new Error('header longer than the input');
    if (data[0] === 0x50 && r.length > 107) throw new Error('v1 header over 107 bytes');
    for (let cut = 0; cut < r.length; cut++) {
      if (parseProxyHeader(data.subarray(0, cut)).kind === 'ok') throw new Error(`a ${cut}-byte prefix parsed before the header's ${r.length} bytes`);
    }
    const again = parseProxyHeader(data.subarray(0, r.length));
    if (again.kind !== 'ok' || JSON.stringify(again.header) !== JSON.stringify(r.header)) throw new Error('the exact header parses differently');
    if (r.header.command === 'proxy') {
      for (const a of [r.header.sourceAddress, r.header.destinationAddress]) if (canonicalIp(a) !== a) throw new Error(`address not canonical: ${a}`);
    }
  }
  const value = data.toString('latin1');
  const ip = walker.walk(value, '10.0.0.1');
  if (ip !== '10.0.0.1' && canonicalIp(ip) !== ip) throw new Error(`walk returned a non-canonical address: ${ip}`);
}

export const dictionary = ['PROXY ', 'TCP4 ', 'TCP6 ', 'UNKNOWN', '\r\n', ' ', ',', ':', '.', '::', '[', ']', '127.0.0.1', '10.1.2.3', '2001:db8::1', '::ffff:', '65535',
  '\r\n\r\n\u0000\r\nQUIT\n', '\u0021\u0011\u0000\u000c', '\u0021\u0021\u0000\u0024', '\u0020\u0000\u0000\u0000'];
export const maxLength = 256;
