import { writeFile } from 'node:fs/promises';
import https from 'node:https';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, rawRequest, startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { handshake, httpsRequest, makeCert, strayKey } from '../../support/tls.js';

/**
 * The TLS listener of a real `portcullis standalone` (docs/tls.md): kong.yml certificates chosen
 * by SNI, the self-signed default, TLS 1.2+ only, route protocols with Kong's 426 and redirects,
 * rotation without a restart, bad certificates as diagnostics, the expiry metric.
 */
const exact = makeCert('exact.example.com');
const wild = makeCert('wild.example.com');
const trailing = makeCert('trailing');
const expired = makeCert('expired.example.net', { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
const duplicate = makeCert('duplicate');
const mismatched = { cert: makeCert('bad.example.org').cert, key: strayKey() };
const rotated = makeCert('exact-rotated.example.com');
const catchAll = makeCert('catch-all');

let upstream: EchoUpstream;
let gw: StandaloneGateway;
let tlsPort: number;

function config(exactCert: { cert: string; key: string }, extra: object[] = []) {
  const echo = `http://127.0.0.1:${upstream.port}`;
  return {
    _format_version: '3.0',
    certificates: [
      { id: '0b9c5f4e-7a51-4f0e-9a5e-000000000001', ...exactCert, snis: ['exact.example.com'] },
      { ...wild, snis: [{ name: '*.example.com' }] },
      { ...trailing, snis: ['example.*'] },
      { ...expired, snis: ['expired.example.net'] },
      { ...mismatched, snis: ['bad.example.org'] },
      { id: '0b9c5f4e-7a51-4f0e-9a5e-000000000006', ...duplicate },
      ...extra,
    ],
    // A top-level SNI entity naming a certificate by id; it repeats an SNI, so it is refused.
    snis: [{ name: 'exact.example.com', certificate: { id: '0b9c5f4e-7a51-4f0e-9a5e-000000000006' } }],
    services: [
      {
        name: 'echo',
        url: echo,
        routes: [
          { name: 'both', paths: ['/both'], strip_path: false },
          { name: 'secure', paths: ['/secure'], protocols: ['https'], strip_path: false },
          { name: 'moved', paths: ['/moved'], protocols: ['https'], https_redirect_status_code: 301, strip_path: false },
          { name: 'temp', paths: ['/temp'], protocols: ['https'], https_redirect_status_code: 307, strip_path: false },
          { name: 'plain', paths: ['/plain'], protocols: ['http'], strip_path: false },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone(YAML.stringify(config(exact)));
  tlsPort = portOf(gw.proxyTls);
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('SNI selection', () => {
  it.each([
    ['exact.example.com', 'exact.example.com'],
    ['EXACT.example.com', 'exact.example.com'],
    ['api.example.com', 'wild.example.com'],
    ['example.org', 'trailing'],
    // A wildcard stands for one label; an unknown name and no SNI at all get the self-signed default.
    ['a.b.example.com', 'localhost'],
    ['unknown.test', 'localhost'],
    [undefined, 'localhost'],
  ])('SNI %s → certificate %s', async (sni, cn) => {
    expect((await handshake(tlsPort, sni)).cn).toBe(cn);
  });

  it('an expired certificate is still served (warning), a bad one is not (default instead)', async () => {
    expect((await handshake(tlsPort, 'expired.example.net')).cn).toBe('expired.example.net');
    expect((await handshake(tlsPort, 'bad.example.org')).cn).toBe('localhost');
  });

  it('bad certificates are diagnostics naming the object and field, and no key is printed anywhere', async () => {
    const diags = (await (await fetch(`${gw.admin}/debug/diagnostics`)).json()) as { data: Array<{ reason: string; field?: string; object: { path?: string }; severity: string }> };
    const find = (reason: string) => diags.data.find((d) => d.reason === reason);
    expect(find('CertificateKeyMismatch')).toMatchObject({ severity: 'error', field: 'key', object: { path: 'certificates[4]' } });
    expect(find('CertificateExpired')).toMatchObject({ severity: 'warning', field: 'cert', object: { path: 'certificates[3]' } });
    expect(find('DuplicateSni')).toMatchObject({ severity: 'error', field: 'name', object: { path: 'snis[0]' } });
    const everything = `${gw.output()}${JSON.stringify(diags)}`;
    for (const pem of [exact.key, mismatched.key, expired.key]) expect(everything).not.toContain(pem.split('\n')[1]);
  });
});

describe('admin API', () => {
  it('lists certificates (key always redacted) and SNIs as Kong does', async () => {
    const certs = (await (await fetch(`${gw.admin}/certificates`)).json()) as { data: Array<{ id: string; cert: string; key: string; snis: string[] }>; next: null };
    const first = certs.data.find((c) => c.id === '0b9c5f4e-7a51-4f0e-9a5e-000000000001')!;
    expect(first).toMatchObject({ cert: exact.cert, key: '<redacted>', snis: ['exact.example.com'] });
    expect(JSON.stringify(certs)).not.toContain('PRIVATE KEY');
    const snis = (await (await fetch(`${gw.admin}/snis`)).json()) as { data: Array<{ name: string; certificate: { id: string } }> };
    expect(snis.data).toContainEqual(expect.objectContaining({ name: 'exact.example.com', certificate: { id: '0b9c5f4e-7a51-4f0e-9a5e-000000000001' } }));
    expect(snis.data.map((x) => x.name)).not.toContain('bad.example.org');
  });
});

describe('protocol versions', () => {
  it('negotiates TLS 1.3 by default and TLS 1.2 when the client caps it', async () => {
    expect((await handshake(tlsPort, 'exact.example.com')).protocol).toBe('TLSv1.3');
    expect((await handshake(tlsPort, 'exact.example.com', { maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
  });

  it.each(['TLSv1', 'TLSv1.1'] as const)('refuses %s', async (version) => {
    // The client allows the old version (security level 0); the listener must refuse it.
    await expect(handshake(tlsPort, 'exact.example.com', { minVersion: version, maxVersion: version, ciphers: 'DEFAULT:@SECLEVEL=0' })).rejects.toThrow();
  });
});

describe('route protocols', () => {
  it('an https-only route answers plaintext with Kong\'s 426', async () => {
    const res = await fetch(`${gw.proxy}/secure`);
    expect(res.status).toBe(426);
    expect(await res.text()).toBe('{"message":"Please use HTTPS protocol"}');
    expect(res.headers.get('upgrade')).toBe('TLS/1.2, HTTP/1.1');
    expect(res.headers.get('connection')?.toLowerCase()).toContain('upgrade');
    expect(upstream.seen.some((r) => r.url === '/secure')).toBe(false);
    // A client closing after the answer (HTTP/1.0, Connection: close) still gets the connection closed.
    const closed = await rawRequest(portOf(gw.proxy), 'GET /secure HTTP/1.0\nHost: a.test');
    expect(closed.status).toBe(426);
    expect(closed.headers['connection']).toBe('Upgrade, close');
  });

  it('and proxies it over TLS, with X-Forwarded-Proto https', async () => {
    const res = await httpsRequest(tlsPort, '/secure?x=1', { servername: 'exact.example.com' });
    expect(res.status).toBe(200);
    const echoed = JSON.parse(res.body) as { url: string; headers: Record<string, string> };
    expect(echoed.url).toBe('/secure?x=1');
    expect(echoed.headers['x-forwarded-proto']).toBe('https');
    expect(echoed.headers['x-forwarded-port']).toBe(String(tlsPort));
  });

  it('a route for both protocols: X-Forwarded-Proto says which', async () => {
    const plain = (await (await fetch(`${gw.proxy}/both`)).json()) as { headers: Record<string, string> };
    expect(plain.headers['x-forwarded-proto']).toBe('http');
    const secure = JSON.parse((await httpsRequest(tlsPort, '/both', { servername: 'api.example.com' })).body) as { headers: Record<string, string> };
    expect(secure.headers['x-forwarded-proto']).toBe('https');
  });

  it.each([
    ['/moved', 301],
    ['/temp', 307],
  ])('https_redirect_status_code: %s → %i with Location on https', async (path, code) => {
    const res = await rawRequest(portOf(gw.proxy), `GET ${path}/a?b=c HTTP/1.1\nHost: Shop.example.com:8000`);
    expect(res.status).toBe(code);
    // nginx's $host, as Kong builds it: lower-cased, without the port.
    expect(res.headers['location']).toBe(`https://shop.example.com${path}/a?b=c`);
    expect(res.body).toBe('');
  });

  it('an http-only route does not match over TLS (Kong: 404), and does over plaintext', async () => {
    expect((await httpsRequest(tlsPort, '/plain', { servername: 'exact.example.com' })).status).toBe(404);
    expect((await fetch(`${gw.proxy}/plain`)).status).toBe(200);
  });
});

describe('metrics', () => {
  it('exports the expiry of the certificate served for each SNI', async () => {
    const text = await (await fetch(`${gw.status}/metrics`)).text();
    const line = (sni: string) => text.split('\n').find((l) => l.startsWith('portcullis_tls_certificate_expiry_timestamp_seconds{') && l.includes(`sni="${sni}"`));
    expect(line('expired.example.net')).toBe(`portcullis_tls_certificate_expiry_timestamp_seconds{sni="expired.example.net",source="kong.yml"} ${Date.parse('2021-01-01T00:00:00Z') / 1000}`);
    expect(line('*.example.com')).toMatch(/ \d{10}$/);
    expect(line('bad.example.org')).toBeUndefined();
  });
});

describe('rotation', () => {
  it('a changed certificate applies to new handshakes within a second; an open keep-alive connection is untouched', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await httpsRequest(tlsPort, '/both', { servername: 'exact.example.com', agent });
      expect(first.cn).toBe('exact.example.com');
      const written = Date.now();
      await writeFile(gw.configPath, YAML.stringify(config(rotated, [{ ...catchAll, snis: ['*'] }])));
      let elapsed = Infinity;
      for (;;) {
        if ((await handshake(tlsPort, 'exact.example.com')).cn === 'exact-rotated.example.com') {
          elapsed = Date.now() - written;
          break;
        }
        if (Date.now() - written > 5000) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(elapsed).toBeLessThan(1000);
      // The SNI "*" now answers unknown names, and clients sending no SNI (the listener's own context).
      expect((await handshake(tlsPort, 'unknown.test')).cn).toBe('catch-all');
      expect((await handshake(tlsPort, undefined)).cn).toBe('catch-all');
      // The kept-alive connection still works, on the certificate it was made with.
      const again = await httpsRequest(tlsPort, '/both', { servername: 'exact.example.com', agent });
      expect(again.status).toBe(200);
      expect(again.reusedSocket).toBe(true);
      expect(again.cn).toBe('exact.example.com');
    } finally {
      agent.destroy();
    }
  });
});

describe('--workers', () => {
  it('every worker serves the TLS listener with the configured certificates', async () => {
    const w = await startStandalone(YAML.stringify(config(exact)), { args: ['--workers', '2'] });
    try {
      const port = portOf(w.proxyTls);
      for (let i = 0; i < 6; i++) expect((await handshake(port, 'api.example.com')).cn).toBe('wild.example.com');
      expect((await httpsRequest(port, '/secure', { servername: 'exact.example.com' })).status).toBe(200);
    } finally {
      await w.close();
    }
  });
});
