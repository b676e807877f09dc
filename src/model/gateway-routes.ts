import type { ObjectRef } from './diagnostics.js';
import type { JwtPluginConfig } from './jwt-config.js';
import type { BackendSpec, ResourceSet, ServiceInfo } from './resources.js';

/** A ResourceSet with HTTPRoute rules (controller mode with --gateway-api; docs/gateway-api.md). */
export interface GatewayResourceSet extends ResourceSet {
  gatewayRules?: GatewayRuleSpec[];
  /** Pod ports of the per-Gateway data planes (docs/gateway-api.md#one-address-per-gateway): every replica listens on them. */
  gatewayListenerPorts?: number[];
}

/**
 * One HTTPRoute match, bound to one side of the gateway (plaintext or TLS listener), as the kube
 * source hands it to the translator (docs/gateway-api.md). Gateway API precedence differs from
 * Kong's, so these are not RouteSpecs: the translator compiles them into their own router
 * (snapshot/gateway-router.ts), consulted before the Route CRs' one.
 */
export interface GatewayRuleSpec {
  /** The HTTPRoute. */
  ref: ObjectRef;
  /** The HTTPRoute's namespace. */
  scope: string;
  /** The HTTPRoute's creationTimestamp (ISO 8601): the older route wins a precedence tie. */
  createdAt?: string;
  /** Position in the HTTPRoute: rule, then match (first wins a remaining tie). */
  ruleIndex: number;
  matchIndex: number;
  /** Effective hostnames (route ∩ listener), lower-case, exact or "*.suffix"; [] = any host. */
  hostnames: string[];
  /** true: the TLS listener (HTTPS Gateway listener on 443); false: the plaintext one (HTTP on 80). */
  tls: boolean;
  /** Per-Gateway data plane: only requests arriving on this pod port match (docs/gateway-api.md#one-address-per-gateway); undefined = the shared listener. */
  listenerPort?: number;
  /** With listenerPort: the hostname of the listener the rule came from ('' = none); a request is matched against the most specific listener of its port only. */
  listenerHostname?: string;
  path: { type: 'Exact' | 'PathPrefix' | 'RegularExpression'; value: string };
  /** Upper-case; undefined = any method. */
  method?: string;
  /** Names lower-cased for headers; query parameter names are case-sensitive. */
  headers: Array<{ name: string; type: 'Exact' | 'RegularExpression'; value: string }>;
  queryParams: Array<{ name: string; type: 'Exact' | 'RegularExpression'; value: string }>;
  /** Weighted backends; weight 0 never chosen. Empty, or all invalid: 500 as the spec says. */
  backends: GatewayBackendSpec[];
  filters: GatewayFilters;
  /** timeouts.request in ms (0 = none); undefined = the defaults. */
  requestTimeoutMs?: number;
  /** The jwt configuration a JwtPolicy attaches (docs/gateway-api.md#jwt); undefined = public. */
  jwt?: { id: string; config: JwtPluginConfig; scope: string };
  /** Set when the policy attached could not be applied: the rule fails closed (500). */
  pluginError?: string;
}

export interface GatewayBackendSpec {
  weight: number;
  /** A service backend (endpoints resolved) and its service entry; undefined = an invalid reference: requests choosing it get 500. */
  backend?: BackendSpec;
  service?: ServiceInfo;
  /** Namespace of the Service (the upstream's identity). */
  namespace: string;
}

export interface GatewayHeaderModifier {
  /** Lower-cased names. */
  set: Array<[string, string]>;
  add: Array<[string, string]>;
  remove: string[];
}

export interface GatewayFilters {
  requestHeaders?: GatewayHeaderModifier;
  responseHeaders?: GatewayHeaderModifier;
  redirect?: {
    scheme?: 'http' | 'https';
    hostname?: string;
    port?: number;
    statusCode: number;
    path?: { type: 'ReplaceFullPath' | 'ReplacePrefixMatch'; value: string };
    /** The Gateway listener's port: the redirect's port when neither port nor scheme is set. */
    listenerPort?: number;
  };
  rewrite?: {
    hostname?: string;
    path?: { type: 'ReplaceFullPath' | 'ReplacePrefixMatch'; value: string };
  };
}
