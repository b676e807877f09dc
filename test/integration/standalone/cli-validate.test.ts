import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCliWith } from '../../support/cli.js';

/** `portcullis validate`: standard input, skipped kinds, --strict and --output json (real processes). */
const LEAKY = 'TopSecretValue-5a4b3c2d1e0f';
let dir: string;
const file = async (name: string, text: string) => {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
};
const stream = (...objects: object[]) => objects.map((o) => YAML.stringify(o)).join('---\n');

const consumer = { apiVersion: 'portcullis.dev/v1alpha1', kind: 'KongConsumer', metadata: { name: 'c', namespace: 'demo' }, spec: { username: 'u' } };
const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'demo' }, stringData: { secret: LEAKY } });
const credential = {
  apiVersion: 'portcullis.dev/v1alpha1',
  kind: 'JwtCredential',
  metadata: { name: 'cred', namespace: 'demo' },
  spec: { consumerRef: { name: 'c' }, key: 'k1', secretRef: { name: 'jwt', key: 'secret' } },
};
const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'demo' }, spec: {} };
const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'demo' }, spec: {} });
const badRoute = {
  apiVersion: 'portcullis.dev/v1alpha1',
  kind: 'Route',
  metadata: { name: 'broken', namespace: 'team-a' },
  spec: { paths: ['nope'], backend: { service: { name: 'api', port: 80 } } },
};
/** A Helm-chart-like stream: our CRs next to the workload they protect. */
const mixed = stream(consumer, secret('jwt'), credential, deployment, service('api'), service('api-headless'), secret('unrelated'));
const MIXED_DETAILS = '(checked: 1 KongConsumer, 1 JwtCredential, 1 Secret; skipped: 1 Deployment, 2 Service, 1 Secret (not Portcullis resources))';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-cli-validate-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('validate - (standard input)', () => {
  it('multi-document YAML with mixed kinds: exit 0, names what was checked and which kinds were skipped', async () => {
    const r = await runCliWith(['validate', '-'], { input: mixed });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe(`<stdin>: ok ${MIXED_DETAILS}\n`);
    expect(r.stdout + r.stderr).not.toContain(LEAKY);
  });

  it('--strict: the same input exits 1 because objects were skipped', async () => {
    const r = await runCliWith(['validate', '--strict', '-'], { input: mixed });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toBe(`<stdin>: failed --strict ${MIXED_DETAILS}\n`);
  });

  it('--strict with only Portcullis resources (and the Secrets they load): exit 0', async () => {
    const r = await runCliWith(['validate', '--strict', '-'], { input: stream(consumer, secret('jwt'), credential) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe('<stdin>: ok (checked: 1 KongConsumer, 1 JwtCredential, 1 Secret)\n');
  });

  it('nothing but other kinds: says nothing was checked', async () => {
    const r = await runCliWith(['validate', '-'], { input: stream(deployment, service('api')) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe('<stdin>: ok (nothing checked; skipped: 1 Deployment, 1 Service (not Portcullis resources))\n');
  });

  it('an error among skipped objects: exit 1, the error names the object and field, skipped kinds still listed', async () => {
    const r = await runCliWith(['validate', '-'], { input: stream(deployment, badRoute) });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(`error: <stdin>: documents[1] (line 8) (Route 'broken'): spec.paths.0: must start with "/" (prefix) or "~" (regex)\n`);
    expect(r.stdout).toContain('<stdin>: 1 error(s) (checked: 1 Route; skipped: 1 Deployment (not Portcullis resources))\n');
  });

  it('a kong.yml on standard input is validated as a kong.yml', async () => {
    const kong = YAML.stringify({ _format_version: '3.0', consumers: [{ username: 'u', jwt_secrets: [{ key: 'k', secret: LEAKY }] }] });
    const r = await runCliWith(['validate', '-'], { input: kong });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe('<stdin>: ok (0 routes, 1 consumers, 1 credentials)\n');
  });

  it('standard input next to files', async () => {
    const p = await file('crs.yaml', stream(consumer));
    const r = await runCliWith(['validate', p, '-'], { input: stream(deployment) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe(`${p}: ok (checked: 1 KongConsumer)\n<stdin>: ok (nothing checked; skipped: 1 Deployment (not Portcullis resources))\n`);
  });
});

describe('validate --output json', () => {
  interface JsonResult {
    ok: boolean;
    strict: boolean;
    files: Array<{
      file: string;
      format: string;
      ok: boolean;
      error?: string;
      checked: Record<string, number>;
      skipped: Record<string, number>;
      diagnostics: Array<Record<string, unknown>>;
    }>;
    summary: { files: number; errors: number; warnings: number; checkedObjects: number; skippedObjects: number; skipped: Record<string, number> };
  }

  it('errors, warnings and skipped kinds per file, and a summary; stdout is one JSON document', async () => {
    const bad = await file('bad.yaml', stream(badRoute, deployment, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }));
    const r = await runCliWith(['validate', '-o', 'json', bad, '-'], { input: mixed });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as JsonResult;
    expect(out.ok).toBe(false);
    expect(out.strict).toBe(false);
    expect(out.files.map((f) => [f.file, f.format, f.ok])).toEqual([[bad, 'manifests', false], ['<stdin>', 'manifests', true]]);
    const [first, second] = out.files;
    expect(first!.checked).toEqual({ Route: 1 });
    expect(first!.skipped).toEqual({ Deployment: 1, Widget: 1 });
    expect(first!.diagnostics).toContainEqual({
      severity: 'error',
      kind: 'Route',
      namespace: 'team-a',
      name: 'broken',
      path: 'documents[0] (line 1)',
      field: 'spec.paths.0',
      reason: 'InvalidSpec',
      message: 'must start with "/" (prefix) or "~" (regex)',
    });
    expect(first!.diagnostics).toContainEqual(expect.objectContaining({ severity: 'warning', kind: 'Widget', name: 'w', reason: 'UnknownKind' }));
    expect(second!.diagnostics).toEqual([]);
    expect(second!.checked).toEqual({ KongConsumer: 1, JwtCredential: 1, Secret: 1 });
    expect(second!.skipped).toEqual({ Deployment: 1, Service: 2, Secret: 1 });
    expect(out.summary).toEqual({
      files: 2,
      errors: 1,
      warnings: 1,
      checkedObjects: 4,
      skippedObjects: 6,
      skipped: { Deployment: 2, Widget: 1, Service: 2, Secret: 1 },
    });
    expect(r.stdout).not.toContain(LEAKY);
  });

  it('no errors: ok true and exit 0; with --strict the skipped objects make it ok false and exit 1', async () => {
    const plain = await runCliWith(['validate', '--output', 'json', '-'], { input: mixed });
    expect(plain.code, plain.stdout).toBe(0);
    expect((JSON.parse(plain.stdout) as JsonResult).ok).toBe(true);
    const strict = await runCliWith(['validate', '--output=json', '--strict', '-'], { input: mixed });
    expect(strict.code, strict.stdout).toBe(1);
    const out = JSON.parse(strict.stdout) as JsonResult;
    expect(out).toMatchObject({ ok: false, strict: true, summary: { errors: 0, skippedObjects: 4 } });
    expect(out.files[0]!.ok).toBe(false);
  });

  it('a kong.yml and an unreadable file', async () => {
    const kong = await file('kong.yml', YAML.stringify({ _format_version: '3.0', services: [{ name: 's', url: 'http://127.0.0.1:1', routes: [{ name: 'r', paths: ['/r'] }] }] }));
    const missing = path.join(dir, 'missing.yaml');
    const r = await runCliWith(['validate', '-o', 'json', kong, missing]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonResult;
    expect(out.files[0]).toEqual({ file: kong, format: 'kong.yml', ok: true, checked: { routes: 1, consumers: 0, credentials: 0 }, skipped: {}, diagnostics: [] });
    expect(out.files[1]).toMatchObject({ file: missing, format: 'unreadable', ok: false, error: 'cannot read: ENOENT' });
    expect(out.summary).toMatchObject({ files: 2, errors: 1 });
  });

  it('a YAML error on a Secret line: the secret is not in the JSON', async () => {
    const r = await runCliWith(['validate', '-o', 'json', '-'], {
      input: `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: demo}\nstringData:\n  secret: ${LEAKY}: x\n`,
    });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonResult;
    expect(out.files[0]!.diagnostics[0]).toMatchObject({ severity: 'error', reason: 'InvalidYAML' });
    expect(r.stdout).not.toContain(LEAKY);
  });
});

describe('validate usage errors → exit 2', () => {
  it.each<[string, string[], RegExp]>([
    ['unknown output format', ['validate', '--output', 'yaml', '-'], /--output: expected text or json, got 'yaml'/],
    ['stdin twice', ['validate', '-', '-'], /standard input\) can be given once/],
    ['no file', ['validate', '--strict'], /at least one file/],
  ])('%s', async (_n, args, re) => {
    const r = await runCliWith(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).toContain('Usage: portcullis validate');
    expect(r.stdout).toBe('');
  });
});
