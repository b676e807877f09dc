import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerId } from '../../../src/model/ids.js';
import { cliPath, repoRoot, startGateway, type GatewayProcess } from '../../support/gateway-process.js';
import { startHelloUpstream, type HelloUpstream } from '../../support/hello-upstream-process.js';

/**
 * The seed walkthrough, end to end, exactly as the README tells a newcomer to run it: the real
 * examples/kong.yml (only the upstream port moved to a free one), the real hello upstream, the
 * real CLI for tokens, curl-equivalent requests.
 */
const KEY = '1nzcMG9Xg7n1lLgmltHnkAmkt7yp4fjZ';
const run = promisify(execFile);
const token = async (...args: string[]) => (await run(process.execPath, [cliPath, 'token', ...args])).stdout.trim();

let dir: string;
let upstream: HelloUpstream;
let gw: GatewayProcess;
let secret: string;

beforeAll(async () => {
  upstream = await startHelloUpstream();
  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-walkthrough-'));
  const example = await readFile(path.join(repoRoot, 'examples/kong.yml'), 'utf8');
  expect(example).toContain('url: http://localhost:3000');
  await writeFile(path.join(dir, 'kong.yml'), example.replace('localhost:3000', `localhost:${upstream.port}`));
  gw = await startGateway(['standalone', '--config', path.join(dir, 'kong.yml')]);
});

afterAll(async () => {
  await gw?.stop();
  await upstream?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('seed walkthrough (examples/kong.yml)', () => {
  it('answers 401 Unauthorized without a token', async () => {
    const res = await fetch(`${gw.proxy}/api`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.text()).toBe('{"message":"Unauthorized"}');
  });

  it('shows the credential on the admin API', async () => {
    const res = await fetch(`${gw.admin}/consumers/login_server_issuer/jwt`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<Record<string, unknown>>; next: null };
    expect(body.next).toBeNull();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      key: KEY,
      algorithm: 'HS256',
      consumer: { id: consumerId('login_server_issuer') },
    });
    secret = body.data[0]!.secret as string;
    expect(secret).toMatch(/^.{16,}$/);
  });

  it('proxies with a minted token and sends the consumer upstream', async () => {
    const jwt = await token('--key', KEY, '--secret', secret, '--exp', '1h');
    const res = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Hello world!');
    const seen = upstream.requests().at(-1)!;
    expect(seen.url).toBe('/');
    expect(seen.headers).toMatchObject({
      'x-consumer-id': consumerId('login_server_issuer'),
      'x-consumer-username': 'login_server_issuer',
      'x-credential-identifier': KEY,
      authorization: '[present]',
    });
    expect(seen.headers).not.toHaveProperty('x-consumer-custom-id');
    expect(seen.headers).not.toHaveProperty('x-anonymous-consumer');
  });

  it.each([
    ['a wrong secret', ['--key', KEY, '--secret', 'not-the-secret', '--exp', '1h'], '{"message":"Invalid signature"}'],
    ['an unknown kid', ['--key', 'no-such-key', '--secret', 'whatever', '--exp', '1h'], `{"message":"No credentials found for given 'kid'"}`],
    ['an expired token', ['--key', KEY, '--secret', '@secret', '--exp=-1h'], '{"exp":"token expired"}'],
    ['a token without exp', ['--key', KEY, '--secret', '@secret'], '{"exp":"must be a number"}'],
  ])('rejects %s with 401 and Kong’s message', async (_name, args, body) => {
    const jwt = await token(...args.map((a) => (a === '@secret' ? secret : a)));
    const res = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.text()).toBe(body);
  });

  it('never writes the secret or a token to its logs', async () => {
    const jwt = await token('--key', KEY, '--secret', secret, '--exp', '1h');
    await fetch(`${gw.proxy}/api?jwt=${jwt}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(gw.output()).not.toContain(secret);
    expect(gw.output()).not.toContain(jwt.split('.')[2]);
  });
});
