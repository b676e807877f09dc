import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, rawRequest, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/** A fully-qualified Host ("secure.example.") names the same host: it must not skip the jwt route. */
const SECRET = 'trailing-dot-secret-0123456789';
let upstream: EchoUpstream;
let gw: StandaloneGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone({
    services: [
      {
        name: 'echo',
        url: upstream.url,
        routes: [
          { name: 'secure', hosts: ['secure.example'], paths: ['/'], plugins: [{ name: 'jwt', config: {} }] },
          { name: 'wild', hosts: ['*.wild.example'], paths: ['/'], plugins: [{ name: 'jwt', config: {} }] },
          { name: 'kept-host', hosts: ['kept.example.'], paths: ['/'], preserve_host: true },
          { name: 'public', paths: ['/'] },
        ],
      },
    ],
    consumers: [{ username: 'dot', jwt_secrets: [{ key: 'dot-key', secret: SECRET }] }],
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const get = (host: string, extra: string[] = []) => rawRequest(portOf(gw.proxy), [`GET /api HTTP/1.1`, `Host: ${host}`, ...extra].join('\n'));

describe('Host with one trailing dot', () => {
  it.each(['secure.example.', 'SECURE.example.', 'secure.example.:8000', 'a.wild.example.', 'a.wild.example.:8000'])(
    '%s is held by the jwt route (401 without a token)',
    async (host) => {
      const r = await get(host);
      expect(r.status, r.body).toBe(401);
    },
  );

  it('a valid token passes, and X-Forwarded-Host carries the normalized host', async () => {
    const token = mintToken({ algorithm: 'HS256', key: 'dot-key', secret: SECRET, expiresInSeconds: 300 });
    const r = await get('secure.example.:8000', [`Authorization: Bearer ${token}`]);
    expect(r.status, r.body).toBe(200);
    const seen = JSON.parse(r.body) as { headers: Record<string, string> };
    expect(seen.headers['x-consumer-username']).toBe('dot');
    expect(seen.headers['x-forwarded-host']).toBe('secure.example');
    expect(seen.headers.host).toBe(`127.0.0.1:${upstream.port}`);
  });

  it('a route host written with the dot matches both spellings; preserve_host forwards the client Host as sent', async () => {
    for (const host of ['kept.example', 'kept.example.', 'kept.example.:8000']) {
      const r = await get(host);
      expect(r.status, host).toBe(200);
      const seen = JSON.parse(r.body) as { headers: Record<string, string> };
      expect(seen.headers.host, host).toBe(host);
      expect(seen.headers['x-forwarded-host'], host).toBe('kept.example');
    }
  });

  it('other hosts still reach the catch-all', async () => {
    expect((await get('elsewhere.example.')).status).toBe(200);
  });
});
