import type { ServerResponse } from 'node:http';
import type { GatewayHeaderModifier } from '../model/gateway-routes.js';
import type { CorsPolicy } from '../snapshot/types.js';
import { SERVER_HEADER } from './error-response.js';

/** What cors reads of the handler's Exchange (handler.ts). */
export interface CorsExchange {
  readonly method: string;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly echo: [string, string] | undefined;
  /** Set here: the response headers Kong's header_filter adds (docs/cors.md#responses). */
  corsHeaders: GatewayHeaderModifier | undefined;
  header(name: string): string | undefined;
}

/**
 * Kong's cors access phase (docs/cors.md#preflight): an OPTIONS with a non-empty Origin and an
 * Access-Control-Request-Method is a preflight, answered here with 200 and no body (true), unless
 * preflight_continue sends it on, then without any CORS header. Any other request gets the
 * response headers in x.corsHeaders. Runs before jwt, so preflights need no token.
 */
export function corsAccess(x: CorsExchange, policy: CorsPolicy): boolean {
  const origin = x.header('origin');
  if (x.method !== 'OPTIONS' || origin === undefined || origin === '' || x.header('access-control-request-method') === undefined) {
    x.corsHeaders = policy.responseHeaders(origin);
    return false;
  }
  if (policy.config.preflightContinue) return false;
  const headers = policy.preflight(origin, x.header('access-control-request-headers'), x.header('access-control-request-private-network'));
  const res = x.res;
  for (const [name, value] of headers) res.setHeader(name, value);
  // correlation-id's echo_downstream: its header_filter runs on this answer too.
  if (x.echo !== undefined) res.setHeader(x.echo[0], x.echo[1]);
  res.setHeader('x-request-id', x.requestId);
  res.setHeader('server', SERVER_HEADER);
  res.setHeader('content-length', 0);
  res.writeHead(200);
  res.end();
  return true;
}

/** The CORS headers on the gateway's own answer (a refusal, an upstream error), as `extra` headers. */
export function corsAnswerHeaders(mod: GatewayHeaderModifier, extra: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = { ...extra };
  for (const [name, value] of mod.set) out[name] = value;
  for (const [name, value] of mod.add) out[name] = value;
  return out;
}

/** The CORS modifier after another one (correlation-id's echo): one modifier for the relay. */
export function withCors(mod: GatewayHeaderModifier | undefined, cors: GatewayHeaderModifier): GatewayHeaderModifier {
  if (mod === undefined) return cors;
  return { set: [...mod.set, ...cors.set], add: [...mod.add, ...cors.add], remove: [...mod.remove, ...cors.remove] };
}
