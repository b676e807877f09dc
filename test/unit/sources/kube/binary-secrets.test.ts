import { randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { JwtPluginConfigInput } from '../../../../src/model/jwt-config.js';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import type { CustomObject, SecretObject, ToResourceSetInput } from '../../../../src/sources/kube/types.js';
import { translate } from '../../../../src/translate/translate.js';
import { bearer, makeAuthenticator, mint, NOW } from '../../plugins/jwt/fixtures.js';

/**
 * HMAC keys are bytes: a JwtCredential's Secret `data` is base64 of raw bytes and must be used
 * as those bytes, not decoded as (lossy) UTF-8 text.
 */
const cr = (kind: string, name: string, spec: unknown): CustomObject => ({
  apiVersion: 'portcullis.dev/v1alpha1',
  kind,
  metadata: { name, namespace: 'ns' },
  spec,
});

/**
 * Snapshot of one consumer and one HS256 JwtCredential per Secret, keyed `k<i>`; with a Route
 * using secretIsBase64 (the base64-decoded keys are only imported when some route needs them).
 */
function snapshotWith(secrets: SecretObject[], secretIsBase64 = false) {
  const input: ToResourceSetInput = {
    consumers: [cr('KongConsumer', 'c', { username: 'u' })],
    credentials: secrets.map((_, i) => cr('JwtCredential', `cred${i}`, { consumerRef: { name: 'c' }, key: `k${i}`, secretRef: { name: `s${i}`, key: 'secret' } })),
    routes: secretIsBase64 ? [cr('Route', 'r', { paths: ['/'], backend: { url: 'http://127.0.0.1:1' }, plugins: { jwt: { secretIsBase64 } } })] : [],
    secrets: new Map(secrets.map((s, i) => [`ns/s${i}`, s])),
    endpointSlices: new Map(),
    services: new Map(),
  };
  const resources = toResourceSet(input);
  const snapshot = translate(resources, 1);
  expect(snapshot.diagnostics).toEqual([]);
  return snapshot;
}

function outcome(snapshot: ReturnType<typeof snapshotWith>, key: string, secret: string | Buffer, config: JwtPluginConfigInput = {}) {
  const auth = makeAuthenticator([...snapshot.credentials.all], config);
  return auth.authenticate(bearer(mint({ algorithm: 'HS256', key, secret })), NOW).kind;
}

const FFFD_32 = '\uFFFD'.repeat(32);
/** 32 random bytes, the first 8 forced into 0x80–0xBF (UTF-8 continuation bytes: invalid on their own). */
function randomBinary(): Buffer {
  const bytes = randomBytes(32);
  for (let i = 0; i < 8; i++) bytes[i] = 0x80 | (bytes[i]! & 0x3f);
  return bytes;
}
/** 32 bytes all in 0x80–0xBF: lossy UTF-8 decoding turns every such Secret into the same FFFD×32. */
function continuationOnly(): Buffer {
  return Buffer.from(randomBytes(32).map((b) => 0x80 | (b & 0x3f)));
}
const asData = (bytes: Buffer): SecretObject => ({ data: { secret: bytes.toString('base64') } });

describe('JwtCredential Secrets with binary data', () => {
  it('a token signed with the exact bytes of the Secret is accepted', () => {
    const bytes = randomBinary();
    expect(outcome(snapshotWith([asData(bytes)]), 'k0', bytes)).toBe('authenticated');
  });

  it('a token signed with U+FFFD×32 is refused for Secrets of bytes 0x80–0xBF', () => {
    const a = continuationOnly();
    const b = continuationOnly();
    const snapshot = snapshotWith([asData(a), asData(b)]);
    expect(outcome(snapshot, 'k0', FFFD_32)).toBe('rejected');
    expect(outcome(snapshot, 'k1', FFFD_32)).toBe('rejected');
    expect(outcome(snapshot, 'k0', a)).toBe('authenticated');
    expect(outcome(snapshot, 'k1', b)).toBe('authenticated');
    // Each credential verifies with its own bytes only.
    expect(outcome(snapshot, 'k1', a)).toBe('rejected');
  });

  it('stringData keeps working (its UTF-8 bytes are the key), as does text in data', () => {
    const snapshot = snapshotWith([{ stringData: { secret: 'sécret✓' } }, asData(Buffer.from('sécret✓', 'utf8'))]);
    expect(outcome(snapshot, 'k0', 'sécret✓')).toBe('authenticated');
    expect(outcome(snapshot, 'k1', 'sécret✓')).toBe('authenticated');
    expect(outcome(snapshot, 'k1', Buffer.from('sécret✓', 'utf8'))).toBe('authenticated');
  });

  it('secretIsBase64: a Secret whose bytes are base64 text is decoded; binary bytes are not base64 text', () => {
    const raw = randomBinary();
    const snapshot = snapshotWith([asData(Buffer.from(raw.toString('base64'))), asData(raw)], true);
    expect(outcome(snapshot, 'k0', raw, { secretIsBase64: true })).toBe('authenticated');
    expect(outcome(snapshot, 'k1', raw, { secretIsBase64: true })).toBe('rejected');
  });

  it('survives the structured clone that carries a ResourceSet to proxy workers (--workers)', () => {
    const bytes = randomBinary();
    const resources = toResourceSet({
      consumers: [cr('KongConsumer', 'c', { username: 'u' })],
      credentials: [cr('JwtCredential', 'cred', { consumerRef: { name: 'c' }, key: 'k', secretRef: { name: 's', key: 'secret' } })],
      routes: [],
      secrets: new Map([['ns/s', asData(bytes)]]),
      endpointSlices: new Map(),
      services: new Map(),
    });
    const cloned = deserialize(serialize(resources)) as typeof resources;
    const snapshot = translate(cloned, 1);
    expect(snapshot.hash).toBe(translate(resources, 1).hash);
    expect(outcome(snapshot, 'k', bytes)).toBe('authenticated');
    expect(outcome(snapshot, 'k', FFFD_32)).toBe('rejected');
  });

  it('the ResourceSet hash changes when a binary Secret changes (key rotation is applied)', () => {
    const a = continuationOnly();
    const b = Buffer.from(a);
    b[31]! ^= 1;
    expect(snapshotWith([asData(a)]).hash).not.toBe(snapshotWith([asData(b)]).hash);
    expect(snapshotWith([asData(a)]).hash).toBe(snapshotWith([asData(Buffer.from(a))]).hash);
  });
});
