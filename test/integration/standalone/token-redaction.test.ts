import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, rawRequest, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * Tokens under query names no route configures, percent-encoded, or in the path: the access log
 * (which also records every error answer) must not carry them. Read from the real process output
 * after SIGTERM, which flushes the buffered log.
 */
const SECRET = 'redaction-secret-0a1b2c3d4e5f';
let upstream: EchoUpstream;
let gw: StandaloneGateway;
let output = '';
const sent: Array<{ what: string; token: string }> = [];

const token = (what: string) => {
  const t = mintToken({ algorithm: 'HS256', key: 'red-key', secret: SECRET, expiresInSeconds: 300, claims: { nonce: Math.random() } });
  sent.push({ what, token: t });
  return t;
};
const dotsEncoded = (t: string) => t.replace(/\./g, '%2E');

const requests = [
  `/public?JWT=${token('?JWT=')}`,
  `/public?a=1&access_token=${token('?access_token=')}`,
  `/public?jwt+=${token('?jwt+=')}`,
  `/nowhere?Jwt=${token('?Jwt= on a 404')}`,
  `/auth?Token=${token('?Token= on a jwt route (401)')}`,
  `/public?t=${dotsEncoded(token('percent-encoded dots'))}`,
  `/public?t=Bearer%20${token('after Bearer')}`,
  `/public?next=https%3A%2F%2Fapp.example%2Fcb%3Ftoken%3D${token('nested in a URL')}`,
  `/public/verify/${token('in the path')}`,
  `/nowhere/${dotsEncoded(token('in a 404 path, percent-encoded'))}?x=1`,
  `/public?${token('as a bare parameter')}`,
];

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone(
    {
      services: [
        {
          name: 'echo',
          url: upstream.url,
          routes: [
            { name: 'public', paths: ['/public'] },
            { name: 'auth', paths: ['/auth'], plugins: [{ name: 'jwt' }] },
          ],
        },
      ],
      consumers: [{ username: 'red', jwt_secrets: [{ key: 'red-key', secret: SECRET }] }],
    },
    { args: ['--access-log', 'on'] },
  );
  const port = portOf(gw.proxy);
  for (const p of requests) await rawRequest(port, `GET ${p} HTTP/1.1\nHost: gw.example`);
  await gw.close();
  output = gw.output();
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('access log: JWT-shaped values are redacted whatever their name or place', () => {
  it('every request was logged', () => {
    const lines = output.split('\n').filter((l) => l.includes('"type":"access"'));
    expect(lines.length).toBe(requests.length);
    expect(output).toContain('REDACTED');
  });

  it.each(sent)('no part of a token sent $what', ({ what, token: t }) => {
    for (const part of t.split('.').slice(1)) expect(output, what).not.toContain(part);
  });

  it('ordinary query values stay readable', () => {
    expect(output).toContain('"path":"/nowhere/REDACTED?x=1"');
    expect(output).toContain('a=1&access_token=REDACTED');
  });
});
