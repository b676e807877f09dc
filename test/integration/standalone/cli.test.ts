import type http from 'node:http';
import net from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { generateTestKeyPair } from '../../../src/tokens/test-keys.js';
import { repoRoot, waitFor } from '../../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { runCli, startStandalone } from '../../support/standalone.js';

/** The CLI's offline commands and the standalone lifecycle (exit codes, messages, SIGTERM drain). */
const LEAKY = 'TopSecretValue-9f8e7d6c5b4a';
let dir: string;
const file = async (name: string, text: string) => {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
};
const decode = (token: string) => {
  const [h, p, s] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()), sig: s! };
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-cli-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('portcullis validate', () => {
  it('a good kong.yml: exit 0 with a summary', async () => {
    const p = await file('good.yml', YAML.stringify({
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://127.0.0.1:1', routes: [{ name: 'r', paths: ['/r'], plugins: [{ name: 'jwt' }] }] }],
      consumers: [{ username: 'u', jwt_secrets: [{ key: 'k', secret: LEAKY }] }],
    }));
    const r = await runCli(['validate', p]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`${p}: ok (1 routes, 1 consumers, 1 credentials)`);
  });

  it('a one-line JSON kong.yml is validated as a kong.yml', async () => {
    const p = await file('kong.json', JSON.stringify({
      consumers: [{ username: 'u', jwt_secrets: [{ key: 'k', secret: LEAKY }] }],
      _format_version: '3.0',
    }));
    const r = await runCli(['validate', p]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`${p}: ok (0 routes, 1 consumers, 1 credentials)`);
  });

  it('several errors: exit 1, each names the file, entity path and field, and no secret is printed', async () => {
    const p = await file('bad.yml', YAML.stringify({
      _format_version: '3.0',
      services: [
        { name: 's', url: 'ftp://x' },
        { name: 't', url: 'http://127.0.0.1:1', routes: [{ name: 'r', paths: ['nope'] }, { name: 'q', paths: ['/q'], plugins: [{ name: 'jwt', config: { maximum_expiration: -1 } }] }] },
      ],
      consumers: [
        { username: 'u', jwt_secrets: [{ key: 'k1', algorithm: 'HS999', secret: LEAKY }] },
        { username: 'v', jwt_secrets: [{ key: 'k2', algorithm: 'RS256', rsa_public_key: `-----BEGIN PUBLIC KEY-----\n${LEAKY}\n-----END PUBLIC KEY-----` }] },
      ],
      jwt_secrets: [{ consumer: 'bob', key: 'k3', secret: LEAKY }],
    }));
    const r = await runCli(['validate', p]);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    const errors = out.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors.length, out).toBeGreaterThanOrEqual(5);
    for (const line of errors) expect(line, line).toMatch(new RegExp(`^error: ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\S+\\[\\d+\\]`));
    for (const [where, field] of <Array<[string, string]>>[
      ['services[0]', 'url'],
      ['services[1].routes[0]', 'paths'],
      ['services[1].routes[1].plugins[0]', 'maximum_expiration'],
      ['consumers[0].jwt_secrets[0]', 'algorithm'],
      ['consumers[1].jwt_secrets[0]', 'rsa_public_key'],
      ['jwt_secrets[0]', 'consumer'],
    ]) {
      expect(errors.some((l) => l.includes(where) && l.includes(field)), `${where} ${field}\n${out}`).toBe(true);
    }
    expect(out).toContain("invalid reference 'consumer: bob' (no such entry in 'consumers')");
    expect(out).not.toContain(LEAKY);
  });

  it('a YAML syntax error on a line holding a secret: exit 1, the secret is not printed', async () => {
    const p = await file('syntax.yml', `_format_version: "3.0"\nconsumers:\n  - username: u\n    jwt_secrets:\n      - key: k\n        secret: "${LEAKY}\n      - [oops\n`);
    const r = await runCli(['validate', p]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(p);
    expect(r.stdout + r.stderr).not.toContain(LEAKY);
    const s = await runCli(['standalone', '--config', p, '--status-listen', '127.0.0.1:0', '--proxy-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0']);
    expect(s.code).toBe(1);
    expect(s.stdout + s.stderr).not.toContain(LEAKY);
  });

  it('a YAML syntax error in a CR manifest on a Secret line: exit 1, the secret is not printed', async () => {
    const p = await file('syntax-cr.yaml', [
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: s, namespace: demo}',
      'stringData:',
      `  secret: ${LEAKY}: x`,
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: t, namespace: demo}',
      'data:',
      `  secret: ${LEAKY}`,
      `  secret: ${LEAKY}`,
      '',
    ].join('\n'));
    const r = await runCli(['validate', p]);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    expect(out).not.toContain(LEAKY);
    expect(out).toContain(`error: ${p}: documents[0] (line 1) (document '#1'): syntax error (BLOCK_AS_IMPLICIT_KEY) at line 5, column 11`);
    expect(out).toContain(`error: ${p}: documents[1] (line 7) (document '#2'): syntax error (DUPLICATE_KEY) at line 12, column 3`);
  });

  describe('RSA keys under 2048 bits are refused', () => {
    const weak = generateTestKeyPair('RS256', { modulusLength: 1024 });
    it('kong.yml: exit 1 naming the credential and rsa_public_key', async () => {
      const p = await file('weak-rsa.yml', YAML.stringify({
        _format_version: '3.0',
        consumers: [{ username: 'u', jwt_secrets: [{ key: 'weak-key', algorithm: 'RS256', rsa_public_key: weak.publicKeyPem }] }],
      }));
      const r = await runCli(['validate', p]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toContain(`error: ${p}: consumers[0].jwt_secrets[0] (jwt_secrets 'weak-key'): rsa_public_key: RS256 needs an RSA key of at least 2048 bits, got 1024`);
    });
    it('CR manifests with the Secret in the file: exit 1 naming the JwtCredential and spec.publicKeyRef', async () => {
      const p = await file('weak-rsa-cr.yaml', [
        YAML.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys', namespace: 'demo' }, stringData: { pem: weak.publicKeyPem } }),
        YAML.stringify({
          apiVersion: 'portcullis.dev/v1alpha1',
          kind: 'JwtCredential',
          metadata: { name: 'weak', namespace: 'demo' },
          spec: { consumerRef: { name: 'c' }, key: 'weak-key', algorithm: 'PS256', publicKeyRef: { name: 'keys', key: 'pem' } },
        }),
      ].join('---\n'));
      const r = await runCli(['validate', p]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toMatch(/error: .*\(JwtCredential 'weak'\): spec\.publicKeyRef: PS256 needs an RSA key of at least 2048 bits, got 1024/);
    });
  });

  it('examples/k8s/*.yaml validate (exit 0)', async () => {
    const k8s = path.join(repoRoot, 'examples/k8s');
    const files = (await readdir(k8s)).filter((f) => f.endsWith('.yaml')).map((f) => path.join(k8s, f));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const r = await runCli(['validate', ...files]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const f of files) expect(r.stdout).toContain(`${f}: ok`);
  });

  it('a bad CR manifest: exit 1 naming the object and field', async () => {
    const p = await file('bad-cr.yaml', [
      'apiVersion: portcullis.dev/v1alpha1',
      'kind: JwtCredential',
      'metadata: {name: broken, namespace: demo}',
      'spec:',
      '  consumerRef: {name: c}',
      '  key: k',
      '  algorithm: HS999',
      '  secretRef: {name: s, key: secret}',
      '',
    ].join('\n'));
    const r = await runCli(['validate', p]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/error: .*broken.*algorithm/);
  });
});

describe('portcullis token', () => {
  it('HS256: kid in the header, iss and exp in the payload, valid HMAC', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await runCli(['token', '--key', 'my-key', '--secret', 's3cret', '--exp', '1h']);
    expect(r.code).toBe(0);
    const t = decode(r.stdout.trim());
    expect(t.header).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'my-key' });
    expect(t.payload.iss).toBe('my-key');
    expect(t.payload.exp - t.payload.iat).toBe(3600);
    expect(t.payload.iat).toBeGreaterThanOrEqual(before);
    const { createHmac } = await import('node:crypto');
    const [h, p] = r.stdout.trim().split('.');
    expect(t.sig).toBe(createHmac('sha256', 's3cret').update(`${h}.${p}`).digest('base64url'));
  });

  it('RS256 with --private-key: verifies with the public key', async () => {
    const pair = generateTestKeyPair('RS256');
    const pem = await file('rs.pem', pair.privateKeyPem);
    const r = await runCli(['token', '--alg', 'RS256', '--key', 'rk', '--private-key', pem, '--exp', '15m', '--nbf', '0']);
    expect(r.code, r.stderr).toBe(0);
    const t = decode(r.stdout.trim());
    expect(t.header).toMatchObject({ alg: 'RS256', kid: 'rk' });
    expect(t.payload).toMatchObject({ iss: 'rk', nbf: t.payload.iat, exp: t.payload.iat + 900 });
    const { createVerify } = await import('node:crypto');
    const [h, p] = r.stdout.trim().split('.');
    expect(createVerify('sha256').update(`${h}.${p}`).verify(pair.publicKeyPem, Buffer.from(t.sig, 'base64url'))).toBe(true);
  });

  it('--claim values are typed; --key-claim moves the key', async () => {
    const r = await runCli(['token', '--key', 'k', '--secret', 's', '--key-claim', 'sub',
      '--claim', 'n=42', '--claim', 'f=1.5', '--claim', 'b=true', '--claim', 's=hello', '--claim', 'j={"a":[1]}', '--claim', 'neg=-3', '--claim', 'e=a=b']);
    expect(r.code, r.stderr).toBe(0);
    const t = decode(r.stdout.trim());
    expect(t.header.kid).toBeUndefined();
    expect(t.payload).toMatchObject({ sub: 'k', n: 42, f: 1.5, b: true, s: 'hello', j: { a: [1] }, neg: -3, e: 'a=b' });
    expect(t.payload.iss).toBeUndefined();
    expect(t.payload.exp).toBeUndefined();
  });

  it('--kid sets the header kid on its own (docs/key-material.md#rotation)', async () => {
    const r = await runCli(['token', '--key', 'k', '--secret', 's', '--kid', '2026-06']);
    expect(r.code, r.stderr).toBe(0);
    const t = decode(r.stdout.trim());
    expect(t.header.kid).toBe('2026-06');
    expect(t.payload.iss).toBe('k');
    const moved = decode((await runCli(['token', '--key', 'k', '--secret', 's', '--key-claim', 'kid', '--kid', 'v2'])).stdout.trim());
    expect(moved.header.kid).toBe('v2');
    expect(moved.payload.kid).toBe('k');
  });

  it.each<[string, string[], RegExp]>([
    ['empty --kid', ['token', '--key', 'k', '--secret', 's', '--kid', ''], /--kid/],
    ['missing --key', ['token', '--secret', 's'], /--key is required/],
    ['missing --secret for HS', ['token', '--key', 'k'], /--secret is required/],
    ['missing --private-key for RS', ['token', '--key', 'k', '--alg', 'RS256'], /--private-key/],
    ['unknown alg', ['token', '--key', 'k', '--secret', 's', '--alg', 'none'], /--alg/],
    ['bad duration', ['token', '--key', 'k', '--secret', 's', '--exp', 'soon'], /--exp/],
    ['bad --claim', ['token', '--key', 'k', '--secret', 's', '--claim', 'novalue'], /--claim/],
    ['unknown flag', ['token', '--nope'], /nope/],
    ['unknown command', ['frobnicate'], /unknown command/],
    ['validate without files', ['validate'], /at least one file/],
    ['standalone without --config', ['standalone'], /--config/],
  ])('usage error: %s → exit 2', { concurrent: true }, async (_n, args, re) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).toContain('Usage: portcullis');
    expect(r.stdout).toBe('');
  });
});

describe('portcullis standalone lifecycle', () => {
  it('a missing file: exit 1 with a clear message', async () => {
    const missing = path.join(dir, 'missing.yml');
    const r = await runCli(['standalone', '--config', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot read ${missing}: ENOENT`);
  });

  it.each(['--proxy-listen', '--admin-listen', '--proxy-listen-tls', '--status-listen'])('%s on a taken port: exit 1 at once with the bind error, not a process left running unready', async (flag) => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const busy = `127.0.0.1:${(taken.address() as net.AddressInfo).port}`;
    try {
      const p = await file('listen.yml', '_format_version: "3.0"\n');
      const own = (f: string) => (f === flag ? busy : "127.0.0.1:0");
      const t0 = Date.now();
      const r = await runCli(['standalone', '--config', p, ...['--proxy-listen', '--admin-listen', '--proxy-listen-tls', '--status-listen'].flatMap((f) => [f, own(f)])]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`EADDRINUSE: address already in use ${busy}`);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      taken.close();
    }
  }, 20_000);

  it('a fatal file (not a kong.yml mapping): exit 1 listing the problem', async () => {
    const p = await file('fatal.yml', '_format_version: "9.9"\nservices: 3\n');
    const r = await runCli(['standalone', '--config', p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${p} cannot be used:`);
    expect(r.stderr).toMatch(/_format_version|services/);
  });

  describe('SIGTERM drain', () => {
    let upstream: EchoUpstream;
    const slowDone: Array<() => void> = [];
    beforeAll(async () => {
      upstream = await startEchoUpstream((req: http.IncomingMessage, res: http.ServerResponse) => {
        if (!req.url!.startsWith('/slow')) return false;
        slowDone.push(() => res.end('finished'));
        return true;
      });
    });
    afterAll(async () => upstream?.close());

    it('an in-flight request completes, /readyz turns 503 and new connections are refused', async () => {
      const gw = await startStandalone(
        { services: [{ name: 's', url: `http://127.0.0.1:${upstream.port}`, routes: [{ name: 'r', paths: ['/'], strip_path: false }] }] },
        { args: ['--drain-seconds', '10'] },
      );
      try {
        const inflight = fetch(`${gw.proxy}/slow`).then(async (r) => [r.status, await r.text()] as const);
        await waitFor(() => slowDone.length === 1, 5000);
        gw.child.kill('SIGTERM');
        await waitFor(async () => (await fetch(`${gw.status}/readyz`)).status === 503, 5000);
        await expect(fetch(`${gw.proxy}/other`)).rejects.toThrow();
        expect(gw.child.exitCode).toBeNull();
        slowDone[0]!();
        expect(await inflight).toEqual([200, 'finished']);
        await waitFor(() => gw.child.exitCode !== null, 5000);
        expect(gw.child.exitCode).toBe(0);
      } finally {
        await gw.close();
      }
    });
  });
});


