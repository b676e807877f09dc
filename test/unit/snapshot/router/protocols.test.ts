import { describe, expect, it } from 'vitest';
import { compileRouter } from '../../../../src/snapshot/router.js';
import { routeScheme } from '../../../../src/snapshot/router/entries.js';
import { req, route } from './fixtures.js';

describe('route protocols in the router (Kong 3.x net.protocol)', () => {
  it.each([
    [['http', 'https'], 0],
    [['https'], 0], // matches plaintext too, to answer 426 or redirect
    [['http'], 1],
    [['grpc'], 1],
    [['https', 'grpcs'], 2],
    [['grpcs'], 2],
    [['http', 'grpcs'], 0],
  ])('%j → scheme %i', (protocols, scheme) => {
    expect(routeScheme(protocols)).toBe(scheme);
  });

  it('an http-only route does not match over TLS, so another route can', () => {
    const router = compileRouter([route('plain', { paths: ['/a/b'], protocols: ['http'] }), route('any', { paths: ['/a'] }), route('tls', { paths: ['/a/b/c'], protocols: ['https', 'grpcs'] })]);
    const match = (path: string, tls: boolean) => router.match({ ...req(path), tls })?.route.name;
    expect(match('/a/b', false)).toBe('plain');
    expect(match('/a/b', true)).toBe('any');
    expect(match('/a/b/c', true)).toBe('tls');
    expect(match('/a/b/c', false)).toBe('plain');
  });

  it('the single-route fast path honours it too', () => {
    const router = compileRouter([route('plain', { hosts: ['h.test'], paths: ['/'], protocols: ['http'] })]);
    expect(router.match({ ...req('/x', { host: 'h.test' }), tls: true })).toBeUndefined();
    expect(router.match({ ...req('/x', { host: 'h.test' }) })?.route.name).toBe('plain');
  });
});
