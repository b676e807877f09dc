import type { GatewayOptions } from '../cli/gateway-options.js';

export interface ControllerOptions {
  gateway: GatewayOptions;
  namespace?: string;
  kubeconfig?: string;
  adminExposeSecrets: boolean;
  leaseName: string;
}

export async function runController(_opts: ControllerOptions): Promise<number> {
  throw new Error('controller mode is being wired (see issue 3)');
}
