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
  return {
    httpPort: port('gateway-http-port', 'PORTCULLIS_GATEWAY_HTTP_PORT', 80),
    httpsPort: port('gateway-https-port', 'PORTCULLIS_GATEWAY_HTTPS_PORT', 443),
    ...(publish !== undefined && { publishService: publish }),
  };
}
