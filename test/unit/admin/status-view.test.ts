import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialRow, publicUrl, statusView } from '../../../src/admin/status-view.js';
import { renderStatusPage } from '../../../src/admin/status-page.js';
import { generateTestKeyPair } from '../../../src/tokens/test-keys.js';
import type { JwksKeySource } from '../../../src/snapshot/jwks.js';
import { makeConsumer, makeCredential } from '../../support/snapshot-fixtures.js';
import { realSnapshot, routeCr } from '../../support/real-snapshot.js';

const SECRET = 'status-view-secret-0123456789';
const rsa = generateTestKeyPair('RS256');

const snapshot = realSnapshot({
  kongYml: {
    services: [
      {
        name: 'echo',
        url: 'http://127.0.0.1:9',
        routes: [
          { name: 'open', paths: ['/open'] },
          { name: 'api', paths: ['/api'], methods: ['GET'], plugins: [{ name: 'jwt', config: { anonymous: 'guest' } }] },
          { name: 'orders', hosts: ['shop.example'], paths: ['/orders'], plugins: [{ name: 'jwt' }, { name: 'jwt-claims', config: { audiences: ['api://orders'], scopes: ['orders:read'] } }] },
        ],
      },
    ],
    consumers: [
      { username: 'alice', custom_id: 'a-1', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] },
      { username: 'bob', jwt_secrets: [{ key: 'bob-key', algorithm: 'RS256', rsa_public_key: rsa.publicKeyPem }] },
      { username: 'guest' },
      { username: 'carol', jwt_secrets: [{ key: 'broken', algorithm: 'RS256', rsa_public_key: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' }] },
    ],
  },
  kube: [routeCr('failing', { paths: ['/k'], backend: { url: 'http://127.0.0.1:9' }, plugins: { jwt: { claimsToVerify: ['bogus'] } } })],
});

const view = statusView({
  snapshot, rejections: [], rejectionsFrom: 'this process', rates: null, mode: 'standalone', version: '1.2.3', now: new Date(0),
});

describe('statusView', () => {
  it('shows every route with what protects it', () => {
    const byName = Object.fromEntries(view.routes.map((r) => [r.name, r]));
    expect(byName.open!.protection).toBe('none');
    expect(byName.api).toMatchObject({ protection: 'jwt', methods: ['GET'], paths: ['/api'], service: 'echo' });
    expect(byName.api!.detail).toContain('anonymous consumer: guest');
    expect(byName.orders).toMatchObject({ protection: 'jwt + jwt-claims', hosts: ['shop.example'] });
    expect(byName.orders!.detail).toEqual(expect.arrayContaining(['audiences: api://orders', 'scopes: orders:read']));
  });

  it('a route whose auth cannot be built is shown failing closed', () => {
    const failing = view.routes.find((r) => r.name.endsWith('failing'));
    expect(failing?.protection).toBe('fail closed');
    expect(failing?.detail[0]).toMatch(/^answers 500: /);
  });

  it('lists consumers with their credentials, never a secret or key material', () => {
    const alice = view.consumers.find((c) => c.username === 'alice')!;
    expect(alice.customId).toBe('a-1');
    expect(alice.credentials).toEqual([{ key: 'alice-key', algorithm: 'HS256', kind: 'hmac', kid: null, state: 'ok', source: null, kids: [] }]);
    expect(view.consumers.find((c) => c.username === 'bob')!.credentials[0]).toMatchObject({ kind: 'public key', algorithm: 'RS256' });
    expect(view.consumers.find((c) => c.username === 'guest')!.credentials).toEqual([]);
    const json = JSON.stringify(view);
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain('BEGIN PUBLIC KEY');
    expect(renderStatusPage(view, { refreshSeconds: 0, cssHref: '/ui/status.css' })).not.toContain(SECRET);
  });

  it('lists the objects that are not programmed with kind, name, field and reason', () => {
    const broken = view.notProgrammed.find((p) => p.object === 'broken');
    expect(broken).toMatchObject({ severity: 'error', kind: 'jwt_secrets' });
    expect(broken!.reason).toMatch(/\w/);
    expect(broken!.location).toContain('kong.yml');
    expect(view.notProgrammed.length).toBe(snapshot.diagnostics.length);
  });

  it('carries the snapshot identity and says when there is none', () => {
    expect(view.snapshot).toEqual({ version: snapshot.version, hash: snapshot.hash, createdAt: snapshot.createdAt.toISOString() });
    const empty = statusView({ snapshot: undefined, rejections: [], rejectionsFrom: 'x', rates: null, mode: undefined, version: 'v', now: new Date(0) });
    expect(empty).toMatchObject({ snapshot: null, routes: [], consumers: [], notProgrammed: [], mode: null });
  });
});

describe('credentialRow for JWKS credentials', () => {
  const consumer = makeConsumer('svc');
  const jwksCred = (keys: JwksKeySource['keys'], url = 'https://user:pw@idp.example/jwks?token=abc#x') => {
    const base = makeCredential(consumer, 'idp-key');
    const { secret: _secret, ...spec } = base.spec;
    return {
      ...base,
      algorithm: 'RS256' as const,
      spec: { ...spec, algorithm: 'RS256' as const, jwks: { url, field: 'jwks.url', algorithms: ['RS256' as const], timing: {} as never } },
      jwks: { keys, algorithms: new Set(['RS256' as const]), refetch: () => undefined },
    };
  };

  it('usable with the live kids, the URL without credentials or query', () => {
    const key = { key: createPublicKey(rsa.publicKeyPem), kid: 'k1', algorithms: new Set(['RS256' as const]) };
    const row = credentialRow(jwksCred({ byKid: new Map([['k1', [key]], ['k2', [key]]]), all: [key, key] }));
    expect(row).toEqual({ key: 'idp-key', algorithm: 'RS256', kind: 'jwks', kid: null, state: 'ok', source: 'https://idp.example/jwks', kids: ['k1', 'k2'] });
  });

  it('unusable before the first fetch (or once too stale)', () => {
    expect(credentialRow(jwksCred(undefined))).toMatchObject({ state: 'unusable', kids: [] });
  });

  it('publicUrl never throws', () => expect(publicUrl('not a url')).toBe('(unparsable URL)'));
});
