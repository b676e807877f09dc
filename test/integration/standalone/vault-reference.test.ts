import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * A `{vault://env/…}` jwt_secrets secret in a real standalone gateway whose environment holds that
 * variable: Kong does not resolve references there (the field is not referenceable,
 * kong/plugins/jwt/daos.lua) and neither does Portcullis — the reference text is the secret, and the
 * file loads with a VaultReference warning that never prints the environment's value.
 */
const ENV_NAME = 'PC_TEST_ALICE_JWT_SECRET';
const ENV_VALUE = `env-${randomBytes(16).toString('hex')}`;
const REFERENCE = `{vault://env/${ENV_NAME}}`;

let upstream: EchoUpstream;
let gw: StandaloneGateway;

const call = async (secret: string) => {
  const token = mintToken({ algorithm: 'HS256', key: 'alice-key', secret, expiresInSeconds: 600 });
  const res = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone(
    {
      services: [{ name: 's', url: upstream.url, routes: [{ name: 'r', paths: ['/api'], plugins: [{ name: 'jwt' }] }] }],
      consumers: [{ username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: REFERENCE }] }],
    },
    { env: { [ENV_NAME]: ENV_VALUE } },
  );
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('a vault reference as a jwt_secrets secret (standalone)', () => {
  it('is not resolved from the environment: a token signed with the variable\'s value is refused', async () => {
    expect(await call(ENV_VALUE)).toEqual({ status: 401, body: '{"message":"Invalid signature"}' });
  });

  it('is used as written, as Kong does', async () => {
    expect((await call(REFERENCE)).status).toBe(200);
  });

  it('is reported as a VaultReference warning naming the credential and field, without the value', () => {
    const out = gw.output();
    expect(out).toContain('VaultReference');
    expect(out).toContain("jwt_secrets 'alice-key'");
    expect(out).not.toContain(ENV_VALUE);
  });
});
