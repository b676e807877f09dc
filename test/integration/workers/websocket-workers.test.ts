import { afterAll, beforeAll, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { waitFor } from '../../support/gateway-process.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { closed, openWs, refusal, roundTrip, startWsUpstream, wsBase, type WsUpstream } from '../../support/ws-peers.js';

/**
 * WebSocket under `--workers 2` (docs/websocket.md): every worker proxies upgrades, the
 * `--websocket-idle-timeout` flag reaches them, and the primary's /metrics sums their counts.
 */
const SECRET = 'ws-workers-secret-0123456789';
let up: WsUpstream;
let gw: StandaloneGateway;

const metric = async (name: string, labels: Record<string, string> = {}) => {
  const text = await (await fetch(`${gw.status}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
};

beforeAll(async () => {
  up = await startWsUpstream();
  gw = await startStandalone({
    services: [{ name: 'chat', url: up.url, routes: [{ name: 'chat', paths: ['/chat'], plugins: [{ name: 'jwt' }] }] }],
    consumers: [{ username: 'w', jwt_secrets: [{ key: 'w-key', algorithm: 'HS256', secret: SECRET }] }],
  }, { args: ['--workers', '2', '--websocket-idle-timeout', '1', '--access-log', 'off'] });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

it('tunnels through the workers, authenticated; 401 without a token; metrics summed by the primary', async () => {
  const t = mintToken({ algorithm: 'HS256', key: 'w-key', secret: SECRET, expiresInSeconds: 300 });
  const sockets = await Promise.all(Array.from({ length: 6 }, () => openWs(`${wsBase(gw.proxy)}/chat`, { headers: { authorization: `Bearer ${t}` } })));
  for (const [i, ws] of sockets.entries()) expect(await roundTrip(ws, `w${i}`)).toBe(`echo:w${i}`);
  const seen = JSON.parse(await roundTrip(sockets[0]!, 'headers')) as Record<string, string>;
  expect(seen['x-consumer-username']).toBe('w');
  expect((await refusal(`${wsBase(gw.proxy)}/chat`)).status).toBe(401);
  expect(await metric('portcullis_websocket_tunnels_open')).toBe(6);
  for (const ws of sockets) ws.close();
  await Promise.all(sockets.map(closed));
  await waitFor(async () => (await metric('portcullis_websocket_tunnels_open')) === 0, 5000);
  expect(await metric('portcullis_websocket_upgrades_total', { route: 'chat', outcome: 'upgraded' })).toBe(6);
  expect(await metric('portcullis_websocket_upgrades_total', { route: 'chat', outcome: 'rejected' })).toBe(1);
});

it('--websocket-idle-timeout 1 closes a silent tunnel after about a second', async () => {
  const t = mintToken({ algorithm: 'HS256', key: 'w-key', secret: SECRET, expiresInSeconds: 300 });
  const ws = await openWs(`${wsBase(gw.proxy)}/chat`, { headers: { authorization: `Bearer ${t}` } });
  const t0 = Date.now();
  expect((await closed(ws)).code).toBe(1006);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  expect(Date.now() - t0).toBeLessThan(4000);
  await waitFor(async () => (await metric('portcullis_websocket_tunnels_closed_total', { reason: 'idle' })) >= 1, 5000);
});
