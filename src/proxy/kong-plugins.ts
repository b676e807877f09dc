import type { IncomingMessage } from 'node:http';
import type { GatewayHeaderModifier } from '../model/gateway-routes.js';
import type { CorrelationIdPolicy, IpRefusal, IpRestrictionPolicy } from '../snapshot/types.js';
import { NO_CLIENT_IP_MESSAGE } from '../plugins/ip-restriction/policy.js';

/** What the two plugins read and write of the handler's Exchange (handler.ts). */
export interface PluginExchange {
  readonly req: IncomingMessage;
  requestId: string;
  peer: string | undefined;
  realIp: string | undefined;
  echo: [string, string] | undefined;
  correlation: { id: string; generated: boolean } | undefined;
  header(name: string): string | undefined;
}


/**
 * correlation-id (docs/correlation-id.md): the client's non-empty header is kept (it passes
 * upstream untouched), otherwise an id is generated; returns the id to ADD upstream, if any.
 * With X-Request-ID as the header, the gateway's own request id is that id (one header, one value).
 */
export function correlate(x: PluginExchange, policy: CorrelationIdPolicy): string | undefined {
  let c = x.correlation;
  if (c === undefined) {
    const header = policy.header;
    const sent = x.header(header);
    // X-Request-ID: the client's value is already x.requestId (request-id.ts), replaced when not plain.
    c = header === 'x-request-id' && sent !== undefined && sent !== '' ? { id: x.requestId, generated: false } : policy.resolve(sent, x.req.socket);
    x.correlation = c;
  }
  if (policy.echo) x.echo = [policy.header, c.id];
  if (policy.header === 'x-request-id') {
    // forward-headers.ts sends x-request-id itself, from x.requestId.
    if (c.generated) x.requestId = c.id;
    return undefined;
  }
  return c.generated ? c.id : undefined;
}

/**
 * ip-restriction (docs/ip-restriction.md) on the real client address (trusted proxies,
 * docs/client-ip.md): Kong's refusal (sent as kong.response.error does, {"message": ...}), or undefined.
 */
export function ipRefusal(x: Pick<PluginExchange, 'peer' | 'realIp'>, policy: IpRestrictionPolicy): IpRefusal | undefined {
  const ip = x.realIp ?? x.peer;
  return ip === undefined ? { status: 403, message: NO_CLIENT_IP_MESSAGE } : policy.check(ip);
}

/**
 * The generated id on the upstream request, replacing what the client sent under that name (an
 * empty value), as Kong's kong.service.request.set_header does. `name` is lower-cased.
 */
export function setUpstreamHeader(headers: string[], name: string, value: string): void {
  let w = 0;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const n = headers[i]!;
    if (n.length === name.length && n.toLowerCase() === name) continue;
    headers[w++] = n;
    headers[w++] = headers[i + 1]!;
  }
  headers.length = w;
  headers.push(name, value);
}

/** echo_downstream on a proxied response: the id replaces an upstream header of the same name (Kong's set_header). */
export function echoCorrelationId(mod: GatewayHeaderModifier | undefined, echo: [string, string]): GatewayHeaderModifier {
  return withSetHeaders(mod, [echo]);
}

/** `headers` set on the response after `mod`: they replace mod's sets of the same name (Kong's set_header). */
export function withSetHeaders(mod: GatewayHeaderModifier | undefined, headers: ReadonlyArray<readonly [string, string]>): GatewayHeaderModifier {
  const set = headers as Array<[string, string]>;
  if (mod === undefined) return { set, add: [], remove: [] };
  const names = new Set(headers.map(([n]) => n));
  return { set: [...mod.set.filter(([n]) => !names.has(n)), ...set], add: mod.add, remove: mod.remove };
}
