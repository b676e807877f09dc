import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consumerId, credentialId } from '../../../src/model/ids.js';
import { declarativeSourceHash } from '../../../src/sources/declarative/source-hash.js';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { findConsumer, buildConsumers } from '../../../src/translate/consumers.js';
import { stableHash } from '../../../src/translate/stable-hash.js';
import { hashResources, translate } from '../../../src/translate/translate.js';

const CONSUMERS = 20_000;
const ROUTES = 500;
const NOW = 1_700_000_000;

/** 20,000 consumers with one nested HS256 jwt_secret each; routes on 50 services, every 100th a regex. */
function kongYaml(opts: { base64?: boolean; extra?: string } = {}): string {
  const out = ['_format_version: "3.0"', 'services:'];
  for (let s = 0; s < 50; s++) {
    out.push(`- name: svc-${s}`, `  url: http://backend-${s}.internal:8080`, '  routes:');
    for (let r = s; r < ROUTES; r += 50) {
      out.push(`  - name: route-${r}`, r % 2 === 0 ? `    hosts: [h${r % 20}.example.com]` : '    hosts: []');
      out.push(r % 100 === 99 ? `    paths: ['~/items${r}/\\d+$']` : `    paths: [/api/r${r}]`);
    }
  }
  out.push('plugins:', '- name: jwt', '  config:', `    secret_is_base64: ${opts.base64 === true}`, 'consumers:');
  for (let c = 0; c < CONSUMERS; c++) {
    out.push(`- username: user-${c}`, ...(c % 3 === 0 ? [`  custom_id: cid-${c}`] : []), '  jwt_secrets:', `  - key: iss-${c}`, `    secret: c2VjcmV0LQ${c}`);
  }
  if (opts.extra) out.push(opts.extra);
  return `${out.join('\n')}\n`;
}

const bearer = (token: string) => ({ method: 'GET', rawHeaders: ['Authorization', `Bearer ${token}`], rawQuery: '' });

describe('translate at scale (20,000 consumers)', () => {
  const text = kongYaml();
  const parsed = parseDeclarative(text, '/etc/kong/kong.yml');
  const snapshot = translate(parsed.resources, 7, declarativeSourceHash(text, '/etc/kong/kong.yml'));

  it('builds every consumer, credential and route without diagnostics', () => {
    expect(parsed.fatal).toBeUndefined();
    expect(snapshot.diagnostics).toEqual([]);
    expect(snapshot.consumers).toHaveLength(CONSUMERS);
    expect(snapshot.credentials.all).toHaveLength(CONSUMERS);
    expect(snapshot.credentials.byKey.size).toBe(CONSUMERS);
    expect(snapshot.routes).toHaveLength(ROUTES);
    expect(snapshot.router.size).toBe(ROUTES);
    expect(snapshot.version).toBe(7);
    expect(snapshot.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([0, 1, 2, 9_999, 19_999])('credential iss-%i resolves to its consumer with Kong ids and identity headers', (c) => {
    const cred = snapshot.credentials.byKey.get(`iss-${c}`)!;
    expect(cred.id).toBe(credentialId(`iss-${c}`));
    expect(cred.algorithm).toBe('HS256');
    expect(cred.consumer.username).toBe(`user-${c}`);
    expect(cred.consumer.id).toBe(consumerId(`user-${c}`));
    expect(cred.consumer.customId).toBe(c % 3 === 0 ? `cid-${c}` : undefined);
    expect(cred.consumer.upstreamHeaders).toEqual({
      'x-consumer-id': consumerId(`user-${c}`),
      'x-consumer-username': `user-${c}`,
      ...(c % 3 === 0 ? { 'x-consumer-custom-id': `cid-${c}` } : {}),
    });
    expect(cred.hmacKey!.export().toString('utf8')).toBe(`c2VjcmV0LQ${c}`);
    // No jwt plugin has secret_is_base64: the decoded variant is not imported.
    expect(cred.hmacKeyFromBase64).toBeUndefined();
  });

  it('authenticates a token for one consumer among 20,000 on a route found by the router', () => {
    const match = snapshot.router.match({ method: 'GET', host: 'h4.example.com', path: '/api/r204/x', header: () => undefined });
    expect(match?.route.name).toBe('route-204');
    const token = mintToken({ algorithm: 'HS256', key: 'iss-12345', secret: 'c2VjcmV0LQ12345', now: NOW, expiresInSeconds: 60 });
    const outcome = match!.route.auth!.authenticate(bearer(token), NOW);
    expect(outcome.kind).toBe('authenticated');
    if (outcome.kind === 'authenticated') expect(outcome.consumer.username).toBe('user-12345');
    const wrong = mintToken({ algorithm: 'HS256', key: 'iss-12345', secret: 'c2VjcmV0LQ12346', now: NOW, expiresInSeconds: 60 });
    expect(match!.route.auth!.authenticate(bearer(wrong), NOW).kind).toBe('rejected');
  });

  it('finds consumers by id and by username', () => {
    const table = buildConsumers(parsed.resources.consumers, []);
    expect(findConsumer(table, '', 'user-777')?.username).toBe('user-777');
    expect(findConsumer(table, '', consumerId('user-778'))?.username).toBe('user-778');
    expect(findConsumer(table, '', 'user-20000')).toBeUndefined();
    expect(findConsumer(table, 'some-namespace', 'user-777')).toBeUndefined();
  });

  it('matches regex routes', () => {
    const match = snapshot.router.match({ method: 'GET', host: 'anything', path: '/items99/42', header: () => undefined });
    expect(match?.route.name).toBe('route-99');
  });

  it('imports the base64-decoded keys when a jwt plugin has secret_is_base64', () => {
    const t = kongYaml({ base64: true });
    const s = translate(parseDeclarative(t, 'kong.yml').resources, 1);
    const cred = s.credentials.byKey.get('iss-5')!;
    expect(cred.hmacKeyFromBase64!.export()).toEqual(Buffer.from('c2VjcmV0LQ5', 'base64'));
    const route = s.router.match({ method: 'GET', host: 'h4.example.com', path: '/api/r204', header: () => undefined })!.route;
    const token = mintToken({ algorithm: 'HS256', key: 'iss-5', secret: Buffer.from('c2VjcmV0LQ5', 'base64'), now: NOW, expiresInSeconds: 60 });
    expect(route.auth!.authenticate(bearer(token), NOW).kind).toBe('authenticated');
  });

  it('refuses every credential sharing a key, and duplicate consumers, among 20,000', () => {
    const extra = ['jwt_secrets:', '- consumer: user-1', '  key: iss-2', '  secret: x', '- consumer: user-3', '  key: iss-3', '  secret: y'].join('\n');
    const s = translate(parseDeclarative(kongYaml({ extra }), 'kong.yml').resources, 1);
    const conflicts = s.diagnostics.filter((d) => d.reason === 'KeyConflict').map((d) => d.object.path);
    expect(conflicts).toEqual(['consumers[2].jwt_secrets[0]', 'consumers[3].jwt_secrets[0]', 'jwt_secrets[0]', 'jwt_secrets[1]']);
    expect(s.credentials.all).toHaveLength(CONSUMERS - 2);
    expect(s.credentials.byKey.has('iss-2')).toBe(false);
    expect(s.credentials.byKey.get('iss-4')?.consumer.username).toBe('user-4');
  });
});

/** The previous, unbuffered stableHash: the buffered one must feed exactly the same bytes. */
function referenceHash(value: unknown): string {
  const hash = createHash('sha256');
  const feed = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return void hash.update(v === undefined ? 'u' : JSON.stringify(v));
    if (Array.isArray(v)) {
      hash.update('[');
      for (const item of v) {
        feed(item);
        hash.update(',');
      }
      return void hash.update(']');
    }
    hash.update('{');
    for (const key of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[key];
      if (x === undefined) continue;
      hash.update(JSON.stringify(key));
      hash.update(':');
      feed(x);
      hash.update(',');
    }
    hash.update('}');
  };
  feed(value);
  return hash.digest('hex');
}

describe('stableHash', () => {
  it.each([
    ['scalars', [null, undefined, 1, 'a"b', true, { a: undefined, b: [undefined] }]],
    ['key order', { b: 1, a: { d: 'é', c: [1, 2] } }],
    ['larger than one flush', Array.from({ length: 5000 }, (_, i) => ({ i, s: `value-${i}`.repeat(3) }))],
  ])('%s: same digest as the unbuffered walk', (_, value) => {
    expect(stableHash(value)).toBe(referenceHash(value));
  });

  it('is independent of key order and detects changes', () => {
    expect(stableHash({ a: 1, b: [1, 2] })).toBe(stableHash({ b: [1, 2], a: 1 }));
    expect(stableHash({ a: 1, b: [1, 2] })).not.toBe(stableHash({ a: 1, b: [2, 1] }));
  });

  it('hashes a parsed 20,000-consumer set like the reference', () => {
    const { resources } = parseDeclarative(kongYaml(), 'kong.yml');
    expect(hashResources(resources)).toBe(referenceHash(resources));
  });
});

describe('declarativeSourceHash', () => {
  it('changes with the text and with the file name', () => {
    const a = declarativeSourceHash('x: 1\n', 'kong.yml');
    expect(a).toBe(declarativeSourceHash('x: 1\n', 'kong.yml'));
    expect(a).not.toBe(declarativeSourceHash('x: 2\n', 'kong.yml'));
    expect(a).not.toBe(declarativeSourceHash('x: 1\n', 'other.yml'));
  });
});
