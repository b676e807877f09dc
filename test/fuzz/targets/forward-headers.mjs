/**
 * Fuzz target: upstream header building (hop-by-hop removal, X-Forwarded-*, identity-header
 * stripping) from a client's raw header list. Input: lines "name:value" (the first byte picks the
 * context: trusted forwarders, preserve_host, HTTP version).
 * Oracles: never a throw; an even-length list; no client identity header survives in any case;
 * exactly one Host and one X-Forwarded-For, ending with the client address; no header the client
 * named in Connection survives unless the gateway set it itself.
 */
import { buildUpstreamHeaders, SPOOFABLE_IDENTITY_HEADERS } from '../../../dist/proxy/forward-headers.js';

const GATEWAY_SET = new Set(['host', 'te', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-path', 'x-forwarded-prefix', 'x-real-ip', 'via']);
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'proxy', 'trailer', 'expect'];

export function fuzz(data) {
  if (data.length === 0) return;
  const flags = data[0];
  const raw = [];
  for (const line of data.subarray(1).toString('latin1').split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    raw.push(line.slice(0, colon), line.slice(colon + 1));
  }
  const ctx = {
    clientIp: '127.0.0.1', proto: 'http', host: 'gw.test', port: 8000, rawPath: '/a', strippedPrefix: flags & 4 ? '/api' : '',
    preserveHost: (flags & 1) !== 0, upstreamHostHeader: 'upstream.local', httpVersion: flags & 8 ? '2' : '1.1', trustForwarded: (flags & 2) !== 0,
  };
  const out = buildUpstreamHeaders(raw, ctx);
  if (out.length % 2 !== 0) throw new Error('odd header list');
  const names = out.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  for (const n of names) {
    if (SPOOFABLE_IDENTITY_HEADERS.includes(n)) throw new Error(`identity header forwarded: ${n}`);
    if (HOP_BY_HOP.includes(n)) throw new Error(`hop-by-hop header forwarded: ${n}`);
  }
  if (names.filter((n) => n === 'host').length !== 1) throw new Error('not exactly one Host');
  const xff = names.indexOf('x-forwarded-for');
  if (xff === -1 || names.lastIndexOf('x-forwarded-for') !== xff) throw new Error('not exactly one X-Forwarded-For');
  if (!out[xff * 2 + 1].endsWith(ctx.clientIp)) throw new Error('X-Forwarded-For does not end with the client address');
  const connectionValues = raw.filter((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === 'connection');
  const listed = connectionValues.flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
  for (const t of listed) if (!GATEWAY_SET.has(t) && names.includes(t)) throw new Error(`header named in Connection forwarded: ${t}`);
}

export const dictionary = ['Connection:', 'connection: x-a, keep-alive', 'X-Consumer-ID:', 'x-consumer-username:', 'X-Credential-Identifier:', 'x-anonymous-consumer:', 'Host:', 'X-Forwarded-For:', 'x-forwarded-prefix:', 'TE:trailers', 'Via:', 'Transfer-Encoding:chunked', 'Upgrade:', 'Proxy:', 'Expect:', 'x-real-ip:', 'x-request-id:', 'X-A:', '\n', ',', ' '];
export const maxLength = 1024;
