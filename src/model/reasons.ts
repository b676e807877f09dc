/**
 * Every diagnostic reason, in one table: which status condition an error with it turns False,
 * which severities it comes with, and how its message reads. docs/status-reasons.md lists this
 * table (test/unit/model/reasons.test.ts keeps the two in step).
 *
 * `condition` is what an *error* sets on a custom resource (warnings never flip a condition):
 * - `Accepted`: the fix is in the object's own spec; Accepted=False (and so Programmed=False).
 * - `Programmed`: the object is valid on its own but cannot be live: a missing or broken reference,
 *   key material from a Secret, or a conflict with another object; Accepted stays True.
 * Reasons that only kong.yml or `portcullis validate` report follow the same rule, though no
 * status is written for them.
 */

export type Severity = 'error' | 'warning';

/** Which condition an error turns False; `none` for reasons that are only ever warnings. */
export type ReasonCondition = 'Accepted' | 'Programmed' | 'none';

/** Where a reason is produced: a folder of src/ (the test checks the reason appears there). */
export type ReasonProducer = 'sources/declarative' | 'sources/kube' | 'sources/manifests' | 'translate' | 'plugins/jwt' | 'modes' | 'runtime';

export interface ReasonInfo {
  condition: ReasonCondition;
  severities: readonly Severity[];
  /** How the message is formed: fixed text, or a template with <placeholders>. */
  message: string;
  by: readonly ReasonProducer[];
}

export const REASONS = {
  // The document as a whole (kong.yml, manifests, the watched file).
  EmptyFile: { condition: 'Accepted', severities: ['error'], by: ['sources/declarative'], message: 'file is empty[ (no document)]' },
  InvalidYAML: {
    condition: 'Accepted',
    severities: ['error'],
    by: ['sources/declarative', 'sources/manifests'],
    message: 'syntax error (<code>) at line <l>, column <c> | document could not be loaded (too many aliases or an invalid alias)',
  },
  InvalidFormatVersion: {
    condition: 'Accepted',
    severities: ['error'],
    by: ['sources/declarative'],
    message: `required field missing | expected a string (quote it: _format_version: "3.0") | unsupported version '<version>' (expected one of "3.0", "2.1", "1.1")`,
  },
  ConfigFileUnusable: { condition: 'Programmed', severities: ['error'], by: ['modes'], message: '<path> is empty | cannot read <path>: <why>' },
  InvalidManifest: { condition: 'Accepted', severities: ['error'], by: ['sources/manifests'], message: 'is not a Kubernetes object | apiVersion and kind are required' },
  UnknownVersion: { condition: 'Accepted', severities: ['error'], by: ['sources/manifests'], message: 'must be <group/version>' },
  UnknownKind: {
    condition: 'Accepted',
    severities: ['error', 'warning'],
    by: ['sources/manifests'],
    message: 'error: must be one of <kinds> | warning: <apiVersion> <kind> is not checked',
  },
  Duplicate: { condition: 'Programmed', severities: ['error'], by: ['sources/manifests'], message: '<kind> <namespace>/<name> is defined more than once' },

  // An object's own fields.
  InvalidSpec: { condition: 'Accepted', severities: ['error'], by: ['sources/kube', 'sources/manifests'], message: "<the schema's message> | is required | is not a valid URL" },
  InvalidValue: { condition: 'Accepted', severities: ['error'], by: ['sources/declarative'], message: "expected <what> (e.g. a string, a record, one of: <values>) | value should be between <min> and <max> | value must be null (TLS fields of a service whose protocol is not 'https')" },
  MissingField: { condition: 'Accepted', severities: ['error'], by: ['sources/declarative'], message: 'required field missing[ (<why Portcullis needs it>)] | <which of the fields is required>' },
  UnknownField: { condition: 'Accepted', severities: ['error'], by: ['sources/declarative'], message: 'unknown field' },
  Unsupported: { condition: 'Accepted', severities: ['error'], by: ['sources/declarative', 'sources/kube'], message: '<what Portcullis does not support>; left out | ignored' },
  NoMatcher: { condition: 'Accepted', severities: ['error'], by: ['sources/declarative'], message: "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'" },
  InvalidRegex: { condition: 'Accepted', severities: ['error'], by: ['sources/declarative', 'sources/manifests', 'translate'], message: "invalid regex[: <the router's reason>]" },
  LegacyRegexPath: { condition: 'none', severities: ['warning'], by: ['sources/declarative'], message: "treated as regex '<regex>' (format < 3.0); write it with a leading '~'" },
  VaultReference: {
    condition: 'none',
    severities: ['warning'],
    by: ['sources/declarative'],
    message: 'is a vault reference, which Kong does not resolve in jwt_secrets (not referenceable): used as written, as Kong does; keep the kong.yml in a Secret instead',
  },
  InvalidHeaderValue: { condition: 'Accepted', severities: ['error'], by: ['translate', 'sources/manifests'], message: '<field> <why no header can carry it>; the consumer | credential is refused' },
  HostNotAllowed: {
    condition: 'Accepted',
    severities: ['error'],
    by: ['translate'],
    message: "<host> is governed by | reaches hosts governed by '<pattern>' of host policy rule '<rule>', which does not allow namespace <namespace>",
  },
  ServiceDisabled: { condition: 'none', severities: ['warning'], by: ['sources/declarative'], message: 'service is disabled (enabled: false); its routes are not served' },

  // Plugins (kong.yml).
  UnknownPlugin: {
    condition: 'Accepted',
    severities: ['error', 'warning'],
    by: ['sources/declarative'],
    message: "plugin '<name>' is not supported by Portcullis (only 'jwt', 'jwt-claims', 'ip-restriction', 'correlation-id', 'acl', 'cors' and 'rate-limiting'); the routes it applies to answer 500 until it is removed | (disabled, warning) it is disabled, so it is ignored",
  },
  UnsupportedPlugin: { condition: 'none', severities: ['warning'], by: ['sources/declarative'], message: "plugin '<name>' is not implemented by Portcullis; it only observes traffic, so it is ignored" },
  InvalidPluginConfig: { condition: 'Accepted', severities: ['error'], by: ['sources/declarative', 'sources/kube'], message: "<the schema's message> | unknown field" },
  PluginConflict: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['sources/declarative', 'sources/kube'],
    message: "more than one enabled 'jwt' | 'jwt-claims' | 'ip-restriction' | 'correlation-id' | 'acl' | 'cors' | 'rate-limiting' plugin for the same scope; routes it applies to answer 500 | more than one enabled 'opentelemetry' plugin for the same scope; only <path> applies",
  },
  TracingPluginIgnored: {
    condition: 'none',
    severities: ['warning'],
    by: ['sources/declarative'],
    message: 'the opentelemetry plugin applies to the whole gateway: only a global instance (no route, service or consumer) is honoured; ignored | <field> is not supported (<why>); ignored',
  },
  ClaimsWithoutJwt: {
    condition: 'Accepted',
    severities: ['error'],
    by: ['sources/declarative'],
    message: 'the jwt-claims plugin <path> applies to this route but no jwt plugin does; the route answers 500 until one does',
  },
  PluginProtocols: { condition: 'none', severities: ['warning'], by: ['sources/declarative'], message: "the jwt plugin's protocols do not include <protocols>; Portcullis enforces it on every protocol of the route" },

  // References to other objects.
  ServiceNotFound: {
    condition: 'Programmed',
    severities: ['error', 'warning'],
    by: ['sources/declarative', 'sources/kube'],
    message: "error: invalid reference 'service: <ref>' (no such entry in 'services') | warning (Route backend, answers 503 meanwhile): Service '<namespace>/<name>' not found",
  },
  ServicePortNotFound: { condition: 'none', severities: ['warning'], by: ['sources/kube'], message: "Service '<namespace>/<name>' has no port <port> | named '<port>'" },
  ConsumerNotFound: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['sources/declarative', 'translate'],
    message: "invalid reference 'consumer: <ref>' (no such entry in 'consumers') | KongConsumer '<name>' not found in namespace <namespace> (or it was refused)",
  },
  RouteNotFound: { condition: 'Programmed', severities: ['error'], by: ['sources/declarative'], message: "invalid reference 'route: <ref>' (no such entry in 'routes')" },
  DependencyInvalid: { condition: 'Programmed', severities: ['error'], by: ['sources/declarative'], message: "left out: its <kind> '<name>' is invalid" },
  SecretNotFound: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['sources/kube'],
    message: "Secret '<namespace>/<name>' not found (credential Secrets must carry the label portcullis.dev/credential=true to be seen)",
  },
  SecretKeyNotFound: { condition: 'Programmed', severities: ['error'], by: ['sources/kube'], message: "Secret '<namespace>/<name>' has no key '<key>'" },
  // The API server stores only valid base64, so in practice `portcullis validate` reports it; like the
  // other Secret problems, the fix is in the Secret.
  InvalidSecret: { condition: 'Programmed', severities: ['error'], by: ['sources/kube'], message: "Secret '<namespace>/<name>' key '<key>' is not valid base64" },
  // Key material: in a JwtCredential it comes from a Secret, so it is a reference problem.
  InvalidKey: { condition: 'Programmed', severities: ['error'], by: ['plugins/jwt', 'sources/declarative', 'sources/kube'], message: '<what is wrong with the key> (e.g. the PEM public key could not be parsed | the JWKS is not JSON)' },
  // JWKS credentials (docs/jwks.md): the key set is fetched at run time, so these come from the
  // runtime's registry, not from a snapshot build.
  JwksUnavailable: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['runtime'],
    message: 'no usable key set: <why the last fetch failed> (never fetched | the last good one is older than maxStale | plain http refused); tokens are refused',
  },
  JwksFetchFailed: {
    condition: 'none',
    severities: ['warning'],
    by: ['runtime'],
    message: 'fetching the key set failed: <why>; the last good key set (fetched <age> s ago) is used',
  },
  MissingSecret: { condition: 'Programmed', severities: ['error'], by: ['plugins/jwt'], message: 'a secret | a PEM public key is required for <algorithm>' },
  // Certificates: served ones (docs/tls.md) and upstream TLS material (docs/upstream-tls.md); like key
  // material they may come from a Secret, so a problem is a reference problem.
  InvalidCertificate: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['translate', 'sources/declarative', 'sources/kube'],
    message: "the certificate | the private key could not be parsed (PEM expected); this certificate is not served | <what is wrong with upstream TLS material> (e.g. certificate does not match key | does not appear to be a CA | expired)[ (Secret '<namespace>/<name>' key '<key>')]",
  },
  CertificateKeyMismatch: { condition: 'Programmed', severities: ['error'], by: ['translate'], message: 'the private key does not match the certificate; this certificate is not served' },
  CertificateExpired: {
    condition: 'none',
    severities: ['warning'],
    by: ['translate'],
    message: 'the certificate expired at | is not valid before <time>; served anyway, as Kong does',
  },
  CertificateNotFound: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['sources/declarative'],
    message: "invalid reference 'certificate: <ref>' | 'client_certificate: <id>' (no such entry in 'certificates') | 'ca_certificates[<i>]: <id>' (no such entry in 'ca_certificates')",
  },
  DuplicateSni: {
    condition: 'Programmed',
    // warning: two Gateways' listeners, which share the pods' TLS listener (docs/gateway-api.md#listeners).
    severities: ['error', 'warning'],
    by: ['translate'],
    message: "SNI '<name>' is already served by <object>, which keeps it[ (the older Route wins: …)] | SNI '<name>' is answered with the certificate of <Gateway> (older): Gateways share one TLS listener",
  },

  // Conflicts: both sides are valid on their own, so they stay Accepted.
  DuplicateName: { condition: 'Programmed', severities: ['error'], by: ['sources/declarative'], message: "duplicate <kind>: <name | id> '<value>' is already used by <path>" },
  DuplicateConsumer: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['translate'],
    message: "another consumer[ in namespace <namespace>] has the same <field> '<value>'; both are refused",
  },
  KeyConflict: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['translate', 'sources/manifests'],
    message:
      'key is also used by <objects>; all credentials with this key are refused | key is also used by <object> (another consumer | the same kid …); credentials may share a key only within one consumer and with distinct kids, … | key is already used by <object>[ (another consumer | the same kid …)], which keeps it (the older credential wins: …)',
  },
  RouteConflict: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['translate'],
    message: 'matches exactly | some of the same requests as <object>, which takes precedence[ (the older Route wins: …)]',
  },
  // JwtPolicy (docs/gateway-api.md#jwt).
  PolicyConflict: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['sources/kube'],
    message: '<kind> <namespace>/<name> already has JwtPolicy <name>, which takes precedence (the older policy wins: creationTimestamp, then name)',
  },
  PolicyTargetNotFound: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['sources/kube'],
    message: '<kind> <namespace>/<name> not found (or not attached to a Gateway of the portcullis.dev/gateway-controller class)',
  },
  // Kong Ingress Controller's resources (--kic-resources; docs/kong-ingress-controller.md).
  PluginNotFound: {
    condition: 'Programmed',
    severities: ['error'],
    by: ['sources/kube'],
    message: "KongPlugin '<namespace>/<name>' not found (nor a KongClusterPlugin '<name>' of class '<class>'); the routes it applies to answer 500 | …; the consumer is refused until it exists or the annotation drops it",
  },
  ConsumerGroupNotFound: {
    condition: 'none',
    severities: ['warning'],
    by: ['sources/kube'],
    message: "KongConsumerGroup '<namespace>/<name>' not found (or not of class '<class>')",
  },
} as const satisfies Record<string, ReasonInfo>;

export type Reason = keyof typeof REASONS;

/** The reasons a diagnostic of severity S may carry. */
export type ReasonFor<S extends Severity> = {
  [R in Reason]: S extends (typeof REASONS)[R]['severities'][number] ? R : never;
}[Reason];

export type ErrorReason = ReasonFor<'error'>;
export type WarningReason = ReasonFor<'warning'>;

/** The condition an error with this reason turns False (text not in the table: Programmed only). */
export function conditionOf(reason: string): Exclude<ReasonCondition, 'none'> {
  const info: ReasonInfo | undefined = (REASONS as Record<string, ReasonInfo>)[reason];
  return info?.condition === 'Accepted' ? 'Accepted' : 'Programmed';
}
