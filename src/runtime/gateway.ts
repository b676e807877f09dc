import { startRuntime, type GatewayRuntime } from './core.js';
import { InProcessPlacement } from './in-process-placement.js';
import type { GatewayRuntimeOptions } from './options.js';
import { WorkerPlacement } from './worker-placement.js';

export type { GatewayRuntime } from './core.js';

/**
 * The gateway of the standalone and controller modes. `gateway.workers > 0`: this process becomes
 * the node:cluster primary (source, admin, status) and the proxy runs in that many worker
 * processes (worker-placement.ts); otherwise the proxy runs here (in-process-placement.ts).
 */
export function startGatewayRuntime(opts: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const placement = opts.gateway.workers > 0 ? new WorkerPlacement(opts.gateway) : new InProcessPlacement();
  return startRuntime(opts, placement);
}
