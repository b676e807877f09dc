import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { convertResources } from '../../../../src/sources/manifests/convert.js';
import { checkManifests } from '../../../../src/sources/manifests/validate.js';

const KONG_YML = stringify({
  _format_version: '3.0',
  services: [
    {
      name: 'Orders API',
      url: 'http://10.0.0.5:8080',
      read_timeout: 5000,
      routes: [
        { name: 'orders', paths: ['/orders'], methods: ['GET'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'], anonymous: 'Guest User' } }] },
        { name: 'by-header', headers: { 'x-v': ['2'] }, paths: ['~/v2/\\d+$'] },
      ],
    },
    { name: 'ext', url: 'https://api.example.com/base', routes: [{ name: 'ext', hosts: ['ext.test'] }] },
  ],
  consumers: [
    { username: 'Alice', id: '4b6d9e36-5e5f-4d62-9fa5-0f5c35b0a1f1', jwt_secrets: [{ key: 'alice-key', secret: 's3cret', kid: 'k1' }] },
    { username: 'Guest User' },
  ],
});

const convert = (target: 'portcullis' | 'kic') => {
  const { resources } = parseDeclarative(KONG_YML, 'kong.yml');
  return convertResources(resources, { target, namespace: 'shop' });
};

describe('convertResources', () => {
  it('Portcullis CRs that validate offline, names made DNS-safe, anonymous mapped to the object name', () => {
    const { objects, warnings } = convert('portcullis');
    const text = objects.map((o) => stringify(o)).join('---\n');
    expect(checkManifests(text, 'out.yaml').diagnostics).toEqual([]);
    expect(objects.map((o) => `${o['kind']}/${(o['metadata'] as { name: string }).name}`)).toEqual([
      'KongConsumer/alice',
      'KongConsumer/guest-user',
      'Secret/alice-jwt',
      'JwtCredential/alice-alice-key',
      'Route/orders',
      'Route/by-header',
      'Route/ext',
    ]);
    const orders = objects.find((o) => o['kind'] === 'Route') as { spec: { plugins: { jwt: { anonymous: string } }; backend: { url: string }; methods: string[] } };
    expect(orders.spec.plugins.jwt.anonymous).toBe('guest-user');
    expect(orders.spec.backend.url).toBe('http://10.0.0.5:8080');
    expect(orders.spec.methods).toEqual(['GET']);
    expect(warnings).toEqual([
      'consumer alice: its explicit id 4b6d9e36-5e5f-4d62-9fa5-0f5c35b0a1f1 cannot be kept (ids are derived from username or custom_id)',
      "route orders: the service's timeouts and retries are not converted (Kong's defaults apply)",
      'route by-header: header matches are not converted',
      "route by-header: the service's timeouts and retries are not converted (Kong's defaults apply)",
    ]);
  });

  it('KIC resources: consumers of class kong with credential Secrets, a KongPlugin per plugin, Ingresses and Services', () => {
    const { objects, warnings } = convert('kic');
    const text = objects.map((o) => stringify(o)).join('---\n');
    expect(checkManifests(text, 'out.yaml').diagnostics).toEqual([]);
    const plugin = objects.find((o) => o['kind'] === 'KongPlugin')!;
    expect(plugin).toMatchObject({ plugin: 'jwt', config: { claims_to_verify: ['exp'], anonymous: 'Guest User', key_claim_name: 'iss' } });
    const ingress = objects.find((o) => o['kind'] === 'Ingress') as { metadata: { annotations: Record<string, string> }; spec: unknown };
    expect(ingress.metadata.annotations).toEqual({ 'konghq.com/strip-path': 'true', 'konghq.com/preserve-host': 'false', 'konghq.com/methods': 'GET', 'konghq.com/plugins': 'orders-jwt' });
    expect(objects.find((o) => o['kind'] === 'KongConsumer')).toMatchObject({ username: 'Alice', credentials: ['alice-jwt'], metadata: { annotations: { 'kubernetes.io/ingress.class': 'kong' } } });
    expect(objects.find((o) => o['kind'] === 'Secret')).toMatchObject({ metadata: { labels: { 'konghq.com/credential': 'jwt' } }, stringData: { key: 'alice-key', algorithm: 'HS256', secret: 's3cret' } });
    expect(warnings).toEqual(expect.arrayContaining([
      "credential alice-key: kid is Portcullis's own field; KIC's jwt Secret has none, left out",
      'route by-header: regex paths are not converted to Ingress paths',
      'route ext: the service path /base is not converted (Ingress backends have none)',
      'service ext: api.example.com becomes an ExternalName Service, which Portcullis does not resolve for Ingresses (point a Service with endpoints at it)',
    ]));
  });
});

describe('convertResources: rate-limiting (docs/rate-limiting.md#convert)', () => {
  const yml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'api',
        url: 'http://10.0.0.7:8080',
        routes: [
          { name: 'orders', paths: ['/orders'], plugins: [{ name: 'jwt' }, { name: 'rate-limiting', config: { minute: 10, policy: 'redis', redis: { host: 'redis.infra', password: 'rl-pass' } } }] },
        ],
      },
    ],
    consumers: [
      { username: 'gold', plugins: [{ name: 'rate-limiting', config: { minute: 100 } }] },
      { username: 'silver' },
    ],
    plugins: [{ name: 'rate-limiting', consumer: 'silver', route: 'orders', config: { minute: 20 } }],
  });
  const run = (target: 'portcullis' | 'kic') => convertResources(parseDeclarative(yml, 'kong.yml').resources, { target, namespace: 'shop' });

  it('Route CRs: rateLimiting with the Redis password in a labelled Secret, rateLimitingByConsumer per consumer; they validate offline', () => {
    const { objects, warnings } = run('portcullis');
    expect(checkManifests(objects.map((o) => stringify(o)).join('---\n'), 'out.yaml').diagnostics).toEqual([]);
    const route = objects.find((o) => o['kind'] === 'Route')!;
    const plugins = (route['spec'] as { plugins: Record<string, any> }).plugins;
    expect(plugins['rateLimiting']).toMatchObject({ minute: 10, policy: 'redis', redis: { host: 'redis.infra', passwordSecretRef: { name: 'orders-redis', key: 'password' } } });
    expect(JSON.stringify(plugins)).not.toContain('rl-pass');
    expect(objects.find((o) => (o['metadata'] as { name: string }).name === 'orders-redis')).toMatchObject({ kind: 'Secret', stringData: { password: 'rl-pass' } });
    expect(plugins['rateLimitingByConsumer'].map((e: any) => [e.consumerRef.name, e.rateLimiting.minute])).toEqual([['gold', 100], ['silver', 20]]);
    expect(warnings).toContain('route orders: rate-limiting for consumer gold counts across its service or the whole gateway in kong.yml; converted, it counts per route');
  });

  it('KIC: the route instance and consumer + route as KongPlugins on the Ingress, a consumer-only one named by its KongConsumer; they validate offline', () => {
    const { objects } = run('kic');
    expect(checkManifests(objects.map((o) => stringify(o)).join('---\n'), 'out.yaml').diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plugin = (name: string) => objects.find((o) => o['kind'] === 'KongPlugin' && (o['metadata'] as { name: string }).name === name)!;
    expect(plugin('orders-rate-limiting')).toMatchObject({ plugin: 'rate-limiting', config: { minute: 10, policy: 'redis', redis: { host: 'redis.infra', password: 'rl-pass' } } });
    expect(plugin('orders-silver-rate-limiting')).toMatchObject({ plugin: 'rate-limiting', consumerRef: 'silver', config: { minute: 20 } });
    expect(plugin('gold-rate-limiting')).toMatchObject({ plugin: 'rate-limiting', config: { minute: 100 } });
    const ingress = objects.find((o) => o['kind'] === 'Ingress')!;
    expect((ingress['metadata'] as { annotations: Record<string, string> }).annotations['konghq.com/plugins']).toBe('orders-jwt,orders-rate-limiting,orders-silver-rate-limiting');
    const gold = objects.find((o) => o['kind'] === 'KongConsumer' && (o['metadata'] as { name: string }).name === 'gold')!;
    expect((gold['metadata'] as { annotations: Record<string, string> }).annotations['konghq.com/plugins']).toBe('gold-rate-limiting');
  });
});
