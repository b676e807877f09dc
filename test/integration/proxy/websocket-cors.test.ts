import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mintToken } from '../../../src/tokens/mint.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { closed, refusal, roundTrip, startWsUpstream, wsBase, type WsUpstream } from '../../support/ws-peers.js';

/**
 * Kong's header_filter on a WebSocket handshake (docs/websocket.md#the-handshake, docs/cors.md#responses):
 * nginx sends the upstream's 101 through the header filters, so cors (and correlation-id's echo)
 * add their headers to it as to any response of the route. A real `ws` client, a real `ws` upstream.
 */
const SECRET = 'ws-cors-secret-0123456789abcdef';
const ORIGIN = 'https://app.example';
const token = () => mintToken({ algorithm: 'HS256', key: 'ws-cors-key', secret: SECRET, expiresInSeconds: 300 });

let up: WsUpstream;
let gw: StandaloneGateway;

/** Opens a WebSocket and resolves with the socket and the 101's headers. */
function open101(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let upgrade: IncomingHttpHeaders | undefined;
    ws.once('upgrade', (res) => (upgrade = res.headers));
    ws.once('open', () => resolve({ ws, headers: upgrade! }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  up = await startWsUpstream();
  gw = await startStandalone({
    services: [
      {
        name: 'chat',
        url: up.url,
        routes: [
          {
            name: 'chat',
            paths: ['/chat'],
            plugins: [
              { name: 'cors', config: { origins: [ORIGIN, 'https://admin.example'], credentials: true, exposed_headers: ['X-Room'] } },
              { name: 'correlation-id', config: { header_name: 'Kong-Request-ID', echo_downstream: true } },
              { name: 'jwt' },
            ],
          },
          { name: 'plain', paths: ['/plain'], plugins: [{ name: 'jwt' }] },
        ],
      },
    ],
    consumers: [{ username: 'chatter', jwt_secrets: [{ key: 'ws-cors-key', algorithm: 'HS256', secret: SECRET }] }],
  });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

describe('the 101 of a route with cors', () => {
  it("carries cors's response headers for an allowed Origin (and correlation-id's echo); messages flow", async () => {
    const { ws, headers } = await open101(`${wsBase(gw.proxy)}/chat/room`, { origin: ORIGIN, authorization: `Bearer ${token()}` });
    expect(headers).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Room',
    });
    expect(headers.vary).toMatch(/\bOrigin\b/);
    expect(headers['kong-request-id']).toBeTruthy();
    expect(await roundTrip(ws, 'hi')).toBe('echo:hi');
    ws.close();
    await closed(ws);
  });

  // With several origins Kong matches the request's (one literal origin it would send as it is).
  it('an Origin the route does not allow gets no Access-Control-Allow-Origin, as from Kong', async () => {
    const { ws, headers } = await open101(`${wsBase(gw.proxy)}/chat/room`, { origin: 'https://evil.example', authorization: `Bearer ${token()}` });
    expect(headers['access-control-allow-origin']).toBeUndefined();
    ws.close();
    await closed(ws);
  });

  it("a refused upgrade (no token) is jwt's 401 with the cors headers", async () => {
    const r = await refusal(`${wsBase(gw.proxy)}/chat/room`, { headers: { origin: ORIGIN } });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ message: 'Unauthorized' });
    expect(r.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('a route without cors: the 101 has no Access-Control-* header', async () => {
    const { ws, headers } = await open101(`${wsBase(gw.proxy)}/plain/room`, { origin: ORIGIN, authorization: `Bearer ${token()}` });
    expect(Object.keys(headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    ws.close();
    await closed(ws);
  });
});
