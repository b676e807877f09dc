import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { eventually, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * The status page (docs/status-page.md) in controller mode, over the snapshot built from the real
 * API server's objects: namespaced routes with their protection, the JwtCredential without its
 * Secret's value, the credential whose Secret is missing as not programmed (namespace/name, field,
 * reason), and the refusal the proxy just answered.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;

const MARKER = 'Qz4StatusPageSecretInK8s';

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('statuspage');
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'statuspage'] });
  await env.apply(
    join(
      consumer(ns, 'erin'),
      secret(ns, 'erin-jwt', { secret: MARKER }),
      credential(ns, 'erin-hs', { consumer: 'erin', key: `${ns}-key`, secretName: 'erin-jwt' }),
      credential(ns, 'lost', { consumer: 'erin', key: `${ns}-lost`, secretName: 'no-such-secret' }),
      route(ns, 'api', { paths: [`/${ns}`], backend: { url: echo.url }, jwt: true }),
      route(ns, 'open', { paths: [`/open-${ns}`], backend: { url: echo.url } }),
    ),
  );
  const token = mintToken({ algorithm: 'HS256', key: `${ns}-key`, secret: MARKER });
  await eventually(async () => (await fetch(`${gw.proxy}/${ns}`, { headers: { authorization: `Bearer ${token}` } })).status === 200, 15_000, 'the route to serve');
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('status page in controller mode', () => {
  it('shows the CRs, what is not programmed and the last refusal, never the Secret', async () => {
    const res = await fetch(`${gw.proxy}/${ns}/x`);
    await res.arrayBuffer();
    expect(res.status).toBe(401);
    const v = (await (await fetch(`${gw.admin}/ui/status.json`)).json()) as Record<string, any>;
    expect(v.mode).toBe('controller');
    // Route names as metrics and the access log label them (scope/namespace.name).
    expect(Object.fromEntries(v.routes.map((r: any) => [r.name, r.protection]))).toEqual({ [`${ns}/${ns}.api`]: 'jwt', [`${ns}/${ns}.open`]: 'none' });
    const erin = v.consumers.find((c: any) => c.username === 'erin');
    expect(erin.credentials).toEqual([expect.objectContaining({ key: `${ns}-key`, kind: 'hmac', state: 'ok' })]);
    const lost = v.notProgrammed.find((p: any) => p.object === `${ns}/lost`);
    expect(lost).toMatchObject({ severity: 'error', kind: 'JwtCredential', location: ns });
    expect(lost.reason).toMatch(/\w/);
    expect(v.rejections[0]).toMatchObject({ status: 401, reason: 'no_token', route: `${ns}/${ns}.api`, target: `/${ns}/x` });
    const html = await (await fetch(`${gw.admin}/ui`)).text();
    expect(html).toContain(`${ns}/lost`);
    expect(html + JSON.stringify(v)).not.toContain(MARKER);
  });
});
