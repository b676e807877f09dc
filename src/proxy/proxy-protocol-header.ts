import { formatIp, parseIp } from '../model/ip-address.js';

/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a load balancer
 * writes before the client's bytes. Parsed incrementally: `parseProxyHeader` is called with what
 * arrived so far and says whether more is needed. Written here rather than taken from npm: the
 * packages there parse a complete header only, and the framing (when is it complete, when is it
 * already wrong) is most of the work. Fuzzed in test/unit/proxy/proxy-protocol-header.test.ts.
 */

export type ProxyHeader =
  | {
      version: 1 | 2;
      command: 'proxy';
      family: 4 | 6;
      sourceAddress: string;
      sourcePort: number;
      destinationAddress: string;
      destinationPort: number;
    }
  /**
   * `local` (v2 LOCAL: a health check from the balancer itself) and `unknown` (v1 UNKNOWN, v2
   * UNSPEC/UNIX families or non-stream transports): the connection's own addresses stand.
   */
  | { version: 1 | 2; command: 'local' | 'unknown' };

export type ParseOutcome =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; header: ProxyHeader; length: number };

/** v1: "PROXY " … "\r\n", 107 bytes at most (the spec's worst case, TCP6 with full addresses). */
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
export const V1_MAX_LENGTH = 107;
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;

const INCOMPLETE: ParseOutcome = { kind: 'incomplete' };
/** The reason when the bytes do not start like either version's header (proxy-protocol.ts counts it apart). */
export const NOT_PROXY = 'no PROXY protocol header';
const invalid = (reason: string): ParseOutcome => ({ kind: 'invalid', reason });

/** buf starts with the first min(buf.length, prefix.length) bytes of prefix. */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.compare(prefix, 0, n, 0, n) === 0;
}

export function parseProxyHeader(buf: Buffer): ParseOutcome {
  if (buf.length === 0) return INCOMPLETE;
  if (buf[0] === V1_PREFIX[0]) return parseV1(buf);
  if (buf[0] === V2_SIGNATURE[0]) return parseV2(buf);
  return invalid(NOT_PROXY);
}

const PORT = /^(0|[1-9]\d{0,4})$/;

function parseV1(buf: Buffer): ParseOutcome {
  if (!startsLike(buf, V1_PREFIX)) return invalid(NOT_PROXY);
  const limit = Math.min(buf.length, V1_MAX_LENGTH);
  let lf = -1;
  for (let i = V1_PREFIX.length; i < limit; i++) {
    if (buf[i] === 0x0a) {
      lf = i;
      break;
    }
  }
  if (lf === -1) return buf.length >= V1_MAX_LENGTH ? invalid('v1 header longer than 107 bytes') : INCOMPLETE;
  if (buf[lf - 1] !== 0x0d) return invalid('v1 header not ended by CRLF');
  const line = buf.toString('latin1', V1_PREFIX.length, lf - 1);
  const parts = line.split(' ');
  const length = lf + 1;
  if (parts[0] === 'UNKNOWN') return { kind: 'ok', header: { version: 1, command: 'unknown' }, length };
  if (parts[0] !== 'TCP4' && parts[0] !== 'TCP6') return invalid('v1 protocol is not TCP4, TCP6 or UNKNOWN');
  if (parts.length !== 5) return invalid('v1 header is not "PROXY TCPn src dst sport dport"');
  const family = parts[0] === 'TCP4' ? 4 : 6;
  const w = new Uint32Array(4);
  if (parseIp(parts[1]!, w) !== family) return invalid('v1 source address invalid');
  const sourceAddress = formatIp(family, w);
  if (parseIp(parts[2]!, w) !== family) return invalid('v1 destination address invalid');
  const destinationAddress = formatIp(family, w);
  if (!PORT.test(parts[3]!) || !PORT.test(parts[4]!)) return invalid('v1 port invalid');
  const sourcePort = Number(parts[3]);
  const destinationPort = Number(parts[4]);
  if (sourcePort > 65535 || destinationPort > 65535) return invalid('v1 port invalid');
  return { kind: 'ok', header: { version: 1, command: 'proxy', family, sourceAddress, sourcePort, destinationAddress, destinationPort }, length };
}

function parseV2(buf: Buffer): ParseOutcome {
  if (!startsLike(buf, V2_SIGNATURE)) return invalid(NOT_PROXY);
  if (buf.length < V2_FIXED) return INCOMPLETE;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) return invalid('v2 version is not 2');
  const command = verCmd & 0x0f;
  if (command > 1) return invalid('v2 command is not LOCAL or PROXY');
  const famTransport = buf[13]!;
  const family = famTransport >> 4;
  const transport = famTransport & 0x0f;
  if (family > 3 || transport > 2) return invalid('v2 address family or transport invalid');
  const length = V2_FIXED + buf.readUInt16BE(14);
  const addrLength = family === 1 ? 12 : family === 2 ? 36 : family === 3 ? 216 : 0;
  if (length - V2_FIXED < addrLength) return invalid('v2 length shorter than its addresses');
  if (buf.length < length) return INCOMPLETE;
  // LOCAL: the balancer's own connection (health checks); the addresses, if any, are ignored.
  if (command === 0) return { kind: 'ok', header: { version: 2, command: 'local' }, length };
  if ((family !== 1 && family !== 2) || transport !== 1) return { kind: 'ok', header: { version: 2, command: 'unknown' }, length };
  const w = new Uint32Array(4);
  let sourceAddress: string;
  let destinationAddress: string;
  let ports: number;
  if (family === 1) {
    w[3] = buf.readUInt32BE(16);
    sourceAddress = formatIp(4, w);
    w[3] = buf.readUInt32BE(20);
    destinationAddress = formatIp(4, w);
    ports = 24;
  } else {
    for (let i = 0; i < 4; i++) w[i] = buf.readUInt32BE(16 + 4 * i);
    sourceAddress = formatIp(6, w);
    for (let i = 0; i < 4; i++) w[i] = buf.readUInt32BE(32 + 4 * i);
    destinationAddress = formatIp(6, w);
    ports = 48;
  }
  // TLVs after the addresses (AWS VPC endpoint ids, SSL info, …) are skipped: nothing here uses them.
  return {
    kind: 'ok',
    header: {
      version: 2, command: 'proxy', family: family === 1 ? 4 : 6,
      sourceAddress, sourcePort: buf.readUInt16BE(ports), destinationAddress, destinationPort: buf.readUInt16BE(ports + 2),
    },
    length,
  };
}
