import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { hostWithoutPort } from '../../../../src/proxy/host-header.js';
import { inputFromObjects } from '../../../support/input-from-objects.js';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import { compileRouter } from '../../../../src/snapshot/router.js';
import { parseRouteHost } from '../../../../src/snapshot/router/entries.js';
import { translate } from '../../../../src/translate/translate.js';
import { join, route as routeCr } from '../../../support/crs.js';
import { req, route } from './fixtures.js';

/** "secure.example." is the same host as "secure.example" (DNS root label): it must not skip a host-restricted route. */
describe('request host normalization (hostWithoutPort)', () => {
  it.each([
    ['secure.example.', 'secure.example'],
    ['Secure.Example.:8000', 'secure.example'],
    ['secure.example.:8000', 'secure.example'],
    ['secure.example', 'secure.example'],
    ['secure.example..', 'secure.example.'],
    ['.', ''],
    ['[::1]:8000', '[::1]'],
    ['', ''],
  ])('%j → %j', (raw, want) => {
    expect(hostWithoutPort(raw)).toBe(want);
  });
});

describe('route hosts with a trailing dot', () => {
  it.each([
    ['secure.example.', { kind: 'exact', key: 'secure.example' }],
    ['*.secure.example.', { kind: 'suffix', key: '.secure.example' }],
    ['Secure.Example.:8080', { kind: 'exact', key: 'secure.example', port: 8080 }],
    ['secure.*', { kind: 'prefix', key: 'secure.' }],
  ])('%s', (raw, want) => {
    expect(parseRouteHost(raw)).toMatchObject(want);
  });
});

describe('router: a trailing dot does not fall through to a catch-all', () => {
  const routes = [
    route('secure', { hosts: ['secure.example'], paths: ['/'] }),
    route('wild', { hosts: ['*.wild.example'], paths: ['/'] }),
    route('dotted', { hosts: ['dotted.example.'], paths: ['/'] }),
    route('catch-all', { paths: ['/'] }),
  ];
  const router = compileRouter(routes);
  it.each([
    ['secure.example.', 'secure'],
    ['SECURE.EXAMPLE.:8000', 'secure'],
    ['a.wild.example.', 'wild'],
    ['dotted.example', 'dotted'],
    ['dotted.example.', 'dotted'],
    ['other.example.', 'catch-all'],
  ])('Host %s → %s', (host, want) => {
    expect(router.match(req('/x', { host: hostWithoutPort(host) }))?.route.name).toBe(want);
  });
});

describe('controller mode: a snapshot built from Route CRs', () => {
  it('matches secure.example. to the jwt route, not the public catch-all', () => {
    const objects = parseAllDocuments(
      join(
        routeCr('demo', 'secure', { paths: ['/'], hosts: ['secure.example'], backend: { url: 'http://127.0.0.1:9/' }, jwt: true }),
        routeCr('demo', 'wild', { paths: ['/'], hosts: ['*.wild.example'], backend: { url: 'http://127.0.0.1:9/' }, jwt: true }),
        routeCr('demo', 'public', { paths: ['/'], backend: { url: 'http://127.0.0.1:9/' } }),
      ),
    ).map((d) => d.toJS() as unknown);
    const rs = toResourceSet(inputFromObjects(objects).input);
    expect(rs.diagnostics).toEqual([]);
    const snap = translate(rs, 1);
    const match = (host: string) => snap.router.match(req('/api', { host: hostWithoutPort(host) }))?.route.name;
    expect(match('secure.example.')).toBe('demo.secure');
    expect(match('secure.example.:8000')).toBe('demo.secure');
    expect(match('a.wild.example.')).toBe('demo.wild');
    expect(match('elsewhere.example.')).toBe('demo.public');
  });
});
