import type { CrdKind } from './crds.js';

/**
 * Everything about the three CRDs that is not the spec shape: names, printer columns and the
 * CEL rules the API server enforces. Kept next to the zod schemas so both change together.
 *
 * Naming: the plural `routes` also exists in OpenShift (route.openshift.io). `kubectl get routes`
 * is then ambiguous, so users should type `routes.portcullis.dev` or the short name `pcroute`.
 * Short names avoid `kc` (used by Kong's own KongConsumer CRD).
 */

export interface CelRule {
  rule: string;
  message: string;
  /** Field reported by the API server (a JSONPath relative to the node), e.g. ".secretRef". */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueDuplicate';
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'number';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CrdDefinition {
  kind: CrdKind;
  /** What an object of this kind is, for `kubectl explain <kind>` (fields describe themselves in crds.ts). */
  description: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  printerColumns: PrinterColumn[];
  /** CEL rules keyed by the property path below `spec` ("" = spec itself). */
  specRules: Record<string, CelRule[]>;
  /** Extra OpenAPI keywords merged at a path below spec, for things zod does not express. */
  specPatches?: Record<string, Record<string, unknown>>;
  /** Output file name under crds/. */
  file: string;
}

const PROGRAMMED: PrinterColumn = {
  name: 'Programmed',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Programmed")].status',
};
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Route spec.plugins.rateLimiting's CEL rules: what the API server refuses before the controller looks. */
const RATE_LIMITING_RULES: CelRule[] = [
  {
    rule: 'has(self.second) || has(self.minute) || has(self.hour) || has(self.day) || has(self.month) || has(self.year)',
    message: 'at least one of second, minute, hour, day, month or year is required',
    fieldPath: '.minute',
    reason: 'FieldValueRequired',
  },
  {
    rule: "!has(self.limitBy) || self.limitBy != 'header' || has(self.headerName)",
    message: 'headerName is required with limitBy header',
    fieldPath: '.headerName',
    reason: 'FieldValueRequired',
  },
  {
    rule: "!has(self.limitBy) || self.limitBy != 'path' || has(self.path)",
    message: 'path is required with limitBy path',
    fieldPath: '.path',
    reason: 'FieldValueRequired',
  },
  {
    rule: "!has(self.policy) || self.policy != 'redis' || (has(self.redis) && has(self.redis.host))",
    message: 'redis.host is required with policy redis',
    fieldPath: '.redis',
    reason: 'FieldValueRequired',
  },
];

export const CRD_DEFINITIONS: readonly CrdDefinition[] = [
  {
    kind: 'KongConsumer',
    description:
      "A consumer of the APIs behind the gateway (Kong's consumer): the identity a verified JWT authenticates as. Its keys are JwtCredentials that reference it; upstream receives its id, username and customId in X-Consumer-* headers.",
    plural: 'kongconsumers',
    singular: 'kongconsumer',
    shortNames: ['kcon'],
    categories: ['portcullis'],
    file: 'kongconsumers.yaml',
    // Custom ID too: KIC's KongConsumer (configuration.konghq.com) shows Username and Age, so the
    // two kinds read differently in kubectl (docs/kong-ingress-controller.md#the-name-clash).
    printerColumns: [{ name: 'Username', type: 'string', jsonPath: '.spec.username' }, { name: 'Custom ID', type: 'string', jsonPath: '.spec.customId' }, PROGRAMMED, AGE],
    specRules: {
      '': [
        {
          rule: 'has(self.username) || has(self.customId)',
          message: 'username or customId is required',
          reason: 'FieldValueRequired',
        },
      ],
    },
  },
  {
    kind: 'JwtCredential',
    description:
      "A JWT key of a KongConsumer (Kong's jwt_secrets entry): tokens naming its key, signed with its algorithm and verified by the referenced HMAC secret or public key, authenticate as that consumer on Routes with the jwt plugin.",
    plural: 'jwtcredentials',
    singular: 'jwtcredential',
    shortNames: ['jwtcred'],
    categories: ['portcullis'],
    file: 'jwtcredentials.yaml',
    printerColumns: [
      { name: 'Consumer', type: 'string', jsonPath: '.spec.consumerRef.name' },
      { name: 'Algorithm', type: 'string', jsonPath: '.spec.algorithm' },
      { name: 'Key', type: 'string', jsonPath: '.spec.key' },
      { name: 'Kid', type: 'string', jsonPath: '.spec.kid', priority: 1 },
      PROGRAMMED,
      AGE,
    ],
    // Bounded so the cost estimate of startsWith() in the CEL rules stays small.
    specPatches: { algorithm: { maxLength: 5 } },
    specRules: {
      '': [
        // One rule per field, so each message names the field it is about. algorithm is defaulted
        // to HS256 by the API server; the has() guards keep the rules total anyway.
        {
          rule: "(has(self.algorithm) && !self.algorithm.startsWith('HS')) || has(self.secretRef) || has(self.jwks)",
          message: 'secretRef is required for HS* algorithms',
          fieldPath: '.secretRef',
          reason: 'FieldValueRequired',
        },
        {
          rule: "(has(self.algorithm) && !self.algorithm.startsWith('HS')) || !has(self.publicKeyRef)",
          message: 'publicKeyRef is forbidden for HS* algorithms',
          fieldPath: '.publicKeyRef',
          reason: 'FieldValueForbidden',
        },
        {
          rule: "(!has(self.algorithm) || self.algorithm.startsWith('HS')) || has(self.publicKeyRef) || has(self.jwks)",
          message: 'publicKeyRef is required for RS*/ES*/PS*/EdDSA algorithms',
          fieldPath: '.publicKeyRef',
          reason: 'FieldValueRequired',
        },
        {
          rule: "(!has(self.algorithm) || self.algorithm.startsWith('HS')) || !has(self.secretRef)",
          message: 'secretRef is forbidden for RS*/ES*/PS*/EdDSA algorithms',
          fieldPath: '.secretRef',
          reason: 'FieldValueForbidden',
        },
        // docs/jwks.md: a JWKS replaces both key references.
        { rule: '!has(self.jwks) || !has(self.secretRef)', message: 'secretRef is forbidden with jwks', fieldPath: '.secretRef', reason: 'FieldValueForbidden' },
        { rule: '!has(self.jwks) || !has(self.publicKeyRef)', message: 'publicKeyRef is forbidden with jwks', fieldPath: '.publicKeyRef', reason: 'FieldValueForbidden' },
        {
          rule: "!has(self.jwks) || has(self.jwks.algorithms) || (has(self.algorithm) && !self.algorithm.startsWith('HS'))",
          message: 'a JWKS credential needs an asymmetric algorithm or jwks.algorithms',
          fieldPath: '.algorithm',
          reason: 'FieldValueInvalid',
        },
      ],
      jwks: [
        {
          rule: '(has(self.url) ? 1 : 0) + (has(self.issuer) ? 1 : 0) + (has(self.secretRef) ? 1 : 0) + (has(self.inline) ? 1 : 0) == 1',
          message: 'exactly one of url, issuer, secretRef, inline is required',
          reason: 'FieldValueInvalid',
        },
      ],
    },
  },
  {
    kind: 'Route',
    description:
      "A route of the Portcullis gateway (Kong's route and service in one): the requests it matches, the backend they are forwarded to, and the optional jwt plugin that requires a valid token (and jwtClaims, which authorizes by its claims), Kong's ip-restriction, correlation-id, acl, cors and rate-limiting. Use routes.portcullis.dev or pcroute with kubectl (OpenShift also has routes).",
    plural: 'routes',
    singular: 'route',
    shortNames: ['pcroute'],
    categories: ['portcullis'],
    file: 'routes.yaml',
    printerColumns: [
      { name: 'Paths', type: 'string', jsonPath: '.spec.paths' },
      // Two columns rather than .spec.backend, which kubectl would print as a raw JSON object.
      { name: 'Service', type: 'string', jsonPath: '.spec.backend.service.name' },
      { name: 'URL', type: 'string', jsonPath: '.spec.backend.url' },
      PROGRAMMED,
      AGE,
    ],
    specRules: {
      '': [
        {
          rule: '(has(self.hosts) && size(self.hosts) > 0) || (has(self.paths) && size(self.paths) > 0) || (has(self.methods) && size(self.methods) > 0)',
          message: 'at least one of hosts, paths or methods is required',
          reason: 'FieldValueRequired',
        },
      ],
      backend: [
        {
          rule: 'has(self.service) || has(self.url)',
          message: 'one of service or url is required',
          reason: 'FieldValueRequired',
        },
        {
          rule: '!has(self.service) || !has(self.url)',
          message: 'url is forbidden when service is set (use exactly one)',
          fieldPath: '.url',
          reason: 'FieldValueForbidden',
        },
      ],
      plugins: [
        {
          rule: '!has(self.jwtClaims) || has(self.jwt)',
          message: 'requires plugins.jwt (jwtClaims checks the token the jwt plugin verified)',
          fieldPath: '.jwtClaims',
          reason: 'FieldValueRequired',
        },
      ],
      'plugins.rateLimiting': RATE_LIMITING_RULES,
      // The same rules on each per-consumer limit (docs/rate-limiting.md#consumers).
      'plugins.rateLimitingByConsumer.[].rateLimiting': RATE_LIMITING_RULES,
      'plugins.ipRestriction': [
        {
          rule: 'has(self.allow) || has(self.deny)',
          message: 'at least one of allow or deny is required',
          fieldPath: '.allow',
          reason: 'FieldValueRequired',
        },
      ],
      'plugins.acl': [
        {
          rule: 'has(self.allow) != has(self.deny)',
          message: 'exactly one of allow or deny is required',
          fieldPath: '.allow',
          reason: 'FieldValueInvalid',
        },
      ],
      'plugins.jwtClaims.claims.[]': [
        {
          rule: '(has(self.equals) ? 1 : 0) + (has(self.oneOf) ? 1 : 0) + (has(self.contains) ? 1 : 0) + (has(self.containsAny) ? 1 : 0) == 1',
          message: 'exactly one of equals, oneOf, contains, containsAny is required',
        },
      ],
      'plugins.jwt': [
        {
          rule: "!has(self.maximumExpiration) || self.maximumExpiration == 0 || (has(self.claimsToVerify) && 'exp' in self.claimsToVerify)",
          message: 'maximumExpiration > 0 requires exp in claimsToVerify',
          fieldPath: '.claimsToVerify',
          reason: 'FieldValueRequired',
        },
      ],
    },
    // Bound what the CEL rule scans so the API server's cost estimate stays small.
    specPatches: {
      'plugins.jwt.claimsToVerify': { maxItems: 8 },
      'plugins.jwt.claimsToVerify.[]': { maxLength: 3 },
    },
  },
  {
    kind: 'JwtPolicy',
    description:
      'A Gateway API policy (policy attachment) requiring a valid JWT on the HTTPRoutes it targets, or on every HTTPRoute attached to the Gateways it targets: the same jwt configuration as a Route\'s plugins.jwt (docs/gateway-api.md#jwt).',
    plural: 'jwtpolicies',
    singular: 'jwtpolicy',
    shortNames: ['jwtpol'],
    categories: ['portcullis'],
    file: 'jwtpolicies.yaml',
    printerColumns: [PROGRAMMED, AGE],
    specRules: {
      jwt: [
        {
          rule: "!has(self.maximumExpiration) || self.maximumExpiration == 0 || (has(self.claimsToVerify) && 'exp' in self.claimsToVerify)",
          message: 'maximumExpiration > 0 requires exp in claimsToVerify',
          fieldPath: '.claimsToVerify',
          reason: 'FieldValueRequired',
        },
      ],
    },
    specPatches: {
      'jwt.claimsToVerify': { maxItems: 8 },
      'jwt.claimsToVerify.[]': { maxLength: 3 },
    },
  },
];
