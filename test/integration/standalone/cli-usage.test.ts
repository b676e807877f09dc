import { createHmac } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliWith } from '../../support/cli.js';
import { repoRoot } from '../../support/gateway-process.js';

/** `portcullis --version`, per-command help, and `token`'s JSON claims and secret sources (real processes). */
const SECRET = 'Sup3r-S3cret-Value-0a1b2c3d';
let dir: string;
const decode = (token: string) => {
  const [h, p, s] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()), sig: s!, signed: `${h}.${p}` };
};
const hs256 = (secret: string | Buffer, data: string) => createHmac('sha256', secret).update(data).digest('base64url');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-cli-usage-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('portcullis --version', () => {
  it.each([['--version'], ['-V']])('%s prints package.json version, exit 0', async (flag) => {
    const { version } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await runCliWith([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.stderr).toBe('');
  });

  it('is read at run time from the package.json next to dist/ (as in the image: /app/package.json, /app/dist)', async () => {
    const app = path.join(dir, 'app');
    await cp(path.join(repoRoot, 'dist'), path.join(app, 'dist'), { recursive: true });
    await symlink(path.join(repoRoot, 'node_modules'), path.join(app, 'node_modules'));
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'portcullis', version: '9.8.7-image', type: 'module' }));
    const r = spawnSync(process.execPath, ['dist/cli.js', '--version'], { cwd: app, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('9.8.7-image\n');
  });
});

describe('per-command help', () => {
  const pages: Array<[string, string[]]> = [
    ['standalone', ['-c, --config FILE', 'PORTCULLIS_CONFIG', '--proxy-listen  HOST:PORT   PORTCULLIS_PROXY_LISTEN   0.0.0.0:8000', 'PORTCULLIS_TOKEN_CACHE_BYTES']],
    ['controller', ['--namespace NS', 'PORTCULLIS_NAMESPACE', 'KUBECONFIG', 'PORTCULLIS_LEASE_NAME     portcullis-leader', 'PORTCULLIS_WATCH_IDLE_TIMEOUT  30', 'PORTCULLIS_HOST_POLICY', '--ingress-class NAME        PORTCULLIS_INGRESS_CLASS', '--publish-service NS/NAME', '--admin-listen  HOST:PORT   PORTCULLIS_ADMIN_LISTEN   127.0.0.1:8001']],
    ['validate', ['portcullis validate -', '-o, --output text|json', '--strict', 'Exit codes: 0 ok, 1']],
    ['token', ['--secret-file FILE', 'PORTCULLIS_TOKEN_SECRET', '--private-key FILE', "n='\"5\"'", '--key-claim NAME', '--kid KID']],
  ];

  it.each(pages)('%s --help, -h and `help %s` print the same page, exit 0', async (command, expected) => {
    const runs = await Promise.all([runCliWith([command, '--help']), runCliWith([command, '-h']), runCliWith(['help', command])]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(runs[0]!.stdout);
    }
    const page = runs[0]!.stdout;
    expect(page.startsWith(`Usage: portcullis ${command} `), page).toBe(true);
    for (const text of expected) expect(page, text).toContain(text);
    // One command's page, not the overview.
    expect(page).not.toContain('Commands:');
  });

  it('--help after other options still prints the page, without running the command', async () => {
    const r = await runCliWith(['controller', '--kubeconfig', '/nonexistent', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: portcullis controller /);
  });

  it('--help, -h and `help` print the overview, exit 0; no command prints it with exit 2', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await runCliWith(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: portcullis <command> \[options\]/);
      for (const c of ['standalone', 'controller', 'validate', 'token', '--version']) expect(r.stdout).toContain(c);
    }
    const none = await runCliWith([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Commands:');
  });

  it.each(['frobnicate', 'constructor'])('help for an unknown command (%s): exit 2 with the overview', async (name) => {
    const r = await runCliWith(['help', name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`help: unknown command '${name}'`);
    expect(r.stderr).toContain('Commands:');
  });

  it('an Object.prototype name is not a command', async () => {
    const r = await runCliWith(['toString']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'toString'");
  });

  it("a usage error in a command prints that command's usage", async () => {
    const r = await runCliWith(['token', '--nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: portcullis token ');
  });
});

describe('token --claim JSON values', () => {
  it('valid JSON becomes that value; anything else stays a string', async () => {
    const r = await runCliWith(['token', '--key', 'k', '--secret', SECRET,
      '--claim', 'aud=["a","b"]', '--claim', 'n=5', '--claim', 'flag=true', '--claim', 'off=false', '--claim', 'none=null',
      '--claim', 'obj={"role":"admin","level":2}', '--claim', 'name=alice', '--claim', 'forced="5"', '--claim', 'big=1e3',
      '--claim', 'half=[1,', '--claim', 'empty=']);
    expect(r.code, r.stderr).toBe(0);
    const t = decode(r.stdout.trim());
    expect(t.payload).toMatchObject({
      aud: ['a', 'b'], n: 5, flag: true, off: false, none: null, obj: { role: 'admin', level: 2 },
      name: 'alice', forced: '5', big: 1000, half: '[1,', empty: '',
    });
    expect(t.sig).toBe(hs256(SECRET, t.signed));
  });
});

describe('token HMAC secret sources', () => {
  it('--secret-file: the file bytes, newline included', async () => {
    const f = path.join(dir, 'secret');
    await writeFile(f, `${SECRET}\n`);
    const r = await runCliWith(['token', '--key', 'k', '--secret-file', f, '--exp', '1h']);
    expect(r.code, r.stderr).toBe(0);
    const t = decode(r.stdout.trim());
    expect(t.payload.iss).toBe('k');
    expect(t.sig).toBe(hs256(`${SECRET}\n`, t.signed));
  });

  it('--secret-file: binary bytes', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
    const f = path.join(dir, 'secret.bin');
    await writeFile(f, bytes);
    const r = await runCliWith(['token', '--key', 'k', '--secret-file', f, '--alg', 'HS512']);
    expect(r.code, r.stderr).toBe(0);
    const t = decode(r.stdout.trim());
    expect(t.sig).toBe(createHmac('sha512', bytes).update(t.signed).digest('base64url'));
  });

  it('PORTCULLIS_TOKEN_SECRET', async () => {
    const r = await runCliWith(['token', '--key', 'k'], { env: { PORTCULLIS_TOKEN_SECRET: SECRET } });
    expect(r.code, r.stderr).toBe(0);
    const t = decode(r.stdout.trim());
    expect(t.sig).toBe(hs256(SECRET, t.signed));
  });

  it('RS256 with only PORTCULLIS_TOKEN_SECRET still asks for --private-key (the env var is for HS*)', async () => {
    const r = await runCliWith(['token', '--key', 'k', '--alg', 'RS256'], { env: { PORTCULLIS_TOKEN_SECRET: SECRET } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--private-key FILE \(PEM\) is required for RS256/);
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['--secret and --secret-file', ['--secret', SECRET, '--secret-file', 'SECRET_FILE'], {}, /both --secret and --secret-file are set/],
    ['--secret and the env var', ['--secret', SECRET], { PORTCULLIS_TOKEN_SECRET: SECRET }, /both --secret and PORTCULLIS_TOKEN_SECRET are set/],
    ['--secret-file and the env var', ['--secret-file', 'SECRET_FILE'], { PORTCULLIS_TOKEN_SECRET: SECRET }, /both --secret-file and PORTCULLIS_TOKEN_SECRET are set/],
    ['none of them', [], {}, /--secret is required for HS256 \(or --secret-file FILE, or PORTCULLIS_TOKEN_SECRET\)/],
    ['an unreadable --secret-file', ['--secret-file', 'MISSING'], {}, /--secret-file \S+missing-secret: cannot read: ENOENT/],
  ])('%s: usage error, exit 2, the secret never printed', async (_n, flags, env, re) => {
    const secretFile = path.join(dir, 'conflict-secret');
    await writeFile(secretFile, SECRET);
    const args = flags.map((a) => (a === 'SECRET_FILE' ? secretFile : a === 'MISSING' ? path.join(dir, 'missing-secret') : a));
    const r = await runCliWith(['token', '--key', 'k', ...args], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain(SECRET);
  });
});
