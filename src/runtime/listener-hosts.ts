import os from 'node:os';
import type { GatewayOptions } from './options.js';
import { createHostAllowlist, type HostCheck } from '../model/host-allowlist.js';

function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/**
 * Host checks of the admin and status listeners. Admin: localhost, loopback, its bound address (any
 * interface address when bound to 0.0.0.0 / ::) and --admin-allowed-hosts names. Status: the same
 * names and every IP literal, since kubelet probes and Prometheus address the pod by IP.
 */
export function listenerHostChecks(gateway: GatewayOptions): { admin: HostCheck; status: HostCheck } {
  const names = gateway.adminAllowedHosts;
  return {
    admin: createHostAllowlist({ listenHost: gateway.adminListen.host, names, anyIpLiteral: false, localAddresses: interfaceAddresses }),
    status: createHostAllowlist({ listenHost: gateway.statusListen.host, names, anyIpLiteral: true, localAddresses: interfaceAddresses }),
  };
}
