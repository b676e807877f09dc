import { z } from 'zod';

/**
 * The parts of the Gateway API standard channel (gateway.networking.k8s.io/v1) Portcullis reads
 * (docs/gateway-api.md). The API server already validates these objects with the upstream CRDs;
 * these loose schemas (unknown fields kept, not checked) give the controller typed values and let
 * `portcullis validate` check manifests offline. Defaults follow the upstream CRDs.
 */

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_VERSION = 'v1';
export const GATEWAY_API_API_VERSION = `${GATEWAY_API_GROUP}/${GATEWAY_API_VERSION}`;
/** The GatewayClass controllerName Portcullis serves. */
export const GATEWAY_CONTROLLER_NAME = 'portcullis.dev/gateway-controller';

const name = z.string().min(1).max(253);
const hostname = z
  .string()
  .max(253)
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a lower-case host name, optionally with a leading "*."');

export const gatewayClassSpecSchema = z.looseObject({ controllerName: z.string().min(1) });

const secretObjectRef = z.looseObject({
  group: z.string().default(''),
  kind: z.string().default('Secret'),
  name,
  namespace: z.string().optional(),
});

const labelSelector = z.looseObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(z.looseObject({ key: z.string(), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() }))
    .optional(),
});
export type LabelSelector = z.output<typeof labelSelector>;

export const listenerSchema = z.looseObject({
  name: z.string().min(1).max(253),
  hostname: hostname.optional(),
  port: z.number().int().min(1).max(65535),
  protocol: z.string().min(1),
  tls: z
    .looseObject({
      mode: z.string().default('Terminate'),
      certificateRefs: z.array(secretObjectRef).default([]),
    })
    .optional(),
  allowedRoutes: z
    .looseObject({
      namespaces: z.looseObject({ from: z.string().default('Same'), selector: labelSelector.optional() }).default({ from: 'Same' }),
      kinds: z.array(z.looseObject({ group: z.string().default(GATEWAY_API_GROUP), kind: z.string() })).optional(),
    })
    .default({ namespaces: { from: 'Same' } }),
});
export type GatewayListener = z.output<typeof listenerSchema>;

export const gatewaySpecSchema = z.looseObject({
  gatewayClassName: name,
  listeners: z.array(listenerSchema).min(1).max(64),
});
export type GatewaySpec = z.output<typeof gatewaySpecSchema>;

export const parentRefSchema = z.looseObject({
  group: z.string().default(GATEWAY_API_GROUP),
  kind: z.string().default('Gateway'),
  namespace: z.string().optional(),
  name,
  sectionName: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
});
export type ParentRef = z.output<typeof parentRefSchema>;

const stringMatch = z.looseObject({
  type: z.string().default('Exact'),
  name: z.string().min(1).max(256),
  value: z.string().max(4096),
});
export type StringMatch = z.output<typeof stringMatch>;

export const httpRouteMatchSchema = z.looseObject({
  path: z.looseObject({ type: z.string().default('PathPrefix'), value: z.string().max(1024).default('/') }).default({ type: 'PathPrefix', value: '/' }),
  headers: z.array(stringMatch).default([]),
  queryParams: z.array(stringMatch).default([]),
  method: z.string().optional(),
});
export type HttpRouteMatch = z.output<typeof httpRouteMatchSchema>;

const headerModifier = z.looseObject({
  set: z.array(z.looseObject({ name: z.string().min(1), value: z.string() })).default([]),
  add: z.array(z.looseObject({ name: z.string().min(1), value: z.string() })).default([]),
  remove: z.array(z.string().min(1)).default([]),
});
export type HeaderModifier = z.output<typeof headerModifier>;

const pathModifier = z.looseObject({
  type: z.string(),
  replaceFullPath: z.string().optional(),
  replacePrefixMatch: z.string().optional(),
});
export type PathModifier = z.output<typeof pathModifier>;

export const httpRouteFilterSchema = z.looseObject({
  type: z.string(),
  requestHeaderModifier: headerModifier.optional(),
  responseHeaderModifier: headerModifier.optional(),
  requestRedirect: z
    .looseObject({
      scheme: z.enum(['http', 'https']).optional(),
      hostname: z.string().optional(),
      path: pathModifier.optional(),
      port: z.number().int().min(1).max(65535).optional(),
      statusCode: z.number().int().default(302),
    })
    .optional(),
  urlRewrite: z.looseObject({ hostname: z.string().optional(), path: pathModifier.optional() }).optional(),
});
export type HttpRouteFilter = z.output<typeof httpRouteFilterSchema>;

export const backendRefSchema = z.looseObject({
  group: z.string().default(''),
  kind: z.string().default('Service'),
  name,
  namespace: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  weight: z.number().int().min(0).max(1_000_000).default(1),
  filters: z.array(httpRouteFilterSchema).default([]),
});
export type BackendRef = z.output<typeof backendRefSchema>;

export const httpRouteRuleSchema = z.looseObject({
  name: z.string().optional(),
  matches: z.array(httpRouteMatchSchema).default([{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }]),
  filters: z.array(httpRouteFilterSchema).default([]),
  backendRefs: z.array(backendRefSchema).default([]),
  timeouts: z.looseObject({ request: z.string().optional(), backendRequest: z.string().optional() }).optional(),
});
export type HttpRouteRule = z.output<typeof httpRouteRuleSchema>;

export const httpRouteSpecSchema = z.looseObject({
  parentRefs: z.array(parentRefSchema).default([]),
  hostnames: z.array(hostname).default([]),
  rules: z.array(httpRouteRuleSchema).default([{ matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }], filters: [], backendRefs: [] }]),
});
export type HttpRouteSpec = z.output<typeof httpRouteSpecSchema>;

export const referenceGrantSpecSchema = z.looseObject({
  from: z.array(z.looseObject({ group: z.string(), kind: z.string(), namespace: z.string() })).min(1),
  to: z.array(z.looseObject({ group: z.string(), kind: z.string(), name: z.string().optional() })).min(1),
});
export type ReferenceGrantSpec = z.output<typeof referenceGrantSpecSchema>;

/** Kinds `portcullis validate` checks, with their spec schema. */
export const GATEWAY_API_SPEC_SCHEMAS = {
  GatewayClass: gatewayClassSpecSchema,
  Gateway: gatewaySpecSchema,
  HTTPRoute: httpRouteSpecSchema,
  ReferenceGrant: referenceGrantSpecSchema,
} as const;
export type GatewayApiKind = keyof typeof GATEWAY_API_SPEC_SCHEMAS;
export function isGatewayApiKind(kind: unknown): kind is GatewayApiKind {
  return typeof kind === 'string' && Object.hasOwn(GATEWAY_API_SPEC_SCHEMAS, kind);
}

/**
 * Gateway API duration ("1h", "500ms", "1m30s"; GEP-2257) in milliseconds; undefined when not valid.
 * "0s" means no timeout (returned as 0).
 */
export function parseGatewayDuration(text: string): number | undefined {
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(text)) return undefined;
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(m[1]) * unit[m[2] as keyof typeof unit];
  return total;
}
