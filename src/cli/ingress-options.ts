import type { IngressSettings } from '../model/ingress.js';
import { UsageError } from '../model/usage-error.js';
import { parsePublishService, type IngressPublishing } from '../status/ingress-addresses.js';
import { isIP } from 'node:net';

/** The controller's Ingress flags (docs/ingress.md, docs/command-line.md). */
export const INGRESS_FLAGS = {
  ingress: { type: 'boolean' },
  'ingress-class': { type: 'string', multiple: true },
  'publish-service': { type: 'string' },
  'publish-address': { type: 'string', multiple: true },
} as const;

export interface IngressFlagValues {
  ingress?: boolean | undefined;
  'ingress-class'?: string[] | undefined;
  'publish-service'?: string | undefined;
  'publish-address'?: string[] | undefined;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

/** "a,b" given once or repeated → ["a", "b"]; the env var when the flag is absent. */
function list(flag: string[] | undefined, env: string | undefined): string[] {
  const raw = flag ?? (env !== undefined && env !== '' ? [env] : []);
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * --ingress (PORTCULLIS_INGRESS=true) turns Ingress serving on; --ingress-class NAME
 * (PORTCULLIS_INGRESS_CLASS, comma-separated) implies it. --publish-service NS/NAME
 * (PORTCULLIS_PUBLISH_SERVICE) or --publish-address ADDR (PORTCULLIS_PUBLISH_ADDRESS) say what
 * the leader writes into status.loadBalancer. undefined: Ingresses are not watched at all.
 */
export function ingressOption(
  values: IngressFlagValues,
  env: NodeJS.ProcessEnv = process.env,
  /** Another flag serves Ingresses (--kic-resources): the publishing flags apply as with --ingress. */
  implied = false,
): { settings: IngressSettings; publishing: IngressPublishing } | undefined {
  const classNames = list(values['ingress-class'], env.PORTCULLIS_INGRESS_CLASS);
  const envOn = env.PORTCULLIS_INGRESS;
  if (envOn !== undefined && envOn !== '' && envOn !== 'true' && envOn !== 'false') {
    throw new UsageError(`PORTCULLIS_INGRESS: expected true or false, got '${envOn}'`);
  }
  const enabled = implied || values.ingress === true || envOn === 'true' || classNames.length > 0;
  const serviceText = values['publish-service'] ?? (env.PORTCULLIS_PUBLISH_SERVICE || undefined);
  const addresses = list(values['publish-address'], env.PORTCULLIS_PUBLISH_ADDRESS);
  if (!enabled) {
    // --publish-service also serves Gateway API (docs/gateway-api.md); --publish-address is Ingress's alone.
    if (addresses.length > 0) throw new UsageError('--publish-address needs --ingress');
    return undefined;
  }
  const publishing: IngressPublishing = {};
  if (serviceText !== undefined) {
    const service = parsePublishService(serviceText);
    if (!service) throw new UsageError(`--publish-service: expected NAMESPACE/NAME, got '${serviceText}'`);
    publishing.service = service;
  }
  for (const a of addresses) {
    if (isIP(a) === 0 && !DNS_NAME.test(a)) throw new UsageError(`--publish-address: expected an IP address or a DNS name, got '${a}'`);
  }
  if (addresses.length > 0) publishing.addresses = addresses;
  return { settings: { classNames }, publishing };
}
