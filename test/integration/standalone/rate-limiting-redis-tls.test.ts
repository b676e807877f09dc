import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { selfSignedCert, type TestCert } from '../../support/openssl-cert.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * rate-limiting's redis.ssl / ssl_verify / server_name against a TLS-only redis-server
 * (docs/rate-limiting.md#redis): the certificate is trusted through NODE_EXTRA_CA_CERTS (Kong's
 * lua_ssl_trusted_certificate); with ssl_verify a wrong server_name fails the handshake, which
 * fault_tolerant false answers with 500; without ssl_verify the name is not checked.
 */
let echo: EchoUpstream;
let redis: RedisServer;
let cert: TestCert;
let gw: StandaloneGateway;

beforeAll(async () => {
  cert = selfSignedCert();
  echo = await startEchoUpstream();
  redis = await startRedisServer({ tls: { certPath: cert.certPath, keyPath: path.join(path.dirname(cert.certPath), 'key.pem') } });
  const rl = (redisConf: Record<string, unknown>) => [
    { name: 'rate-limiting', config: { day: 2, limit_by: 'ip', policy: 'redis', fault_tolerant: false, redis: { host: '127.0.0.1', port: redis.port, timeout: 1000, ssl: true, ...redisConf } } },
  ];
  gw = await startStandalone(
    {
      services: [
        {
          name: 'echo',
          url: echo.url,
          routes: [
            { name: 'verified', paths: ['/verified'], plugins: rl({ ssl_verify: true }) },
            { name: 'wrong-name', paths: ['/wrong-name'], plugins: rl({ ssl_verify: true, server_name: 'redis.invalid' }) },
            { name: 'unverified', paths: ['/unverified'], plugins: rl({ ssl_verify: false, server_name: 'redis.invalid' }) },
          ],
        },
      ],
    },
    { env: { NODE_EXTRA_CA_CERTS: cert.certPath } },
  );
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await redis?.stop();
  await echo?.close();
  cert?.remove();
});

const get = async (p: string) => {
  const res = await fetch(`${gw.proxy}${p}`);
  await res.text();
  return { status: res.status, remaining: res.headers.get('x-ratelimit-remaining-day') };
};

describe('rate-limiting, redis over TLS', () => {
  it('ssl_verify with the right name: counted in Redis', async () => {
    expect(await get('/verified')).toEqual({ status: 200, remaining: '1' });
    expect(await get('/verified')).toEqual({ status: 200, remaining: '0' });
    expect((await get('/verified')).status).toBe(429);
  });

  it('ssl_verify with a name the certificate does not have: no connection, 500 (fault_tolerant false)', async () => {
    expect((await get('/wrong-name')).status).toBe(500);
  });

  it('without ssl_verify the name is not checked', async () => {
    expect(await get('/unverified')).toEqual({ status: 200, remaining: '1' });
  });
});
