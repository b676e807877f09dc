import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { eventually, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * An API server outage must not touch the data plane: the last snapshot keeps serving, and the
 * watch resumes (relisting if needed) so later changes are picked up.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;
const tokenFor = (s: string) => mintToken({ algorithm: 'HS256', key: 'rs-key', secret: s, expiresInSeconds: 3600 });

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('restart');
  await env.apply(
    join(
      consumer(ns, 'carol'),
      secret(ns, 'carol-jwt', { secret: 'before' }),
      credential(ns, 'carol-hs', { consumer: 'carol', key: 'rs-key', secretName: 'carol-jwt' }),
      route(ns, 'api', { paths: ['/api'], backend: { url: `http://127.0.0.1:${echo.port}` }, jwt: true }),
    ),
  );
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'restart'] });
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('controller across an API server restart', () => {
  it('keeps serving the last snapshot during the outage and picks up later changes', async () => {
    const auth = { authorization: `Bearer ${tokenFor('before')}` };
    expect((await fetch(`${gw.proxy}/api`, { headers: auth })).status).toBe(200);

    // Traffic (and readiness probes) throughout the restart.
    const statuses: number[] = [];
    const ready: number[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        try {
          const res = await fetch(`${gw.proxy}/api`, { headers: auth });
          await res.arrayBuffer();
          statuses.push(res.status);
          ready.push((await fetch(`${gw.status}/readyz`)).status);
        } catch {
          statuses.push(-1); // a connection error is a failure too
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await env.cp.restartApiServer();
    // And a while after, while the watches reconnect.
    await new Promise((r) => setTimeout(r, 1_000));
    running = false;
    await load;

    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(ready.filter((s) => s !== 200)).toEqual([]);
    expect(gw.child.exitCode).toBeNull();

    // Changes after the restart: a new route and a rotated Secret.
    await env.apply(
      join(
        route(ns, 'after', { paths: ['/after'], backend: { url: `http://127.0.0.1:${echo.port}` } }),
        secret(ns, 'carol-jwt', { secret: 'after' }),
      ),
    );
    await eventually(async () => (await fetch(`${gw.proxy}/after`)).status === 200, 15_000, 'the new route');
    await eventually(
      async () => (await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${tokenFor('after')}` } })).status === 200,
      15_000,
      'the rotated secret',
    );
    expect((await fetch(`${gw.proxy}/api`, { headers: auth })).status).toBe(401);
  }, 60_000);
});
