import { describe, expect, it } from 'vitest';
import { consumerId, credentialId, entityNamespace, pluginId, routeId, serviceId, uuidv5, KONG_NAMESPACE } from '../../../src/model/ids.js';

describe('uuidv5', () => {
  it('matches the RFC 4122 reference vector (DNS namespace, www.example.com)', () => {
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
  it('rejects a namespace that is not a UUID', () => {
    expect(() => uuidv5('nope', 'x')).toThrow(/namespace/);
  });
});

describe('Kong DB-less ids', () => {
  it('derives the consumer id Kong derives for "alice"', () => {
    expect(consumerId('alice')).toBe('b32379d9-3d28-5683-a79c-72139be6e34f');
  });
  it('uses a per-entity namespace', () => {
    expect(entityNamespace('consumers')).toBe(uuidv5(KONG_NAMESPACE, 'consumers'));
    expect(credentialId('k1')).toBe(uuidv5(uuidv5(KONG_NAMESPACE, 'jwt_secrets'), 'k1'));
    expect(serviceId('svc')).toBe(uuidv5(uuidv5(KONG_NAMESPACE, 'services'), 'svc'));
    expect(routeId('r')).toBe(uuidv5(uuidv5(KONG_NAMESPACE, 'routes'), 'r'));
  });
  it('keys plugins by instance_name, else by the cache key', () => {
    expect(pluginId({ name: 'jwt' })).toBe(uuidv5(uuidv5(KONG_NAMESPACE, 'plugins'), 'plugins:jwt:::'));
    expect(pluginId({ name: 'jwt', service: 's1' })).toBe(uuidv5(uuidv5(KONG_NAMESPACE, 'plugins'), 'plugins:jwt::s1:'));
    expect(pluginId({ name: 'jwt', instanceName: 'x' })).toBe(uuidv5(uuidv5(KONG_NAMESPACE, 'plugins'), 'x'));
    expect(pluginId({ name: 'jwt', route: 'r' })).not.toBe(pluginId({ name: 'jwt', service: 'r' }));
  });
});
