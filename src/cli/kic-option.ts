import { KIC_DEFAULT_CLASS } from '../model/kic.js';
import type { KicSettings } from '../sources/kube/kic/types.js';
import { UsageError } from '../model/usage-error.js';

/** The controller's KIC flags (docs/kong-ingress-controller.md, docs/command-line.md). */
export const KIC_FLAGS = {
  'kic-resources': { type: 'boolean' },
  'kic-ingress-class': { type: 'string' },
} as const;

const CLASS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * --kic-resources (PORTCULLIS_KIC_RESOURCES=true) reads Kong Ingress Controller's resources;
 * --kic-ingress-class NAME (PORTCULLIS_KIC_INGRESS_CLASS, default "kong", KIC's default) is the
 * class they and the Ingresses must carry, and implies it. undefined: KIC's kinds are not watched.
 */
export function kicOption(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): KicSettings | undefined {
  const envOn = env.PORTCULLIS_KIC_RESOURCES;
  if (envOn !== undefined && envOn !== '' && envOn !== 'true' && envOn !== 'false') {
    throw new UsageError(`PORTCULLIS_KIC_RESOURCES: expected true or false, got '${envOn}'`);
  }
  const className = (values['kic-ingress-class'] as string | undefined) ?? (env.PORTCULLIS_KIC_INGRESS_CLASS || undefined);
  const on = values['kic-resources'] === true || envOn === 'true' || className !== undefined;
  if (!on) return undefined;
  const name = className ?? KIC_DEFAULT_CLASS;
  if (!CLASS_NAME.test(name)) throw new UsageError(`--kic-ingress-class: expected a class name (lower-case DNS subdomain), got '${name}'`);
  return { className: name };
}
