import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { credential, join, secret } from '../support/crs.js';

/**
 * Route spec.plugins.acl / cors and KongConsumer spec.groups against a real API server
 * (docs/acl.md, docs/cors.md): the CRD refuses an acl with both lists; groups decide and reach the
 * upstream in X-Consumer-Groups; a changed group list takes effect; a browser preflight is answered
 * before jwt; an origin regex the controller refuses sets Accepted=False naming the field and the
 * Route answers 500 while the others serve.
 */
const SECRET = 'acl-cors-k8s-secret-0123456789';
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;

const consumerDoc = (name: string, groups?: string[]) =>
  YAML.stringify({ apiVersion: 'portcullis.dev/v1alpha1', kind: 'KongConsumer', metadata: { name, namespace: ns }, spec: { username: name, ...(groups && { groups }) } });
const routeDoc = (name: string, plugins: Record<string, unknown>): string =>
  YAML.stringify({ apiVersion: 'portcullis.dev/v1alpha1', kind: 'Route', metadata: { name, namespace: ns }, spec: { paths: [`/${name}`], backend: { url: echo.url }, plugins } });
const bearer = (key: string) => ({ authorization: `Bearer ${mintToken({ algorithm: 'HS256', key, secret: SECRET, expiresInSeconds: 300 })}` });

/** node:http, so the Origin header goes exactly as given (fetch manages Origin itself). */
function send(method: string, p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(new URL(gw.proxy).port), method, path: p, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: new Map(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('aclcors');
  await env.apply(
    join(
      consumerDoc('alice', ['dev', 'ops']),
      consumerDoc('bob'),
      secret(ns, 'shared', { secret: SECRET }),
      credential(ns, 'alice-cred', { consumer: 'alice', key: 'alice-key', secretName: 'shared' }),
      credential(ns, 'bob-cred', { consumer: 'bob', key: 'bob-key', secretName: 'shared' }),
      routeDoc('api', {
        cors: { origins: ['https://app.example'], methods: ['GET'], headers: ['Authorization'], credentials: true },
        jwt: {},
        acl: { allow: ['dev'] },
      }),
      routeDoc('broken', { cors: { origins: ['(unclosed'] } }),
    ),
  );
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'aclcors'] });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('Route spec.plugins.acl / cors with KongConsumer spec.groups', () => {
  it('the API server refuses an acl with both allow and deny', async () => {
    await expect(env.apply(routeDoc('both', { acl: { allow: ['a'], deny: ['b'] } }))).rejects.toThrow(/exactly one of allow or deny is required/);
  });

  it('a member passes with X-Consumer-Groups; a consumer without the group gets 403', async () => {
    await eventually(async () => (await send('GET', '/api', bearer('alice-key'))).status === 200, 30_000, 'api Route served');
    const ok = await send('GET', '/api', bearer('alice-key'));
    expect((JSON.parse(ok.body).headers as Record<string, string>)['x-consumer-groups']).toBe('dev, ops');
    const refused = await send('GET', '/api', bearer('bob-key'));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ message: 'You cannot consume this service' });
  });

  it('giving bob the group lets him in', async () => {
    await env.apply(consumerDoc('bob', ['dev']));
    await eventually(async () => (await send('GET', '/api', bearer('bob-key'))).status === 200, 30_000, 'bob allowed');
  });

  it('a preflight is answered before jwt; the 401 without a token carries the CORS headers', async () => {
    const preflight = await send('OPTIONS', '/api', { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET');
    const noToken = await send('GET', '/api', { origin: 'https://app.example' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(noToken.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('an origin that is not a regex: Accepted=False naming the field, the Route answers 500, the others serve', async () => {
    const broken = await eventually(async () => {
      const r = await getCustom(env, 'routes', ns, 'broken');
      return condition(r, 'Accepted')?.status === 'False' ? r : undefined;
    }, 30_000, 'Accepted=False on Route broken');
    expect(condition(broken, 'Accepted')?.message).toMatch(/spec\.plugins\.cors\.origins\.0: '\(unclosed' is not a valid regex/);
    expect((await send('GET', '/broken')).status).toBe(500);
    expect((await send('GET', '/api', bearer('alice-key'))).status).toBe(200);
  });
});
