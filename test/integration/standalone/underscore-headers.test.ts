import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, rawRequest, startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { startWsgiUpstream, type WsgiUpstream } from '../../support/wsgi-upstream.js';

/**
 * Header names with "_": a WSGI/CGI/Rack upstream reads X_Consumer_Username as
 * HTTP_X_CONSUMER_USERNAME, the same variable as the gateway's X-Consumer-Username.
 */
const SECRET = 'underscore-secret-0123456789';
const token = () => mintToken({ algorithm: 'HS256', key: 'alice-key', secret: SECRET, expiresInSeconds: 300 });

const SPOOFED_LINES = [
  'X_Consumer_Username: admin',
  'X_Consumer_ID: spoofed-id',
  'X_Consumer_Custom_ID: spoofed-cid',
  'X_Credential_Identifier: spoofed-key',
  'X_Anonymous_Consumer: true',
  'X_Forwarded_For: 203.0.113.9',
  'X_Forwarded_Host: evil.example',
  'X_Real_IP: 198.51.100.1',
  'x-forwarded_proto: https',
  'X_Request_Id: spoofed-request-id',
];
const PROTECTED_VARS = [
  'HTTP_X_CONSUMER_USERNAME',
  'HTTP_X_CONSUMER_ID',
  'HTTP_X_CONSUMER_CUSTOM_ID',
  'HTTP_X_CREDENTIAL_IDENTIFIER',
  'HTTP_X_ANONYMOUS_CONSUMER',
];

let echo: EchoUpstream;
let wsgi: WsgiUpstream;
let dropping: StandaloneGateway;
let keepingByFlag: StandaloneGateway;
let keepingByEnv: StandaloneGateway;
let keepingInWorkers: StandaloneGateway;

function config() {
  const jwt = { name: 'jwt', config: {} };
  return {
    services: [
      { name: 'node', url: echo.url, routes: [
        { name: 'node-public', paths: ['/node/public'] },
        { name: 'node-auth', paths: ['/node/auth'], plugins: [jwt] },
      ] },
      { name: 'wsgi', url: wsgi.url, routes: [
        { name: 'wsgi-public', paths: ['/wsgi/public'] },
        { name: 'wsgi-auth', paths: ['/wsgi/auth'], plugins: [jwt] },
      ] },
    ],
    consumers: [{ username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] }],
  };
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  wsgi = await startWsgiUpstream();
  dropping = await startStandalone(config());
  keepingByFlag = await startStandalone(config(), { args: ['--underscore-headers', 'keep'] });
  keepingByEnv = await startStandalone(config(), { env: { PORTCULLIS_UNDERSCORE_HEADERS: 'keep' } });
  keepingInWorkers = await startStandalone(config(), { args: ['--underscore-headers', 'keep', '--workers', '1'] });
}, 60_000);

afterAll(async () => {
  await dropping?.close();
  await keepingByFlag?.close();
  await keepingByEnv?.close();
  await keepingInWorkers?.close();
  await wsgi?.close();
  await echo?.close();
});

async function send(gw: StandaloneGateway, path: string, extra: string[], auth: boolean) {
  const lines = [`GET ${path} HTTP/1.1`, 'Host: gw.example', ...extra];
  if (auth) lines.push(`Authorization: Bearer ${token()}`);
  const r = await rawRequest(portOf(gw.proxy), lines.join('\n'));
  expect(r.status, r.body).toBe(200);
  return JSON.parse(r.body) as { headers?: Record<string, string>; environ?: Record<string, string> };
}

describe('default: every header name with "_" is dropped (as nginx does)', () => {
  it.each([
    ['public', '/wsgi/public', false],
    ['protected', '/wsgi/auth', true],
  ])('WSGI upstream, %s route: only the gateway\'s identity and forwarding values', async (_n, path, auth) => {
    const env = (await send(dropping, path, [...SPOOFED_LINES, 'X_Custom_Thing: 1'], auth)).environ!;
    if (auth) {
      expect(env.HTTP_X_CONSUMER_USERNAME).toBe('alice');
      expect(env.HTTP_X_CREDENTIAL_IDENTIFIER).toBe('alice-key');
      expect(env.HTTP_X_CONSUMER_CUSTOM_ID).toBeUndefined();
      expect(env.HTTP_X_ANONYMOUS_CONSUMER).toBeUndefined();
    } else {
      for (const v of PROTECTED_VARS) expect(env[v], v).toBeUndefined();
    }
    expect(env.HTTP_X_FORWARDED_FOR).toBe('127.0.0.1');
    expect(env.HTTP_X_REAL_IP).toBe('127.0.0.1');
    expect(env.HTTP_X_FORWARDED_HOST).toBe('gw.example');
    expect(env.HTTP_X_FORWARDED_PROTO).toBe('http');
    expect(env.HTTP_X_REQUEST_ID).not.toBe('spoofed-request-id');
    expect(env.HTTP_X_CUSTOM_THING).toBeUndefined();
  });

  it.each([
    ['public', '/node/public', false],
    ['protected', '/node/auth', true],
  ])('Node upstream, %s route: no header name with "_" arrives', async (_n, path, auth) => {
    const h = (await send(dropping, path, [...SPOOFED_LINES, 'X_Custom_Thing: 1'], auth)).headers!;
    expect(Object.keys(h).filter((k) => k.includes('_'))).toEqual([]);
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    if (auth) expect(h['x-consumer-username']).toBe('alice');
    else expect(h['x-consumer-username']).toBeUndefined();
  });
});

describe('--underscore-headers keep / PORTCULLIS_UNDERSCORE_HEADERS=keep', () => {
  const modes = () => [
    ['flag', keepingByFlag],
    ['env', keepingByEnv],
    ['flag, proxy in a worker process', keepingInWorkers],
  ] as const;

  it('other names with "_" are forwarded; spellings of protected headers still are not (WSGI, protected route)', async () => {
    for (const [mode, gw] of modes()) {
      const env = (await send(gw, '/wsgi/auth', [...SPOOFED_LINES, 'X_Custom_Thing: 1'], true)).environ!;
      expect(env.HTTP_X_CUSTOM_THING, mode).toBe('1');
      expect(env.HTTP_X_CONSUMER_USERNAME, mode).toBe('alice');
      expect(env.HTTP_X_CONSUMER_ID, mode).not.toBe('spoofed-id');
      expect(env.HTTP_X_CREDENTIAL_IDENTIFIER, mode).toBe('alice-key');
      expect(env.HTTP_X_CONSUMER_CUSTOM_ID, mode).toBeUndefined();
      expect(env.HTTP_X_ANONYMOUS_CONSUMER, mode).toBeUndefined();
      expect(env.HTTP_X_FORWARDED_FOR, mode).toBe('127.0.0.1');
      expect(env.HTTP_X_REAL_IP, mode).toBe('127.0.0.1');
      expect(env.HTTP_X_FORWARDED_HOST, mode).toBe('gw.example');
      expect(env.HTTP_X_REQUEST_ID, mode).not.toBe('spoofed-request-id');
    }
  });

  it('Node upstream, public route: the custom name arrives as sent, no protected spelling does', async () => {
    for (const [mode, gw] of modes()) {
      const h = (await send(gw, '/node/public', [...SPOOFED_LINES, 'X_Custom_Thing: 1'], false)).headers!;
      expect(Object.keys(h).filter((k) => k.includes('_')), mode).toEqual(['x_custom_thing']);
    }
  });
});

describe('--underscore-headers validation', () => {
  it('refuses an unknown mode at start', async () => {
    await expect(startStandalone(config(), { args: ['--underscore-headers', 'on'] })).rejects.toThrow(/--underscore-headers: expected drop or keep/);
  });
});
