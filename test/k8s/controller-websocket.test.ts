import { afterAll, beforeAll, expect, it } from 'vitest';
import { consumerId } from '../../src/model/ids.js';
import { mintToken } from '../../src/tokens/mint.js';
import { startInMode, stopModeEnvironments, type ModeGateway } from '../support/modes.js';
import { closed, openWs, refusal, roundTrip, startWsUpstream, wsBase, type WsUpstream } from '../support/ws-peers.js';

/**
 * WebSocket in controller mode (docs/websocket.md): a Route CR with the jwt plugin, a Consumer
 * and a JwtCredential on a real API server; a real `ws` client through the gateway to a real `ws`
 * upstream. Same admission as any request: 401 without a token, the consumer's headers with one.
 */
const SECRET = 'controller-ws-secret-0123456789';
let up: WsUpstream;
let gw: ModeGateway;

beforeAll(async () => {
  up = await startWsUpstream();
  gw = await startInMode('controller', {
    routes: [{ name: 'chat', paths: ['/chat'], url: up.url, jwt: { uri_param_names: ['tk'] } }],
    consumers: [{ username: 'kube-ws', credentials: [{ key: 'kube-ws-key', secret: SECRET }] }],
  });
}, 120_000);

afterAll(async () => {
  await gw?.close();
  await stopModeEnvironments();
  await up?.close();
});

it('a Route CR with the jwt plugin: 401 without a token; with one (header or query) the tunnel echoes and the upstream sees the consumer', async () => {
  const r = await refusal(`${wsBase(gw.proxy)}/chat`);
  expect(r.status).toBe(401);
  expect(JSON.parse(r.body)).toEqual({ message: 'Unauthorized' });

  const t = mintToken({ algorithm: 'HS256', key: 'kube-ws-key', secret: SECRET, expiresInSeconds: 300 });
  for (const [url, headers] of [
    [`${wsBase(gw.proxy)}/chat/room`, { authorization: `Bearer ${t}`, 'x-consumer-username': 'spoofed' }],
    [`${wsBase(gw.proxy)}/chat/room?tk=${t}`, {}],
  ] as const) {
    const ws = await openWs(url, { headers });
    expect(await roundTrip(ws, 'hi')).toBe('echo:hi');
    const seen = JSON.parse(await roundTrip(ws, 'headers')) as Record<string, string>;
    expect(seen).toMatchObject({ 'x-consumer-username': 'kube-ws', 'x-consumer-id': consumerId('kube-ws'), 'x-credential-identifier': 'kube-ws-key' });
    ws.close(1000, 'done');
    expect(await closed(ws)).toEqual({ code: 1000, reason: 'done' });
  }
});
