import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { createRequestHandler } from '../../../src/proxy/handler.js';
import { attachUpgradeHandler } from '../../../src/proxy/upgrade.js';
import { UpstreamPools } from '../../../src/proxy/upstream-pools.js';
import { SnapshotStore } from '../../../src/snapshot/store.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { refusedPort } from '../../support/http.js';
import { startGateway, type TestGateway } from '../../support/gateway.js';
import { selfSignedCert, type TestCert } from '../../support/openssl-cert.js';
import { realSnapshot, routeCr, serviceWithEndpoints } from '../../support/real-snapshot.js';
import { closed, openWs, refusal, roundTrip, startWsUpstream, type WsUpstream } from '../../support/ws-peers.js';

/**
 * The upgrade handler in-process (docs/websocket.md): load balancing over a Service's endpoints as
 * for requests, retries of connect failures, no endpoints, and attachUpgradeHandler on a
 * node:https server (the TLS listener's case) with a real TLS handshake from a `ws` client.
 */
const SECRET = 'listeners-secret-0123456789';
let a: WsUpstream;
let b: WsUpstream;
let gw: TestGateway;

beforeAll(async () => {
  [a, b] = await Promise.all([startWsUpstream(), startWsUpstream()]);
  const refused = await refusedPort();
  gw = await startGateway(realSnapshot({
    kube: [
      routeCr('pair', { paths: ['/pair'], backend: { service: { name: 'pair', port: 80 } } }),
      ...serviceWithEndpoints('pair', [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }]),
      routeCr('flaky', { paths: ['/flaky'], backend: { service: { name: 'flaky', port: 80 } } }),
      ...serviceWithEndpoints('flaky', [{ host: '127.0.0.1', port: refused }, { host: '127.0.0.1', port: a.port }]),
      routeCr('empty', { paths: ['/empty'], backend: { service: { name: 'empty', port: 80 } } }),
      ...serviceWithEndpoints('empty', []),
    ],
  }));
});

afterAll(async () => {
  await gw?.close();
  await a?.close();
  await b?.close();
});

describe('upstream choice', () => {
  it("round-robins over the Service's endpoints, as requests do", async () => {
    const [seenA, seenB] = [a.seen.length, b.seen.length];
    const sockets = [];
    for (let i = 0; i < 4; i++) sockets.push(await openWs(`ws://127.0.0.1:${gw.port}/pair/${i}`));
    expect([a.seen.length - seenA, b.seen.length - seenB]).toEqual([2, 2]);
    for (const ws of sockets) ws.close();
    await Promise.all(sockets.map(closed));
  });

  it('a refused connection is retried on the next endpoint (nothing reached the upstream)', async () => {
    for (let i = 0; i < 4; i++) {
      const ws = await openWs(`ws://127.0.0.1:${gw.port}/flaky/${i}`);
      expect(await roundTrip(ws, 'x')).toBe('echo:x');
      ws.close();
      await closed(ws);
    }
  });

  it("no endpoint: 503 with Kong's body", async () => {
    const r = await refusal(`ws://127.0.0.1:${gw.port}/empty`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ message: 'failure to get a peer from the ring-balancer' });
  });

  it('the tunnels are in the drain count while open', async () => {
    const ws = await openWs(`ws://127.0.0.1:${gw.port}/pair/drain`);
    expect(gw.proxy.inFlight).toBe(1);
    ws.close();
    await closed(ws);
    await new Promise((r) => setTimeout(r, 50));
    expect(gw.proxy.inFlight).toBe(0);
  });
});

describe('attachUpgradeHandler on a node:https server', () => {
  let cert: TestCert;
  let server: https.Server;
  let port: number;

  beforeAll(async () => {
    cert = selfSignedCert();
    const store = new SnapshotStore();
    store.swap(realSnapshot({
      kongYml: {
        services: [{ name: 'chat', url: a.url, routes: [{ name: 'chat', paths: ['/chat'], plugins: [{ name: 'jwt' }] }] }],
        consumers: [{ username: 'tls-user', jwt_secrets: [{ key: 'tls-key', algorithm: 'HS256', secret: SECRET }] }],
      },
    }));
    const deps = { store, pools: new UpstreamPools(), metrics: new GatewayMetrics({ defaultMetrics: false }) };
    server = https.createServer({ key: cert.key, cert: cert.cert }, createRequestHandler(deps));
    attachUpgradeHandler(server, deps);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    cert?.remove();
  });

  it('wss: the jwt plugin admits the upgrade, the tunnel works over TLS; without a token 401', async () => {
    const t = mintToken({ algorithm: 'HS256', key: 'tls-key', secret: SECRET, expiresInSeconds: 300 });
    const ws = new WebSocket(`wss://localhost:${port}/chat/x`, { ca: cert.cert, headers: { authorization: `Bearer ${t}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(await roundTrip(ws, 'secure')).toBe('echo:secure');
    const seen = JSON.parse(await roundTrip(ws, 'headers')) as Record<string, string>;
    expect(seen['x-consumer-username']).toBe('tls-user');
    ws.close();
    await closed(ws);

    const denied = await new Promise<number>((resolve, reject) => {
      const w = new WebSocket(`wss://localhost:${port}/chat/x`, { ca: cert.cert });
      w.on('error', () => {}); // terminate() below, before an open
      w.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode!);
        w.terminate();
      });
      w.once('open', () => reject(new Error('accepted without a token')));
    });
    expect(denied).toBe(401);
  });
});
