import type { CorsConfig } from '../../model/cors-config.js';
import type { GatewayHeaderModifier } from '../../model/gateway-routes.js';
import type { CorsPolicy } from '../../snapshot/types.js';
import { compileOriginEntry, matchesOrigin, normalizeOrigin, PLAIN_ORIGIN } from './origins.js';

const ACAO = 'access-control-allow-origin';
const ACAC = 'access-control-allow-credentials';
/** Response modifiers cached per Origin value (Kong keeps 10,000 parsed origins per worker). */
const CACHE_SIZE = 1000;

/** What Kong's configure_origin + configure_credentials decide for one Origin (undefined: none sent). */
interface OriginDecision {
  /** The Access-Control-Allow-Origin value; null: the header is removed. */
  allowOrigin: string | null;
  vary: boolean;
  credentials: boolean;
}

/**
 * Compiles one cors instance (Kong's kong/plugins/cors/handler.lua, docs/cors.md): the origin
 * entries once, the header values once, and each response's modifier once per Origin value.
 */
export function compileCors(pluginId: string, config: CorsConfig): CorsPolicy {
  const origins = config.origins ?? [];
  const allowAllAlways = origins.length === 0 || (origins.length === 1 && origins[0] === '*');
  // One entry Kong does not read as a regex: sent as is, whatever the request's Origin.
  const fixed = origins.length === 1 && PLAIN_ORIGIN.test(origins[0]!) ? origins[0]! : undefined;
  const anyEntry = origins.includes('*');
  const entries = allowAllAlways || fixed !== undefined || anyEntry ? [] : origins.map(compileOriginEntry);
  const exposed = config.exposedHeaders !== undefined && config.exposedHeaders.length > 0 ? config.exposedHeaders.join(',') : undefined;
  const allowHeaders = config.headers !== undefined && config.headers.length > 0 ? config.headers.join(',') : undefined;
  const methods = config.methods.join(',');
  const maxAge = config.maxAge === undefined ? undefined : String(config.maxAge);

  const decide = (origin: string | undefined): OriginDecision => {
    const provided = origin !== undefined && origin !== '';
    let allowOrigin: string | null;
    let allowAll = false;
    let vary = true;
    if (allowAllAlways) {
      allowOrigin = '*';
      allowAll = true;
      vary = false;
    } else if (fixed !== undefined) allowOrigin = fixed;
    else if (provided && anyEntry) {
      allowOrigin = '*';
      allowAll = true;
    } else if (provided) {
      const n = normalizeOrigin(origin);
      allowOrigin = matchesOrigin(entries, n) ? n.domain : null;
    } else allowOrigin = null;
    let credentials = false;
    if (config.credentials) {
      if (!allowAll) credentials = true;
      else if (provided) {
        // "*" cannot go with credentials: the request's Origin is echoed instead.
        vary = true;
        allowOrigin = origin;
        credentials = true;
      }
    }
    return { allowOrigin, vary, credentials };
  };

  const modifier = (origin: string | undefined): GatewayHeaderModifier => {
    const d = decide(origin);
    const set: Array<[string, string]> = [];
    if (d.allowOrigin !== null) set.push([ACAO, d.allowOrigin]);
    if (d.credentials) set.push([ACAC, 'true']);
    if (exposed !== undefined) set.push(['access-control-expose-headers', exposed]);
    const add: Array<[string, string]> = d.vary ? [['vary', 'Origin']] : [];
    return Object.freeze({ set, add, remove: d.allowOrigin === null ? [ACAO] : [] });
  };
  const withoutOrigin = config.allowOriginAbsent ? modifier(undefined) : undefined;
  const cache = new Map<string, GatewayHeaderModifier>();

  return {
    pluginId,
    config,
    preflight(origin, requestHeaders, privateNetwork) {
      const d = decide(origin);
      const out: Array<[string, string]> = [];
      if (d.vary) out.push(['vary', 'Origin']);
      if (d.allowOrigin !== null) out.push([ACAO, d.allowOrigin]);
      if (d.credentials) out.push([ACAC, 'true']);
      const h = allowHeaders ?? requestHeaders;
      if (h !== undefined) out.push(['access-control-allow-headers', h]);
      out.push(['access-control-allow-methods', methods]);
      if (maxAge !== undefined) out.push(['access-control-max-age', maxAge]);
      if (config.privateNetwork && privateNetwork === 'true') out.push(['access-control-allow-private-network', 'true']);
      return out;
    },
    responseHeaders(origin) {
      if (origin === undefined || origin === '') return withoutOrigin;
      let m = cache.get(origin);
      if (m === undefined) {
        if (cache.size >= CACHE_SIZE) cache.clear();
        cache.set(origin, (m = modifier(origin)));
      }
      return m;
    },
  };
}
