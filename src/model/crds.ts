import { z } from 'zod';
import { JWT_ALGORITHMS } from './algorithms.js';
import { jwtPluginConfigSchema } from './jwt-config.js';

/**
 * zod schemas of the portcullis.dev/v1alpha1 custom resources (generated into crds/; usage in docs/install.md).
 * They are the single source of truth: the kube source validates with them and
 * scripts/gen-crds.mjs turns them into the CRD OpenAPI schemas under crds/.
 * Cross-field rules are written twice on purpose: as zod refinements (offline and in the
 * controller) and as CEL rules in src/model/crd-definitions.ts (enforced by the API server).
 */

export const CRD_GROUP = 'portcullis.dev';
export const CRD_VERSION = 'v1alpha1';
export const CRD_API_VERSION = `${CRD_GROUP}/${CRD_VERSION}`;

const nonEmpty = z.string().min(1, 'must not be empty');
/** DNS-1123 subdomain, what metadata.name of a Secret/KongConsumer must be. */
const objectName = z
  .string()
  .min(1, 'must not be empty')
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 subdomain (lower-case alphanumerics, "-", ".")');
/** Kubernetes Service names are DNS-1035 labels. */
const serviceName = z
  .string()
  .min(1, 'must not be empty')
  .max(63)
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1035 label (lower-case alphanumerics and "-", starting with a letter)');
/** Keys of Secret.data. */
const secretDataKey = z
  .string()
  .min(1, 'must not be empty')
  .max(253)
  .regex(/^[-._a-zA-Z0-9]+$/, 'must consist of alphanumerics, "-", "_" or "."');

export const localObjectRefSchema = z.strictObject({ name: objectName });
export const secretKeyRefSchema = z.strictObject({ name: objectName, key: secretDataKey });

// ---------------------------------------------------------------- KongConsumer

export const kongConsumerSpecSchema = z
  .strictObject({
    username: nonEmpty.optional(),
    customId: nonEmpty.optional(),
  })
  .refine((s) => s.username !== undefined || s.customId !== undefined, {
    message: 'username or customId is required',
    path: ['username'],
  });
export type KongConsumerSpec = z.output<typeof kongConsumerSpecSchema>;

// ---------------------------------------------------------------- JwtCredential

export const jwtCredentialSpecSchema = z
  .strictObject({
    consumerRef: localObjectRefSchema,
    key: nonEmpty,
    algorithm: z.enum(JWT_ALGORITHMS).default('HS256'),
    secretRef: secretKeyRefSchema.optional(),
    publicKeyRef: secretKeyRefSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const hmac = s.algorithm.startsWith('HS');
    if (hmac && s.secretRef === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secretRef'], message: `is required for algorithm ${s.algorithm}` });
    }
    if (hmac && s.publicKeyRef !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['publicKeyRef'], message: `is not allowed for algorithm ${s.algorithm} (use secretRef)` });
    }
    if (!hmac && s.publicKeyRef === undefined) {
      ctx.addIssue({ code: 'custom', path: ['publicKeyRef'], message: `is required for algorithm ${s.algorithm}` });
    }
    if (!hmac && s.secretRef !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['secretRef'], message: `is not allowed for algorithm ${s.algorithm} (use publicKeyRef)` });
    }
  });
export type JwtCredentialSpec = z.output<typeof jwtCredentialSpecSchema>;

// ---------------------------------------------------------------- Route

const servicePort = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a port number or an IANA port name').max(15),
]);

export const serviceBackendSchema = z.strictObject({
  name: serviceName,
  port: servicePort,
});

export const routeBackendSchema = z
  .strictObject({
    service: serviceBackendSchema.optional(),
    url: z
      .string()
      .regex(/^https?:\/\/[^/?#\s]+[^?#\s]*$/, 'must be an http:// or https:// URL without query or fragment')
      .optional(),
  })
  .refine((b) => (b.service === undefined) !== (b.url === undefined), {
    message: 'exactly one of service or url is required',
  });

export const routeSpecSchema = z
  .strictObject({
    hosts: z
      .array(z.string().regex(/^(\*\.)?[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(\.\*)?(:[0-9]+)?$/, 'must be a host name, optionally with a leading "*." or trailing ".*" wildcard'))
      .optional(),
    paths: z
      .array(z.string().regex(/^(\/|~)/, 'must start with "/" (prefix) or "~" (regex)'))
      .optional(),
    methods: z.array(z.string().regex(/^[A-Z]+$/, 'must be an upper-case HTTP method')).optional(),
    stripPath: z.boolean().default(true),
    preserveHost: z.boolean().default(false),
    backend: routeBackendSchema,
    plugins: z
      .strictObject({
        jwt: jwtPluginConfigSchema.optional(),
      })
      .optional(),
  })
  .refine((r) => (r.hosts?.length ?? 0) + (r.paths?.length ?? 0) + (r.methods?.length ?? 0) > 0, {
    message: 'at least one of hosts, paths or methods is required',
    path: ['paths'],
  });
export type RouteCrdSpec = z.output<typeof routeSpecSchema>;

// ---------------------------------------------------------------- status (shared by all kinds)

export const conditionSchema = z.strictObject({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().max(1024).optional(),
  message: z.string().max(32768).optional(),
  observedGeneration: z.number().int().min(0).optional(),
  lastTransitionTime: z.iso.datetime({ offset: true }).optional(),
});

export const crdStatusSchema = z.strictObject({
  observedGeneration: z.number().int().min(0).optional(),
  conditions: z.array(conditionSchema).optional(),
});
export type CrdStatus = z.output<typeof crdStatusSchema>;
export type Condition = z.output<typeof conditionSchema>;

/** The three kinds, keyed by kind, with the spec schema each validates with. */
export const CRD_SPEC_SCHEMAS = {
  KongConsumer: kongConsumerSpecSchema,
  JwtCredential: jwtCredentialSpecSchema,
  Route: routeSpecSchema,
} as const;
export type CrdKind = keyof typeof CRD_SPEC_SCHEMAS;
export const CRD_KINDS = Object.keys(CRD_SPEC_SCHEMAS) as CrdKind[];

export function isCrdKind(kind: unknown): kind is CrdKind {
  return typeof kind === 'string' && Object.hasOwn(CRD_SPEC_SCHEMAS, kind);
}
