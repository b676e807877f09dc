import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { startTlsUpstream, type TlsUpstream } from '../../support/tls-upstream.js';
import { TestPki } from '../../support/upstream-pki.js';

/**
 * The real CLI with a self-signed https upstream (docs/upstream-tls.md#the-default): verified by
 * default, so 502 and a log line with the reason and how to opt out; `tls_verify: false` opts one
 * service out; --upstream-tls-verify off (flag, or env var in proxy workers) is Kong's behaviour,
 * with one not-verified warning per upstream.
 */
let pki: TestPki;
let up: TlsUpstream;
let byDefault: StandaloneGateway;
let flagOff: StandaloneGateway;
let envOffInWorkers: StandaloneGateway;

const HINT = "set tls_verify: false on the service, give it ca_certificates, or start with --upstream-tls-verify off (Kong's default)";

const config = () => ({
  services: [
    { name: 'internal-api', url: `https://localhost:${up.port}`, routes: [{ name: 'api', paths: ['/api'] }] },
    { name: 'opted-out', url: `https://localhost:${up.port}`, tls_verify: false, routes: [{ name: 'out', paths: ['/out'] }] },
  ],
});

beforeAll(async () => {
  pki = await TestPki.create();
  up = await startTlsUpstream(await pki.selfSigned('upstream', ['DNS:localhost']));
  [byDefault, flagOff, envOffInWorkers] = await Promise.all([
    startStandalone(config()),
    startStandalone(config(), { args: ['--upstream-tls-verify', 'off'] }),
    startStandalone(config(), { args: ['--workers', '1'], env: { PORTCULLIS_UPSTREAM_TLS_VERIFY: 'off' } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([byDefault, flagOff, envOffInWorkers].map((g) => g?.close()));
  await up?.close();
  await pki?.remove();
});

const logLines = (g: StandaloneGateway) =>
  g.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const notVerified = (g: StandaloneGateway) => logLines(g).filter((l) => String(l.msg).startsWith('upstream TLS certificate not verified'));

describe('--upstream-tls-verify', () => {
  it("on by default: the self-signed upstream is Kong's 502, and the log names the service, the reason and how to opt out", async () => {
    const res = await fetch(`${byDefault.proxy}/api`);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ message: 'An invalid response was received from the upstream server' });
    await expect.poll(() => logLines(byDefault).find((l) => l.msg === 'upstream TLS handshake failed')).toMatchObject({
      service: 'internal-api', reason: 'DEPTH_ZERO_SELF_SIGNED_CERT', hint: HINT,
    });
    expect(byDefault.output()).not.toContain('BEGIN');
  });

  it('on by default, tls_verify: false opts one service out: 200, with one not-verified warning naming it', async () => {
    expect((await fetch(`${byDefault.proxy}/out`)).status).toBe(200);
    expect((await fetch(`${byDefault.proxy}/out`)).status).toBe(200);
    expect(notVerified(byDefault).map((l) => l.service)).toEqual(['opted-out']);
  });

  it("off (flag, or env var in proxy workers) is Kong's behaviour: 200, and one not-verified warning per upstream", async () => {
    for (const gw of [flagOff, envOffInWorkers]) {
      expect((await fetch(`${gw.proxy}/api`)).status).toBe(200);
      expect((await fetch(`${gw.proxy}/api`)).status).toBe(200);
      expect((await fetch(`${gw.proxy}/out`)).status).toBe(200);
      await expect.poll(() => notVerified(gw).map((l) => l.service).sort()).toEqual(['internal-api', 'opted-out']);
      expect(notVerified(gw).find((l) => l.service === 'internal-api')!.msg).toContain('--upstream-tls-verify off');
      expect(logLines(gw).filter((l) => l.msg === 'upstream TLS handshake failed')).toEqual([]);
    }
  });

  it("the admin API shows Kong's tls_verify fields and the TLS settings in force, never material", async () => {
    const services = (await (await fetch(`${byDefault.admin}/services`)).json()) as { data: Array<Record<string, unknown>> };
    expect(services.data.map((s) => [s.name, s.tls_verify, s.tls_verify_depth])).toEqual([['internal-api', null, null], ['opted-out', false, null]]);
    const snap = (await (await fetch(`${byDefault.admin}/debug/snapshot`)).json()) as { routes: Array<{ name: string; upstream: { tls?: unknown } }> };
    expect(snap.routes.find((r) => r.name === 'out')!.upstream.tls).toEqual({ verify: false, verify_depth: 1, ca_certificates: 0, client_certificate: false, server_name: null });
  });
});
