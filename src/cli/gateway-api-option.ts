import type { GatewayApiOptions } from '../modes/controller.js';
import { UsageError } from '../model/usage-error.js';

/**
 * `--gateway-api` (PORTCULLIS_GATEWAY_API=true) and its settings (docs/gateway-api.md#listeners):
 * `--gateway-http-port` / `--gateway-https-port` (80 / 443: the chart Service's ports) and
 * `--publish-service NAMESPACE/NAME` (the Service whose addresses Gateways report).
 */
export function gatewayApiOption(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): GatewayApiOptions | undefined {
  const on = values['gateway-api'] === true || env.PORTCULLIS_GATEWAY_API === 'true';
  if (!on) return undefined;
  const port = (flag: string, envName: string, def: number): number => {
    const raw = (values[flag] as string | undefined) ?? env[envName];
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${flag}: expected a port (1-65535), got '${raw}'`);
    return n;
  };
  const publish = (values['publish-service'] as string | undefined) ?? env.PORTCULLIS_PUBLISH_SERVICE;
  if (publish !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(publish)) {
    throw new UsageError(`--publish-service: expected NAMESPACE/NAME, got '${publish}'`);
  }
  const dataPlane = dataPlaneOption(values, env);
  return {
    httpPort: port('gateway-http-port', 'PORTCULLIS_GATEWAY_HTTP_PORT', 80),
    httpsPort: port('gateway-https-port', 'PORTCULLIS_GATEWAY_HTTPS_PORT', 443),
    ...(publish !== undefined && { publishService: publish }),
    ...(dataPlane !== undefined && { dataPlane }),
  };
}

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;

/** `--gateway-service-per-gateway` and its settings (docs/gateway-api.md#one-address-per-gateway). */
function dataPlaneOption(values: Record<string, unknown>, env: NodeJS.ProcessEnv): GatewayApiOptions['dataPlane'] {
  if (values['gateway-service-per-gateway'] !== true && env.PORTCULLIS_GATEWAY_SERVICE_PER_GATEWAY !== 'true') return undefined;
  const podNamespace = env.POD_NAMESPACE;
  if (!podNamespace) throw new UsageError('--gateway-service-per-gateway: POD_NAMESPACE must name the pods\' namespace (the chart sets it)');
  const type = (values['gateway-service-type'] as string | undefined) ?? env.PORTCULLIS_GATEWAY_SERVICE_TYPE ?? 'ClusterIP';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) throw new UsageError(`--gateway-service-type: expected ${SERVICE_TYPES.join(', ')}, got '${type}'`);
  const rawRange = (values['gateway-pod-ports'] as string | undefined) ?? env.PORTCULLIS_GATEWAY_POD_PORTS ?? '20000-20999';
  const m = /^(\d+)-(\d+)$/.exec(rawRange);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2]) : NaN;
  if (!(from >= 1 && to <= 65535 && from <= to)) throw new UsageError(`--gateway-pod-ports: expected FROM-TO (1-65535), got '${rawRange}'`);
  const rawSelector = (values['gateway-pod-selector'] as string | undefined) ?? env.PORTCULLIS_GATEWAY_POD_SELECTOR ?? '';
  const podSelector: Record<string, string> = {};
  for (const part of rawSelector.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--gateway-pod-selector: expected k=v,..., got '${rawSelector}'`);
    podSelector[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  if (Object.keys(podSelector).length === 0) throw new UsageError('--gateway-pod-selector: the labels of the gateway pods are required with --gateway-service-per-gateway');
  return { podNamespace, podSelector, serviceType: type as (typeof SERVICE_TYPES)[number], portRange: { from, to } };
}
