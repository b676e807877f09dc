import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { startTlsUpstream, type TlsUpstream } from '../../support/tls-upstream.js';
import { TestPki } from '../../support/upstream-pki.js';

/**
 * The real CLI with an https upstream whose certificate no system CA signed (docs/upstream-tls.md):
 * Kong's default (no verification) with one warning naming the service, and --upstream-tls-verify
 * on (flag and env var, also in proxy workers) refusing it with 502 and a log line with the reason.
 */
let pki: TestPki;
let up: TlsUpstream;
let byDefault: StandaloneGateway;
let byFlag: StandaloneGateway;
let byEnvInWorkers: StandaloneGateway;

const config = () => ({
  services: [
    { name: 'internal-api', url: `https://localhost:${up.port}`, routes: [{ name: 'api', paths: ['/api'] }] },
    { name: 'opted-out', url: `https://localhost:${up.port}`, tls_verify: false, routes: [{ name: 'out', paths: ['/out'] }] },
  ],
});

beforeAll(async () => {
  pki = await TestPki.create();
  await pki.root('internal-ca');
  up = await startTlsUpstream(await pki.issue('upstream', 'internal-ca', { sans: ['DNS:localhost'] }));
  [byDefault, byFlag, byEnvInWorkers] = await Promise.all([
    startStandalone(config()),
    startStandalone(config(), { args: ['--upstream-tls-verify', 'on'] }),
    startStandalone(config(), { args: ['--workers', '1'], env: { PORTCULLIS_UPSTREAM_TLS_VERIFY: 'on' } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([byDefault, byFlag, byEnvInWorkers].map((g) => g?.close()));
  await up?.close();
  await pki?.remove();
});

const logLines = (g: StandaloneGateway) =>
  g.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('--upstream-tls-verify', () => {
  it('off by default, as Kong: the self-signed upstream answers, and one warning names the service', async () => {
    expect((await fetch(`${byDefault.proxy}/api`)).status).toBe(200);
    expect((await fetch(`${byDefault.proxy}/api`)).status).toBe(200);
    const warnings = logLines(byDefault).filter((l) => String(l.msg).startsWith('upstream TLS certificate not verified'));
    expect(warnings.map((l) => l.service)).toEqual(['internal-api']);
  });

  it('on (flag, or env var in proxy workers): 502 with a log line naming the service and the reason; tls_verify: false still wins', async () => {
    for (const gw of [byFlag, byEnvInWorkers]) {
      const res = await fetch(`${gw.proxy}/api`);
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ message: 'An invalid response was received from the upstream server' });
      expect((await fetch(`${gw.proxy}/out`)).status).toBe(200);
      await expect.poll(() => logLines(gw).find((l) => l.msg === 'upstream TLS handshake failed')).toMatchObject({ service: 'internal-api', reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      expect(gw.output()).not.toContain('BEGIN');
    }
  });

  it("the admin API shows Kong's tls_verify fields and the TLS settings in force, never material", async () => {
    const services = (await (await fetch(`${byDefault.admin}/services`)).json()) as { data: Array<Record<string, unknown>> };
    expect(services.data.map((s) => [s.name, s.tls_verify, s.tls_verify_depth])).toEqual([['internal-api', null, null], ['opted-out', false, null]]);
    const snap = (await (await fetch(`${byDefault.admin}/debug/snapshot`)).json()) as { routes: Array<{ name: string; upstream: { tls?: unknown } }> };
    expect(snap.routes.find((r) => r.name === 'out')!.upstream.tls).toEqual({ verify: false, verify_depth: 1, ca_certificates: 0, client_certificate: false, server_name: null });
  });
});
