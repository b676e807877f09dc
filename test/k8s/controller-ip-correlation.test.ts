import http from 'node:http';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';

/**
 * spec.plugins.ipRestriction and spec.plugins.correlationId on Route CRs against a real API server
 * (docs/ip-restriction.md, docs/correlation-id.md): the CRD refuses an ipRestriction with neither
 * list; what only the controller checks (an address that is not one) sets Accepted=False naming the
 * field and the Route answers 500 while the others serve; X-Forwarded-For from the trusted peer
 * decides the client address; the correlation id reaches the upstream and is echoed.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;

const routeDoc = (name: string, plugins: Record<string, unknown>): string =>
  YAML.stringify({
    apiVersion: 'portcullis.dev/v1alpha1',
    kind: 'Route',
    metadata: { name, namespace: ns },
    spec: { paths: [`/${name}`], backend: { url: echo.url }, plugins },
  });

function get(p: string, headers: Record<string, string> = {}, from = '127.0.0.1'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(new URL(gw.proxy).port), localAddress: from, path: p, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('ipcorr');
  await env.apply(
    [
      routeDoc('guarded', { ipRestriction: { deny: ['10.0.0.0/8', '127.0.0.3'] }, correlationId: { headerName: 'X-Trace-Id', generator: 'uuid', echoDownstream: true } }),
      routeDoc('broken', { ipRestriction: { allow: ['10.0.0.300'] } }),
    ].join('---\n'),
  );
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'ipcorr', '--trusted-ips', '127.0.0.1', '--real-ip-header', 'X-Forwarded-For'] });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('Route spec.plugins.ipRestriction / correlationId', () => {
  it('the API server refuses an ipRestriction with neither allow nor deny', async () => {
    await expect(env.apply(routeDoc('empty', { ipRestriction: { status: 403 } }))).rejects.toThrow(/at least one of allow or deny is required/);
  });

  it('ip-restriction on the real client address: the trusted peer\'s X-Forwarded-For decides', async () => {
    await eventually(async () => (await get('/guarded')).status === 200, 30_000, 'guarded Route served');
    const viaProxy = await get('/guarded', { 'x-forwarded-for': '10.9.8.7' });
    expect(viaProxy.status).toBe(403);
    expect(JSON.parse(viaProxy.body)).toMatchObject({ message: 'IP address not allowed: 10.9.8.7' });
    expect((await get('/guarded', { 'x-forwarded-for': '10.9.8.7' }, '127.0.0.2')).status).toBe(200);
    expect((await get('/guarded', {}, '127.0.0.3')).status).toBe(403);
  });

  it('correlation-id: generated id upstream and echoed, also on the 403; a client value is kept', async () => {
    const ok = await get('/guarded');
    const seen = JSON.parse(ok.body).headers as Record<string, string>;
    expect(seen['x-trace-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ok.headers['x-trace-id']).toBe(seen['x-trace-id']);
    const denied = await get('/guarded', {}, '127.0.0.3');
    expect(denied.headers['x-trace-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await get('/guarded', { 'x-trace-id': 'from-client' });
    expect((JSON.parse(kept.body).headers as Record<string, string>)['x-trace-id']).toBe('from-client');
  });

  it('an address that is not one: Accepted=False naming the field, the Route answers 500; fixing it serves', async () => {
    const broken = await eventually(async () => {
      const r = await getCustom(env, 'routes', ns, 'broken');
      return condition(r, 'Accepted')?.status === 'False' ? r : undefined;
    }, 30_000, 'Accepted=False on Route broken');
    expect(condition(broken, 'Accepted')?.message).toMatch(/spec\.plugins\.ipRestriction\.allow\.0: must be an IP address or a CIDR block/);
    expect((await get('/broken')).status).toBe(500);
    expect((await get('/guarded')).status).toBe(200);
    await env.apply(routeDoc('broken', { ipRestriction: { allow: ['127.0.0.0/8'] } }));
    await eventually(async () => condition(await getCustom(env, 'routes', ns, 'broken'), 'Accepted')?.status === 'True', 30_000, 'Accepted=True');
    await eventually(async () => (await get('/broken')).status === 200, 30_000, 'broken Route served');
    expect((await get('/broken', { 'x-forwarded-for': '192.0.2.1' })).status).toBe(403);
  });
});
