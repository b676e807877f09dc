import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { generateTestKeyPair } from '../../../src/tokens/test-keys.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { waitFor } from '../../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { runCli, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * kong.yml key material in a real standalone gateway: weak RSA keys are left out with a
 * diagnostic, raw-byte HMAC keys work through secret_is_base64, and reloads of files holding
 * secrets in broken places never log them.
 */
const MARKER = 'Pv3StandaloneLeakMarker';
const WEAK = generateTestKeyPair('RS256', { modulusLength: 1024 });
const STRONG = generateTestKeyPair('RS256');
/** 32 random bytes with 0x80–0xBF at the front: not text, so kong.yml carries them base64-encoded. */
const BYTES = randomBytes(32).map((b, i) => (i < 8 ? 0x80 | (b & 0x3f) : b));

let upstream: EchoUpstream;
let gw: StandaloneGateway;

const config = (extra: { consumers?: unknown[] } = {}) => ({
  _format_version: '3.0',
  services: [{
    name: 's',
    url: upstream.url,
    routes: [
      { name: 'rs', paths: ['/rs'], plugins: [{ name: 'jwt' }] },
      { name: 'b64', paths: ['/b64'], plugins: [{ name: 'jwt', config: { secret_is_base64: true } }] },
    ],
  }],
  consumers: [
    {
      username: 'u',
      jwt_secrets: [
        { key: 'weak', algorithm: 'RS256', rsa_public_key: WEAK.publicKeyPem },
        { key: 'strong', algorithm: 'RS256', rsa_public_key: STRONG.publicKeyPem },
        { key: 'bytes', algorithm: 'HS256', secret: Buffer.from(BYTES).toString('base64') },
      ],
    },
    ...(extra.consumers ?? []),
  ],
});
const call = async (path: string, token: string) => {
  const res = await fetch(`${gw.proxy}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
};
const rs = (key: string, privateKeyPem: string) => mintToken({ algorithm: 'RS256', key, privateKeyPem, expiresInSeconds: 600 });

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone(YAML.stringify(config()));
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** kong.yml texts with a secret (MARKER) in a broken place, and the good one they break. */
function brokenFiles() {
  const good = YAML.stringify(config());
  const broken = [
    // YAML syntax errors on the line that holds the secret.
    good.replace('  - username: u\n', `  - username: u\n    secret: ${MARKER}: x\n`),
    `${good}consumers_extra: "${MARKER}\n`,
    good.replace('jwt_secrets:\n', `jwt_secrets:\n      - { key: dup, secret: ${MARKER}, secret: ${MARKER} }\n`),
    // JSON with a syntax error after the secret.
    `{"_format_version":"3.0","consumers":[{"username":"v","jwt_secrets":[{"key":"k","secret":"${MARKER}"}]}`,
    // Valid YAML, secrets in places that are refused.
    YAML.stringify(config({ consumers: [{ username: 'v', jwt_secrets: [{ key: 'k1', secret: [MARKER] }] }] })),
    YAML.stringify(config({ consumers: [{ username: 'v', jwt_secrets: [{ key: 'k2', secret: { MARKER } }] }] })),
    YAML.stringify(config({ consumers: [{ username: 'v', jwt_secrets: [{ key: 'k3', algorithm: 'RS256', rsa_public_key: `-----BEGIN PUBLIC KEY-----\n${MARKER}\n-----END PUBLIC KEY-----\n` }] }] })),
    YAML.stringify(config({ consumers: [{ username: 'v', jwt_secrets: [{ key: 'k4', algorithm: 'RS256', rsa_public_key: MARKER }] }] })),
    YAML.stringify(config({ consumers: [{ username: 'v', jwt_secrets: [{ key: 'k5', algorithm: 'ES256', rsa_public_key: WEAK.publicKeyPem, secret: MARKER }] }] })),
  ];
  return { good, broken };
}

describe('kong.yml key material', () => {
  it('a 1024-bit RSA key is left out with a diagnostic naming the credential; a 2048-bit one serves', async () => {
    expect(await call('/rs', rs('weak', WEAK.privateKeyPem))).toEqual({ status: 401, body: `{"message":"No credentials found for given 'iss'"}` });
    expect((await call('/rs', rs('strong', STRONG.privateKeyPem))).status).toBe(200);
    expect(gw.output()).toContain("consumers[0].jwt_secrets[0] (jwt_secrets 'weak'): rsa_public_key: RS256 needs an RSA key of at least 2048 bits, got 1024");
  });

  it('raw-byte HMAC keys: secret_is_base64 decodes the secret to the exact bytes', async () => {
    expect((await call('/b64', mintToken({ algorithm: 'HS256', key: 'bytes', secret: Buffer.from(BYTES), expiresInSeconds: 600 }))).status).toBe(200);
    expect((await call('/b64', mintToken({ algorithm: 'HS256', key: 'bytes', secret: '\uFFFD'.repeat(32), expiresInSeconds: 600 }))).status).toBe(401);
  });

  it('reloads of files with a secret in a broken place never log it', async () => {
    const { good, broken } = brokenFiles();
    const outcomes = () => (gw.output().match(/configuration rejected|snapshot swapped/g) ?? []).length;
    for (const [i, text] of broken.entries()) {
      const before = outcomes();
      await writeFile(gw.configPath, text);
      await waitFor(() => outcomes() > before, 10_000);
      // Back to a good file (a new text each time, so it is swapped in) before the next one.
      const between = outcomes();
      await writeFile(gw.configPath, `${good}# ${i}\n`);
      await waitFor(() => outcomes() > between, 10_000);
    }
    const out = gw.output();
    expect(out).toContain('InvalidYAML');
    expect(out).toContain('k3');
    expect(out).not.toContain(MARKER);
    expect(out).not.toContain(WEAK.publicKeyPem.split('\n')[1]!);
  }, 60_000);

  it('portcullis validate on the same files says what is wrong, and nothing more', async () => {
    const { broken } = brokenFiles();
    for (const [i, text] of broken.entries()) {
      const file = path.join(gw.dir, `broken-${i}.yml`);
      await writeFile(file, text);
      const r = await runCli(['validate', file]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout + r.stderr).not.toContain(MARKER);
    }
  }, 60_000);
});
