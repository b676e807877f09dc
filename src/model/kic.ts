import { z } from 'zod';

/**
 * Kong Ingress Controller's own resources (configuration.konghq.com), read with --kic-resources
 * (docs/kong-ingress-controller.md). Not our CRDs: these schemas accept the fields KIC documents
 * and check the ones Portcullis reads; unknown fields are ignored, as KIC's CRDs are not ours to
 * change. KIC writes its fields at the top level of the object (no `spec`), with Kong's snake_case.
 */
export const KIC_GROUP = 'configuration.konghq.com';
export const KIC_API_VERSION = `${KIC_GROUP}/v1`;
/** KongConsumerGroup is v1beta1 in KIC. */
export const KIC_CONSUMER_GROUP_API_VERSION = `${KIC_GROUP}/v1beta1`;

/** The kinds and their plurals; KongConsumer clashes with ours (portcullis.dev): docs/kong-ingress-controller.md#the-name-clash. */
export const KIC_PLURALS = {
  KongConsumer: 'kongconsumers',
  KongConsumerGroup: 'kongconsumergroups',
  KongPlugin: 'kongplugins',
  KongClusterPlugin: 'kongclusterplugins',
} as const;
export type KicKind = keyof typeof KIC_PLURALS;

/**
 * The kind diagnostics name a KIC KongConsumer by: qualified, so it is never mistaken for (or
 * its status written to) a portcullis.dev KongConsumer of the same name.
 */
export const KIC_CONSUMER_KIND = 'KongConsumer.configuration.konghq.com';

/** Comma-separated KongPlugin / KongClusterPlugin names on Ingress, Service, HTTPRoute, KongConsumer. */
export const KIC_PLUGINS_ANNOTATION = 'konghq.com/plugins';
/** The class annotation KongConsumer, KongConsumerGroup and KongClusterPlugin carry (KIC requires it). */
export const KIC_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** KIC's default class name (its --ingress-class). */
export const KIC_DEFAULT_CLASS = 'kong';
/** Label of a KongClusterPlugin that applies to every route. */
export const KIC_GLOBAL_LABEL = 'global';
/** Label of a credential Secret: its value is the credential type (jwt, acl, ...). */
export const KIC_CREDENTIAL_LABEL = 'konghq.com/credential';

export function isKicKind(apiVersion: unknown, kind: unknown): kind is KicKind {
  if (typeof kind !== 'string' || !Object.hasOwn(KIC_PLURALS, kind)) return false;
  return apiVersion === (kind === 'KongConsumerGroup' ? KIC_CONSUMER_GROUP_API_VERSION : KIC_API_VERSION);
}

const nonEmpty = z.string().min(1, 'must not be empty');
const name = z.string().min(1, 'must not be empty').max(253);

export const kicConsumerSchema = z.object({
  username: nonEmpty.optional(),
  custom_id: nonEmpty.optional(),
  credentials: z.array(name).optional(),
  consumerGroups: z.array(name).optional(),
});
export type KicConsumer = z.output<typeof kicConsumerSchema>;

export const kicConsumerGroupSchema = z.object({
  spec: z.object({ name: nonEmpty.optional() }).optional(),
});

const PLUGIN_PROTOCOLS = ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'udp', 'ws', 'wss', 'tls_passthrough'] as const;

const secretKeyRef = z.object({ name, key: nonEmpty, namespace: nonEmpty.optional() });

export const kicPluginSchema = z
  .object({
    plugin: nonEmpty,
    config: z.record(z.string(), z.unknown()).optional(),
    configFrom: z.object({ secretKeyRef }).optional(),
    configPatches: z.array(z.unknown()).optional(),
    disabled: z.boolean().optional(),
    protocols: z.array(z.enum(PLUGIN_PROTOCOLS)).optional(),
    instance_name: nonEmpty.optional(),
    consumerRef: nonEmpty.optional(),
    run_on: nonEmpty.optional(),
    ordering: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((p) => p.config === undefined || p.configFrom === undefined, { message: 'only one of config or configFrom may be set', path: ['configFrom'] });
export type KicPlugin = z.output<typeof kicPluginSchema>;

/** The KIC kinds Portcullis checks offline (`portcullis validate`) and what each is checked with. */
export const KIC_SCHEMAS: Record<KicKind, z.ZodType> = {
  KongConsumer: kicConsumerSchema,
  KongConsumerGroup: kicConsumerGroupSchema,
  KongPlugin: kicPluginSchema,
  KongClusterPlugin: kicPluginSchema,
};

/** KIC's jwt credential Secret fields (Kong's jwt_secrets names). */
export const KIC_JWT_FIELDS = ['key', 'algorithm', 'rsa_public_key', 'secret'] as const;
