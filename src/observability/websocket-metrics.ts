import { Counter, Gauge } from 'prom-client';
import type { GatewayMetrics } from './metrics.js';
import { NO_ROUTE } from './metrics.js';
import type { ObservedRoute } from './observed.js';

/**
 * How an upgrade request ended (docs/websocket.md#metrics): `upgraded` (the upstream answered 101,
 * a tunnel opened), `rejected` (the gateway answered: no route, 401, no upstream target, …),
 * `refused` (the upstream answered without switching protocols), `failed` (the upstream could not
 * be reached or timed out: 502/504), `client_closed` (the client left during the handshake).
 */
export type UpgradeOutcome = 'upgraded' | 'rejected' | 'refused' | 'failed' | 'client_closed';

/** Why a tunnel closed. */
export type TunnelEnd = 'client' | 'upstream' | 'idle' | 'error' | 'shutdown';

/**
 * WebSocket metrics, on the gateway's registry (so `/metrics` and the worker aggregation include
 * them: open tunnels and counts sum over workers). Created once per GatewayMetrics, however many
 * listeners (plain, TLS) attach an upgrade handler.
 */
export class WebSocketMetrics {
  readonly open: Gauge;
  readonly upgrades: Counter<'route' | 'outcome'>;
  readonly closed: Counter<'reason'>;
  readonly bytes: Counter<'direction'>;

  constructor(m: GatewayMetrics) {
    const registers = [m.registry];
    this.open = new Gauge({ name: 'portcullis_websocket_tunnels_open', help: 'WebSocket tunnels open now', registers });
    this.upgrades = new Counter({
      name: 'portcullis_websocket_upgrades_total', help: 'WebSocket upgrade requests by route and outcome', labelNames: ['route', 'outcome'], registers,
    });
    this.closed = new Counter({ name: 'portcullis_websocket_tunnels_closed_total', help: 'WebSocket tunnels closed, by what closed them', labelNames: ['reason'], registers });
    this.bytes = new Counter({
      name: 'portcullis_websocket_bytes_total', help: 'Bytes relayed through WebSocket tunnels (after the handshake), by direction', labelNames: ['direction'], registers,
    });
  }

  upgrade(route: ObservedRoute | undefined, outcome: UpgradeOutcome): void {
    this.upgrades.labels(route ? route.label : NO_ROUTE, outcome).inc();
  }

  tunnelClosed(reason: TunnelEnd, toUpstream: number, toClient: number): void {
    this.open.dec();
    this.closed.labels(reason).inc();
    if (toUpstream > 0) this.bytes.labels('upstream').inc(toUpstream);
    if (toClient > 0) this.bytes.labels('downstream').inc(toClient);
  }
}

const byGateway = new WeakMap<GatewayMetrics, WebSocketMetrics>();

export function websocketMetrics(m: GatewayMetrics): WebSocketMetrics {
  let w = byGateway.get(m);
  if (w === undefined) byGateway.set(m, (w = new WebSocketMetrics(m)));
  return w;
}
