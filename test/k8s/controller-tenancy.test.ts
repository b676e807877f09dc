import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { request, startEchoUpstream, type EchoUpstream } from '../support/http.js';
import {
  GROUP,
  VERSION,
  condition,
  eventsAbout,
  eventually,
  getCustom,
  startController,
  startKubeEnv,
  type CrdPlural,
  type KubeEnv,
} from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * Multi-tenancy on a real API server: a tenant cannot take over another namespace's Route or
 * revoke its credential by reusing the credential's (public) key. The established object keeps
 * winning (oldest creationTimestamp, then namespace/name); the newcomer is refused with a
 * condition and an Event naming the winner, and takes over only once the winner is gone. A host
 * policy set by the operator refuses Routes claiming a host their namespace may not use.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let victimUp: EchoUpstream;
let evilUp: EchoUpstream;
/** Requests each named upstream answered. */
const hits = { victim: 0, evil: 0 };
/** The host policy the controller runs with: hosts under `policyDomain` belong to `policyNs`. */
const policyNs = `pc-policy-${randomBytes(3).toString('hex')}`;
const policyDomain = `tenancy-${randomBytes(3).toString('hex')}.test`;

/** An upstream that answers its name, so a test sees which one a request reached. */
const named = (name: keyof typeof hits) =>
  startEchoUpstream((_req, res) => {
    hits[name]++;
    res.writeHead(200, { 'x-upstream-name': name });
    res.end(name);
    return true;
  });

const policy = { rules: [{ name: 'tenancy-hosts', hosts: [`*.${policyDomain}`], namespaces: [policyNs] }] };

beforeAll(async () => {
  [env, victimUp, evilUp] = await Promise.all([startKubeEnv(), named('victim'), named('evil')]);
  gw = await startController(env, {
    args: ['--lease-name', 'tenancy'],
    env: { PORTCULLIS_HOST_POLICY: JSON.stringify(policy) },
  });
});

afterAll(async () => {
  await gw?.stop();
  await victimUp?.close();
  await evilUp?.close();
  await env?.stop();
});

/** A namespace that sorts before every `pc-…` one, as an attacker would pick it. */
async function evilNamespace(): Promise<string> {
  const name = `aaa-evil-${randomBytes(3).toString('hex')}`;
  await env.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** creationTimestamp has one-second resolution: make sure the newcomer is strictly younger. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1_100));

async function answer(url: string, headers: Record<string, string> = {}): Promise<{ status: number; upstream: string | null }> {
  // node:http, not fetch: fetch does not let a caller set Host.
  const u = new URL(url);
  const res = await request(Number(u.port), `${u.pathname}${u.search}`, { headers });
  const upstream = res.headers['x-upstream-name'];
  return { status: res.status, upstream: typeof upstream === 'string' ? upstream : null };
}

async function programmed(plural: CrdPlural, ns: string, name: string) {
  return condition(await getCustom(env, plural, ns, name), 'Programmed');
}

async function remove(plural: CrdPlural, namespace: string, name: string): Promise<void> {
  await env.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name });
}

/** The victim's namespace: a consumer, an HS256 credential and a jwt-protected Route. */
async function victim(path: string, key: string, secretValue: string, extra: { hosts?: string[]; ns?: string } = {}): Promise<string> {
  const ns = extra.ns ?? (await env.namespace('demo'));
  await env.apply(
    join(
      consumer(ns, 'app'),
      secret(ns, 'app-jwt', { secret: secretValue }),
      credential(ns, 'app-hs', { consumer: 'app', key, secretName: 'app-jwt' }),
      route(ns, 'api', { paths: [path], backend: { url: victimUp.url }, jwt: true, ...(extra.hosts && { hosts: extra.hosts }) }),
    ),
  );
  return ns;
}

describe('cross-namespace route takeover', () => {
  it('an overlapping unprotected Route from an older-sorting namespace does not evict the established one', async () => {
    const path = `/tenancy-${randomBytes(3).toString('hex')}`;
    const key = `key-${randomBytes(4).toString('hex')}`;
    const token = mintToken({ algorithm: 'HS256', key, secret: 'victim-secret', expiresInSeconds: 3600 });
    const bearer = { authorization: `Bearer ${token}` };
    const ns = await victim(path, key, 'victim-secret');
    await eventually(async () => (await answer(`${gw.proxy}${path}`, bearer)).upstream === 'victim', 15_000, 'victim route live');
    await nextSecond();

    const evil = await evilNamespace();
    await env.apply(route(evil, 'api', { paths: [path], backend: { url: evilUp.url } }));
    // Once the controller has judged the newcomer, traffic is what it was before it came.
    const judged = await eventually(() => programmed('routes', evil, 'api'), 15_000, 'newcomer Route judged');
    for (let i = 0; i < 10; i++) {
      expect(await answer(`${gw.proxy}${path}/x`)).toEqual({ status: 401, upstream: null });
      expect(await answer(`${gw.proxy}${path}/x`, bearer)).toEqual({ status: 200, upstream: 'victim' });
    }
    expect(hits.evil).toBe(0);

    expect(judged.status).toBe('False');
    expect(judged.reason).toBe('RouteConflict');
    expect(judged.message).toContain(`Route ${ns}/api`);
    expect((await programmed('routes', ns, 'api'))?.status).toBe('True');
    const events = await eventually(async () => {
      const list = await eventsAbout(env, evil, 'Route', 'api');
      return list.some((e) => e.reason === 'RouteConflict') ? list : undefined;
    }, 10_000, 'RouteConflict Event');
    expect(events.find((e) => e.reason === 'RouteConflict')?.note).toContain(`${ns}/api`);

    // A second replica (a fresh process, as after a restart) picks the same winner from the
    // objects alone.
    const replica = await startController(env, { args: ['--lease-name', 'tenancy'], env: { PORTCULLIS_HOST_POLICY: JSON.stringify(policy) } });
    try {
      await eventually(async () => (await answer(`${replica.proxy}${path}`, bearer)).upstream === 'victim', 15_000, 'replica serving');
      expect(await answer(`${replica.proxy}${path}`)).toEqual({ status: 401, upstream: null });
    } finally {
      await replica.stop();
    }
    expect(hits.evil).toBe(0);

    // The order survives the winner's deletion: the newcomer then takes over.
    await remove('routes', ns, 'api');
    await eventually(async () => (await answer(`${gw.proxy}${path}`)).upstream === 'evil', 15_000, 'newcomer takes over');
    await eventually(async () => (await programmed('routes', evil, 'api'))?.status === 'True', 15_000, 'newcomer Programmed');
  });

  it('a Route sharing only one of its paths with the established Route is refused too', async () => {
    const path = `/tenancy-${randomBytes(3).toString('hex')}`;
    const key = `key-${randomBytes(4).toString('hex')}`;
    const ns = await victim(path, key, 'victim-secret');
    await eventually(async () => (await answer(`${gw.proxy}${path}`)).status === 401, 15_000, 'victim route live');
    await nextSecond();

    const evil = await evilNamespace();
    await env.apply(route(evil, 'wide', { paths: [`${path}-own`, path], backend: { url: evilUp.url } }));
    const refused = await eventually(async () => {
      const c = await programmed('routes', evil, 'wide');
      return c?.status === 'False' ? c : undefined;
    }, 15_000, 'partial overlap refused');
    expect(refused.reason).toBe('RouteConflict');
    expect(refused.message).toContain(`Route ${ns}/api`);
    expect(await answer(`${gw.proxy}${path}`)).toEqual({ status: 401, upstream: null });
  });
});

describe('cross-namespace credential revocation', () => {
  it('a newcomer reusing an established key is refused alone; old tokens keep working', async () => {
    const path = `/tenancy-${randomBytes(3).toString('hex')}`;
    const key = `key-${randomBytes(4).toString('hex')}`;
    const token = mintToken({ algorithm: 'HS256', key, secret: 'victim-secret', expiresInSeconds: 3600 });
    const bearer = { authorization: `Bearer ${token}` };
    const ns = await victim(path, key, 'victim-secret');
    await eventually(async () => (await answer(`${gw.proxy}${path}`, bearer)).status === 200, 15_000, 'victim token accepted');
    await nextSecond();

    const evil = await evilNamespace();
    await env.apply(
      join(
        consumer(evil, 'mallory'),
        secret(evil, 'm-jwt', { secret: 'mallory-secret' }),
        credential(evil, 'stolen', { consumer: 'mallory', key, secretName: 'm-jwt' }),
      ),
    );
    const refused = await eventually(async () => {
      const c = await programmed('jwtcredentials', evil, 'stolen');
      return c?.status === 'False' ? c : undefined;
    }, 15_000, 'newcomer credential refused');
    expect(refused.reason).toBe('KeyConflict');
    expect(refused.message).toContain(`JwtCredential ${ns}/app-hs`);
    expect((await programmed('jwtcredentials', ns, 'app-hs'))?.status).toBe('True');
    await eventually(async () => (await eventsAbout(env, evil, 'JwtCredential', 'stolen')).some((e) => e.reason === 'KeyConflict'), 10_000, 'KeyConflict Event');

    // Over a while, not just once: the old token is never refused.
    const evilToken = mintToken({ algorithm: 'HS256', key, secret: 'mallory-secret', expiresInSeconds: 3600 });
    for (let i = 0; i < 20; i++) {
      expect(await answer(`${gw.proxy}${path}`, bearer)).toEqual({ status: 200, upstream: 'victim' });
      expect((await answer(`${gw.proxy}${path}`, { authorization: `Bearer ${evilToken}` })).status).toBe(401);
      await new Promise((r) => setTimeout(r, 25));
    }

    // The winner deleted → the newcomer's credential takes the key.
    await remove('jwtcredentials', ns, 'app-hs');
    await eventually(async () => (await answer(`${gw.proxy}${path}`, { authorization: `Bearer ${evilToken}` })).status === 200, 15_000, 'newcomer takes the key');
    expect((await answer(`${gw.proxy}${path}`, bearer)).status).toBe(401);
    await eventually(async () => (await programmed('jwtcredentials', evil, 'stolen'))?.status === 'True', 15_000, 'newcomer Programmed');
  });
});

describe('host policy', () => {
  it('refuses a Route whose host its namespace may not claim, naming the host and the policy', async () => {
    const host = `api.${policyDomain}`;
    const key = `key-${randomBytes(4).toString('hex')}`;
    const path = '/policy';
    await env.core.createNamespace({ body: { metadata: { name: policyNs } } });
    await victim(path, key, 'victim-secret', { hosts: [host], ns: policyNs });
    const at = () => answer(`${gw.proxy}${path}`, { host });
    await eventually(async () => (await at()).status === 401, 15_000, 'victim route live');

    const evil = await evilNamespace();
    await env.apply(
      join(
        // Methods add to Kong's priority: without the policy this Route would outrank the victim's.
        route(evil, 'grab', { paths: [path], hosts: [host], backend: { url: evilUp.url } }).replace('spec:\n', 'spec:\n  methods: [GET]\n'),
        // A wildcard covering the governed hosts is refused too.
        route(evil, 'wild', { paths: [path], hosts: ['*.test'], backend: { url: evilUp.url } }),
        // A host outside every rule stays open to every namespace.
        route(evil, 'own', { paths: [path], hosts: [`evil.${policyDomain}.example`], backend: { url: evilUp.url } }),
      ),
    );
    for (const name of ['grab', 'wild']) {
      const c = await eventually(async () => {
        const a = condition(await getCustom(env, 'routes', evil, name), 'Accepted');
        return a?.status === 'False' ? a : undefined;
      }, 15_000, `${name} refused by the host policy`);
      expect(c.reason).toBe('HostNotAllowed');
      expect(c.message).toContain("host policy rule 'tenancy-hosts'");
      expect(c.message).toContain(name === 'grab' ? `'${host}'` : "'*.test'");
      expect((await programmed('routes', evil, name))?.status).toBe('False');
      await eventually(async () => (await eventsAbout(env, evil, 'Route', name)).some((e) => e.reason === 'HostNotAllowed'), 10_000, 'HostNotAllowed Event');
    }
    await eventually(async () => (await programmed('routes', evil, 'own'))?.status === 'True', 15_000, 'unrestricted host Programmed');
    expect(await answer(`${gw.proxy}${path}`, { host: `evil.${policyDomain}.example` })).toEqual({ status: 200, upstream: 'evil' });
    const before = hits.evil;
    for (let i = 0; i < 5; i++) expect(await at()).toEqual({ status: 401, upstream: null });
    expect(hits.evil).toBe(before);
    expect((await programmed('routes', policyNs, 'api'))?.status).toBe('True');
  });
});
