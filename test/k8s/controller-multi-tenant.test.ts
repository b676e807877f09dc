import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { request, startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { portOf } from '../support/standalone.js';
import { condition, eventually, getCustom, startController, startKubeEnv, type CrdPlural, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * Several tenants in several namespaces behind one cluster-wide controller; established tenants
 * are attacked, after the fact, by an outside namespace and by one of the tenants:
 * - route takeover: a Route with exactly a victim's hosts and paths but no jwt plugin (it would
 *   serve the victim's traffic to the attacker's backend, unauthenticated);
 * - credential takeover: a JwtCredential reusing a victim's key with the attacker's own secret
 *   (tokens the attacker signs would authenticate, or the victim's key would be refused).
 * The attackers' namespaces sort before the victims' (pc-a-…, pc-tk-… < pc-tm-…), so an order by
 * name would hand them the prize: what must decide is who was there first. Victims keep working
 * exactly as before, the attackers' tokens are refused, and the attacking objects are reported.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;

interface Tenant {
  ns: string;
  name: string;
  host: string;
  key: string;
  secret: string;
}
let victims: Tenant[];
let insider: Tenant; // a tenant that also attacks
let outsiderNs: string;

const tokenOf = (key: string, secret: string) => mintToken({ algorithm: 'HS256', key, secret, expiresInSeconds: 3600 });
const backend = (who: string) => `http://127.0.0.1:${echo.port}/${who}`;

function tenantObjects(t: Tenant): string {
  return join(
    consumer(t.ns, t.name),
    secret(t.ns, `${t.name}-jwt`, { secret: t.secret }),
    credential(t.ns, `${t.name}-hs`, { consumer: t.name, key: t.key, secretName: `${t.name}-jwt` }),
    route(t.ns, 'api', { hosts: [t.host], paths: ['/api'], backend: { url: backend(t.name) }, jwt: true }),
  );
}

async function get(host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; url?: string; user?: string }> {
  // node:http, not fetch: fetch does not let a caller choose the Host header.
  const res = await request(portOf(gw.proxy), '/api/x', { headers: { host, ...headers } });
  const body = res.body;
  if (res.headers['x-upstream'] !== 'echo') return { status: res.status, body };
  const echoed = JSON.parse(body) as { url: string; headers: Record<string, string> };
  return { status: res.status, body: '', url: echoed.url, user: echoed.headers['x-consumer-username'] };
}

/** What a victim's legitimate client and an anonymous client see. */
async function expectIntact(v: Tenant): Promise<void> {
  expect(await get(v.host, { authorization: `Bearer ${tokenOf(v.key, v.secret)}` }), v.name).toEqual({ status: 200, body: '', url: `/${v.name}/x`, user: v.name });
  expect(await get(v.host), v.name).toEqual({ status: 401, body: '{"message":"Unauthorized"}' });
}

/** The object's Programmed condition once the controller has processed its current generation. */
async function programmed(plural: CrdPlural, ns: string, name: string): Promise<{ status: string; reason: string }> {
  return eventually(async () => {
    const o = await getCustom(env, plural, ns, name);
    const c = condition(o, 'Programmed');
    return c !== undefined && c.observedGeneration === o.metadata.generation ? c : undefined;
  }, 20_000, `${plural} ${ns}/${name} processed`);
}

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  const nss = await Promise.all(['tk', 'tm', 'tn', 'tp'].map((p) => env.namespace(p)));
  const tenants = nss.map((ns, i) => ({ ns, name: `tenant${i}`, host: `t${i}.example.com`, key: `${ns}-key`, secret: `tenant${i}-secret-0123456789` }));
  [insider, ...victims] = tenants as [Tenant, ...Tenant[]];
  outsiderNs = await env.namespace('a');
  await env.apply(join(...tenants.map(tenantObjects)));
  gw = await startController(env, { args: ['--lease-name', 'multi-tenant'] });
  for (const t of tenants) await eventually(async () => (await get(t.host, { authorization: `Bearer ${tokenOf(t.key, t.secret)}` })).status === 200, 20_000, `${t.name} serving`);
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('tenants in several namespaces cannot take each other’s routes or credentials', () => {
  it('every tenant starts out served and authenticated', async () => {
    for (const v of [insider, ...victims]) await expectIntact(v);
  });

  it('a later Route with a victim’s exact hosts and paths and no jwt does not take its traffic', async () => {
    const [v0, v1, v2] = victims as [Tenant, Tenant, Tenant];
    await env.apply(
      join(
        consumer(outsiderNs, 'mallory'),
        route(outsiderNs, 'steal-0', { hosts: [v0.host], paths: ['/api'], backend: { url: backend('mallory') } }),
        route(outsiderNs, 'steal-1', { hosts: [v1.host], paths: ['/api'], backend: { url: backend('mallory') } }),
        // The same path without a host: less specific, it must not win either.
        route(outsiderNs, 'any-host', { paths: ['/api'], backend: { url: backend('mallory') } }),
        route(insider.ns, 'steal-2', { hosts: [v2.host], paths: ['/api'], backend: { url: backend('insider') } }),
      ),
    );
    const attacks = [[outsiderNs, 'steal-0'], [outsiderNs, 'steal-1'], [insider.ns, 'steal-2'], [outsiderNs, 'any-host']] as const;
    try {
      for (const [ns, name] of attacks.slice(0, 3)) {
        expect(await programmed('routes', ns, name), `${ns}/${name}`).toMatchObject({ status: 'False', reason: 'RouteConflict' });
      }
      await programmed('routes', outsiderNs, 'any-host');
      for (const v of victims) await expectIntact(v);
      await expectIntact(insider);
    } finally {
      // The next case is about credentials alone, whatever happened here.
      for (const [namespace, name] of attacks) {
        await env.custom.deleteNamespacedCustomObject({ group: 'portcullis.dev', version: 'v1alpha1', plural: 'routes', namespace, name });
      }
      for (const v of victims) {
        await eventually(async () => (await get(v.host)).status === 401, 20_000, `${v.name} routed to its own Route again`);
      }
    }
  });

  it('a later JwtCredential reusing a victim’s key neither authenticates the attacker nor locks the victim out', async () => {
    const [v0, v1, v2] = victims as [Tenant, Tenant, Tenant];
    const attackerSecret = 'attacker-secret-0123456789';
    await env.apply(
      join(
        secret(outsiderNs, 'mallory-jwt', { secret: attackerSecret }),
        credential(outsiderNs, 'reuse-0', { consumer: 'mallory', key: v0.key, secretName: 'mallory-jwt' }),
        credential(outsiderNs, 'reuse-1', { consumer: 'mallory', key: v1.key, secretName: 'mallory-jwt' }),
        secret(insider.ns, 'insider-jwt', { secret: attackerSecret }),
        credential(insider.ns, 'reuse-2', { consumer: insider.name, key: v2.key, secretName: 'insider-jwt' }),
      ),
    );
    for (const [ns, name] of [[outsiderNs, 'reuse-0'], [outsiderNs, 'reuse-1'], [insider.ns, 'reuse-2']] as const) {
      expect(await programmed('jwtcredentials', ns, name), `${ns}/${name}`).toMatchObject({ status: 'False', reason: 'KeyConflict' });
    }
    for (const v of victims) {
      await expectIntact(v);
      // The attacker's token for the victim's key is checked against the victim's secret.
      expect(await get(v.host, { authorization: `Bearer ${tokenOf(v.key, attackerSecret)}` })).toEqual({ status: 401, body: '{"message":"Invalid signature"}' });
    }
    for (const [ns, name] of [[victims[0]!.ns, `${victims[0]!.name}-hs`], [insider.ns, `${insider.name}-hs`]] as const) {
      expect(condition(await getCustom(env, 'jwtcredentials', ns, name), 'Programmed')?.status).toBe('True');
    }
    await expectIntact(insider);
  });

  it('nothing secret reached the log', () => {
    expect(gw.output()).not.toMatch(/tenant\d-secret|attacker-secret/);
  });
});
