import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { join as joinDocs, consumer as consumerCr, credential as credentialCr } from '../../support/crs.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { call, runCli, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Consumer usernames / custom ids and credential keys are sent upstream as header values. One
 * that no header can carry (CR, LF, NUL) is refused when the config loads, naming the object and
 * field; the others keep working. Non-ASCII values are sent as their UTF-8 bytes, as Kong does.
 */
const SECRET = 'identity-secret-0123456789';
const tokenFor = (key: string) => mintToken({ algorithm: 'HS256', key, secret: SECRET, expiresInSeconds: 300 });

const CONSUMERS = [
  { username: 'plain', jwt_secrets: [{ key: 'plain-key', secret: SECRET }] },
  { username: 'José', custom_id: 'cliente-ñ', jwt_secrets: [{ key: 'jose-key', secret: SECRET }] },
  { username: '用户', jwt_secrets: [{ key: 'yonghu-key', secret: SECRET }] },
  { username: 'crlf', custom_id: 'a\r\nX-Injected: 1', jwt_secrets: [{ key: 'crlf-key', secret: SECRET }] },
  { username: 'nul\u0000user', jwt_secrets: [{ key: 'nul-key', secret: SECRET }] },
  { username: 'badkey', jwt_secrets: [{ key: 'key\nwith-lf', secret: SECRET }] },
  { username: 'ключ', jwt_secrets: [{ key: 'ключ-key', secret: SECRET }] },
];

let upstream: EchoUpstream;
let gw: StandaloneGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone({
    services: [{ name: 'echo', url: upstream.url, routes: [{ name: 'auth', paths: ['/auth'], plugins: [{ name: 'jwt' }] }] }],
    consumers: CONSUMERS,
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** The header as the upstream's bytes, read as UTF-8. */
const utf8 = (v: unknown) => Buffer.from(String(v), 'latin1').toString('utf8');

describe('identity values that cannot be header values', () => {
  it('the gateway serves, and its log names each refused consumer / credential and field', () => {
    const out = gw.output();
    expect(out).toMatch(/consumers.*crlf.*custom_id contains a control character \(CR\)/);
    expect(out).toMatch(/consumers.*nul.*username contains a control character \(NUL\)/);
    expect(out).toMatch(/jwt_secrets.*key contains a control character \(LF\)/);
  });

  it.each([
    ['crlf-key', 'refused consumer (CR LF in custom_id)'],
    ['nul-key', 'refused consumer (NUL in username)'],
    ['key\nwith-lf', 'refused credential (LF in key)'],
  ])('%s: %s → 401 like an unknown key, never a 5xx', async (key) => {
    const r = await call(gw.proxy, '/auth', { headers: { authorization: `Bearer ${tokenFor(key)}` } });
    expect(r.status, r.body).toBe(401);
  });

  it('the other consumers keep working', async () => {
    const r = await call(gw.proxy, '/auth', { headers: { authorization: `Bearer ${tokenFor('plain-key')}` } });
    expect(r.status, r.body).toBe(200);
    expect(r.echo!.headers['x-consumer-username']).toBe('plain');
  });
});

describe('non-ASCII identity values reach the upstream as UTF-8 bytes', () => {
  it.each([
    ['jose-key', 'José', 'cliente-ñ'],
    ['yonghu-key', '用户', undefined],
  ])('%s', async (key, username, customId) => {
    const r = await call(gw.proxy, '/auth', { headers: { authorization: `Bearer ${tokenFor(key)}` } });
    expect(r.status, r.body).toBe(200);
    expect(utf8(r.echo!.headers['x-consumer-username'])).toBe(username);
    if (customId !== undefined) expect(utf8(r.echo!.headers['x-consumer-custom-id'])).toBe(customId);
    expect(r.echo!.headers['x-credential-identifier']).toBe(key);
  });

  it('a non-ASCII credential key is sent as UTF-8 too', async () => {
    const r = await call(gw.proxy, '/auth', { headers: { authorization: `Bearer ${tokenFor('ключ-key')}` } });
    expect(r.status, r.body).toBe(200);
    expect(utf8(r.echo!.headers['x-consumer-username'])).toBe('ключ');
    expect(utf8(r.echo!.headers['x-credential-identifier'])).toBe('ключ-key');
  });
});

describe('portcullis validate', () => {
  it('kong.yml: names the consumer and the field', async () => {
    const r = await runCli(['validate', gw.configPath]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error: .*crlf.*custom_id.*control character \(CR\)/);
    expect(r.stdout).toMatch(/error: .*key\\nwith-lf.*key contains a control character \(LF\)/);
  });

  it('CR manifests: names the KongConsumer / JwtCredential and the field', async () => {
    const file = path.join(gw.dir, 'crs.yaml');
    await writeFile(
      file,
      joinDocs(
        consumerCr('demo', 'ok', { username: 'ok' }),
        consumerCr('demo', 'bad-user', { username: 'evil\r\nX-Consumer-Username: admin' }),
        consumerCr('demo', 'bad-custom', { username: 'fine', customId: 'c\u0000' }),
        consumerCr('demo', 'unicode', { username: '用户' }),
        credentialCr('demo', 'bad-key', { consumer: 'ok', key: 'k\nk' }),
      ),
    );
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors.join('\n')).toMatch(/bad-user.*spec\.username.*control character \(CR\)/);
    expect(errors.join('\n')).toMatch(/bad-custom.*spec\.customId.*control character \(NUL\)/);
    expect(errors.join('\n')).toMatch(/bad-key.*spec\.key.*control character \(LF\)/);
    expect(errors.join('\n')).not.toMatch(/unicode/);
    expect(errors).toHaveLength(3);
  });
});
