import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestKeyPair } from '../../src/tokens/test-keys.js';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import {
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
 * Failures are data: each broken object gets Accepted/Programmed conditions (reason, message,
 * observedGeneration) and a Warning Event, the rest keeps serving, and fixing it clears the condition.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
const rsa = generateTestKeyPair('RS256');

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  gw = await startController(env, { args: ['--lease-name', 'failures'] });
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

interface FailureCase {
  name: string;
  /** Objects to apply; `ns2` is a second namespace for cross-namespace cases. */
  broken(ns: string, ns2: string, backend: string): string;
  fault: { plural: CrdPlural; kind: string; name: string; inNs2?: boolean };
  accepted: 'True' | 'False';
  reason: string;
  message: RegExp;
  fix(ns: string, ns2: string, backend: string): string;
}

const cases: FailureCase[] = [
  {
    name: 'missing Secret',
    broken: (ns) => credential(ns, 'bob-hs', { consumer: 'good', key: `${ns}-bob`, secretName: 'nope' }),
    fault: { plural: 'jwtcredentials', kind: 'JwtCredential', name: 'bob-hs' },
    accepted: 'True',
    reason: 'SecretNotFound',
    message: /Secret '.*\/nope' not found/,
    fix: (ns) => secret(ns, 'nope', { secret: 'bob-secret' }),
  },
  {
    name: 'missing Secret key',
    broken: (ns) => join(secret(ns, 'bob-jwt', { other: 'x' }), credential(ns, 'bob-hs', { consumer: 'good', key: `${ns}-bob`, secretName: 'bob-jwt' })),
    fault: { plural: 'jwtcredentials', kind: 'JwtCredential', name: 'bob-hs' },
    accepted: 'True',
    reason: 'SecretKeyNotFound',
    message: /has no key 'secret'/,
    fix: (ns) => secret(ns, 'bob-jwt', { other: 'x', secret: 'bob-secret' }),
  },
  {
    name: 'missing consumer',
    broken: (ns) => join(secret(ns, 'bob-jwt', { secret: 'bob-secret' }), credential(ns, 'bob-hs', { consumer: 'ghost', key: `${ns}-bob`, secretName: 'bob-jwt' })),
    fault: { plural: 'jwtcredentials', kind: 'JwtCredential', name: 'bob-hs' },
    accepted: 'True',
    reason: 'ConsumerNotFound',
    message: /ghost/,
    fix: (ns) => consumer(ns, 'ghost'),
  },
  {
    name: 'duplicate credential key across two namespaces',
    broken: (ns, ns2) =>
      join(
        consumer(ns2, 'mallory'),
        secret(ns2, 'm-jwt', { secret: 'mallory-secret' }),
        // The same key as the good credential in `ns`.
        credential(ns2, 'mallory-hs', { consumer: 'mallory', key: `${ns}-good`, secretName: 'm-jwt' }),
      ),
    fault: { plural: 'jwtcredentials', kind: 'JwtCredential', name: 'mallory-hs', inNs2: true },
    accepted: 'True',
    reason: 'KeyConflict',
    message: /./,
    fix: (ns, ns2) => credential(ns2, 'mallory-hs', { consumer: 'mallory', key: `${ns2}-mallory`, secretName: 'm-jwt' }),
  },
  {
    name: 'unparsable PEM',
    broken: (ns) =>
      join(
        secret(ns, 'bob-pem', { pem: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' }),
        credential(ns, 'bob-rs', { consumer: 'good', key: `${ns}-bob`, algorithm: 'RS256', secretName: 'bob-pem', secretKey: 'pem', publicKey: true }),
      ),
    fault: { plural: 'jwtcredentials', kind: 'JwtCredential', name: 'bob-rs' },
    accepted: 'True',
    reason: 'InvalidKey',
    message: /./,
    fix: (ns) => secret(ns, 'bob-pem', { pem: rsa.publicKeyPem }),
  },
  {
    name: 'bad regex path',
    broken: (ns, _ns2, backend) => route(ns, 'regex', { paths: [`~/${ns}/(unclosed`], backend: { url: backend } }),
    fault: { plural: 'routes', kind: 'Route', name: 'regex' },
    accepted: 'False',
    reason: 'InvalidRegex',
    message: /./,
    fix: (ns, _ns2, backend) => route(ns, 'regex', { paths: [`~/${ns}/(closed)$`], backend: { url: backend } }),
  },
  {
    name: 'regex path no linear-time engine can run (backreference)',
    broken: (ns, _ns2, backend) => route(ns, 'twice', { paths: [`~/${ns}/(\\d+)/\\1$`], backend: { url: backend } }),
    fault: { plural: 'routes', kind: 'Route', name: 'twice' },
    accepted: 'False',
    reason: 'InvalidRegex',
    message: /paths\[0\]: invalid regex: .*backreference '\\1' is not supported: it cannot be matched in linear time/,
    fix: (ns, _ns2, backend) => route(ns, 'twice', { paths: [`~/${ns}/(\\d+)/\\d+$`], backend: { url: backend } }),
  },
  {
    name: 'conflicting routes',
    // Sorted after "good", so it is the one refused.
    broken: (ns, _ns2, backend) => route(ns, 'zz-dup', { paths: [`/${ns}`], backend: { url: backend } }),
    fault: { plural: 'routes', kind: 'Route', name: 'zz-dup' },
    accepted: 'True',
    reason: 'RouteConflict',
    message: /matches exactly the same requests as Route .*\/good/,
    fix: (ns, _ns2, backend) => route(ns, 'zz-dup', { paths: [`/${ns}-other`], backend: { url: backend } }),
  },
];

// Values sent upstream as identity headers: refused at load, naming the field (not a 5xx per request).
cases.push(
  {
    name: 'consumer username with CR LF',
    broken: (ns) => consumer(ns, 'crlf', { username: 'evil\r\nX-Consumer-Username: admin' }),
    fault: { plural: 'kongconsumers', kind: 'KongConsumer', name: 'crlf' },
    accepted: 'False',
    reason: 'InvalidHeaderValue',
    message: /spec\.username contains a control character \(CR\)/,
    fix: (ns) => consumer(ns, 'crlf', { username: 'crlf-fixed' }),
  },
  {
    name: 'credential key with LF',
    broken: (ns) => join(secret(ns, 'lf-jwt', { secret: 'lf-secret' }), credential(ns, 'lf-hs', { consumer: 'good', key: `${ns}\nlf`, secretName: 'lf-jwt' })),
    fault: { plural: 'jwtcredentials', kind: 'JwtCredential', name: 'lf-hs' },
    accepted: 'False',
    reason: 'InvalidHeaderValue',
    message: /spec\.key contains a control character \(LF\)/,
    fix: (ns) => credential(ns, 'lf-hs', { consumer: 'good', key: `${ns}-lf`, secretName: 'lf-jwt' }),
  },
);

describe('controller failures become status conditions and Events', () => {
  it.each(cases)('$name', async (c) => {
    const [ns, ns2] = await Promise.all([env.namespace('fail'), env.namespace('fail2')]);
    const backend = `http://127.0.0.1:${echo.port}`;
    const goodKey = `${ns}-good`;
    const goodToken = mintToken({ algorithm: 'HS256', key: goodKey, secret: 'good-secret', expiresInSeconds: 3600 });
    const serves = async () => (await fetch(`${gw.proxy}/${ns}`, { headers: { authorization: `Bearer ${goodToken}` } })).status === 200;

    await env.apply(
      join(
        consumer(ns, 'good'),
        secret(ns, 'good-jwt', { secret: 'good-secret' }),
        credential(ns, 'good-hs', { consumer: 'good', key: goodKey, secretName: 'good-jwt' }),
        route(ns, 'good', { paths: [`/${ns}`], backend: { url: backend }, jwt: true }),
      ),
    );
    await eventually(serves, 10_000, 'the good route to serve');

    await env.apply(c.broken(ns, ns2, backend));
    const faultNs = c.fault.inNs2 ? ns2 : ns;
    const obj = await eventually(async () => {
      const o = await getCustom(env, c.fault.plural, faultNs, c.fault.name);
      return condition(o, 'Programmed')?.status === 'False' ? o : undefined;
    }, 10_000, `${c.fault.kind} ${c.fault.name} Programmed=False`);
    const programmed = condition(obj, 'Programmed')!;
    const accepted = condition(obj, 'Accepted')!;
    expect(programmed.reason).toBe(c.reason);
    expect(programmed.message).toMatch(c.message);
    expect(programmed.observedGeneration).toBe(obj.metadata.generation);
    expect(accepted.status).toBe(c.accepted);
    if (c.accepted === 'False') expect(accepted.reason).toBe(c.reason);
    expect(accepted.observedGeneration).toBe(obj.metadata.generation);

    const events = await eventually(async () => {
      const list = await eventsAbout(env, faultNs, c.fault.kind, c.fault.name);
      return list.some((e) => e.reason === c.reason) ? list : undefined;
    }, 10_000, `an Event about ${c.fault.name}`);
    const event = events.find((e) => e.reason === c.reason)!;
    expect(event.type).toBe('Warning');
    expect(event.regarding?.uid).toBe(obj.metadata.uid);
    expect(event.regarding?.apiVersion).toBe('portcullis.dev/v1alpha1');

    if (c.reason === 'KeyConflict') {
      // The established credential keeps its key (docs/multi-tenancy.md): only the newcomer is refused.
      const good = await getCustom(env, 'jwtcredentials', ns, 'good-hs');
      expect(condition(good, 'Programmed')).toMatchObject({ status: 'True' });
    }
    expect(await serves()).toBe(true);

    await env.apply(c.fix(ns, ns2, backend));
    const fixed = await eventually(async () => {
      const o = await getCustom(env, c.fault.plural, faultNs, c.fault.name);
      return condition(o, 'Programmed')?.status === 'True' && condition(o, 'Accepted')?.status === 'True' ? o : undefined;
    }, 10_000, `${c.fault.kind} ${c.fault.name} Programmed=True after the fix`);
    expect(condition(fixed, 'Programmed')!.observedGeneration).toBe(fixed.metadata.generation);
    await eventually(serves, 5_000, 'the good route to serve after the fix');
  });

  it('the rest of the snapshot kept serving through all of it', () => {
    expect(gw.output()).not.toMatch(/snapshot build failed/);
    expect(gw.output()).not.toContain('good-secret');
  });
});
