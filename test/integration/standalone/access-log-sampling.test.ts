import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { refusedPort, startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * `--access-log-sample-success` on real `portcullis standalone` processes (docs/access-log.md#sampling):
 * successes (2xx, 3xx) are sampled, every refusal and error is always logged.
 */
const SECRET = 'sampling-secret-0a1b2c3d';
const token = () => mintToken({ algorithm: 'HS256', key: 'sampling-key', secret: SECRET, expiresInSeconds: 600 });

let upstream: EchoUpstream;
let deadPort: number;
beforeAll(async () => {
  // "/…/moved" answers a 302 from the upstream: a success too.
  upstream = await startEchoUpstream((req, res) => {
    if (!req.url!.includes('moved')) return false;
    res.writeHead(302, { location: '/elsewhere' }).end();
    return true;
  });
  deadPort = await refusedPort();
});
afterAll(async () => {
  await upstream?.close();
});

const config = () => ({
  services: [
    {
      name: 'echo',
      url: upstream.url,
      routes: [
        { name: 'api', paths: ['/api'], plugins: [{ name: 'jwt' }] },
        { name: 'open', paths: ['/open'] },
      ],
    },
    { name: 'dead', url: `http://127.0.0.1:${deadPort}`, retries: 0, routes: [{ name: 'dead', paths: ['/dead'] }] },
  ],
  consumers: [{ username: 'sam', jwt_secrets: [{ key: 'sampling-key', secret: SECRET }] }],
});

async function send(gw: StandaloneGateway, path: string, requestId: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${gw.proxy}${path}`, { headers: { 'x-request-id': requestId, ...headers }, redirect: 'manual' });
  await res.arrayBuffer();
  return res.status;
}

/** Stops the gateway (SIGTERM flushes the log) and returns its access lines. */
async function accessLines(gw: StandaloneGateway): Promise<Array<Record<string, unknown>>> {
  expect(await gw.close()).toBe(0);
  return gw
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.type === 'access');
}

describe('--access-log-sample-success 0 (with --workers 2)', () => {
  let lines: Array<Record<string, unknown>>;
  /** request id → [expected status, status answered] */
  const answered = new Map<string, [number, number]>();

  beforeAll(async () => {
    const gw = await startStandalone(config(), { args: ['--access-log', 'on', '--access-log-sample-success', '0', '--workers', '2'] });
    try {
      const auth = { authorization: `Bearer ${token()}` };
      const cases: Array<[string, string, number, Record<string, string>?]> = [
        ['ok', '/api/x', 200, auth],
        ['open', '/open/x', 200],
        ['moved', '/open/moved', 302],
        ['401', '/api/x', 401],
        ['404', '/nowhere', 404],
        ['502', '/dead', 502],
      ];
      for (let i = 0; i < 20; i++) {
        for (const [name, path, status, headers] of cases) answered.set(`${name}-${i}`, [status, await send(gw, path, `${name}-${i}`, headers)]);
      }
    } finally {
      lines = await accessLines(gw);
    }
  }, 60_000);

  it('answered every request as usual', () => {
    for (const [id, [want, got]] of answered) expect(got, id).toBe(want);
  });

  it('logs no 2xx or 3xx line', () => {
    expect(lines.filter((l) => (l.status as number) < 400)).toEqual([]);
  });

  it('logs every 401, 404 and 502, each once, with its reason', () => {
    const refused = [...answered].filter(([, [want]]) => want >= 400).map(([id]) => id);
    expect(refused).toHaveLength(60);
    expect(lines.map((l) => l.request_id as string).sort()).toEqual(refused.sort());
    for (const l of lines) {
      const status = answered.get(l.request_id as string)![0];
      expect(l.status).toBe(status);
      expect(l.reason).toBe({ 401: 'no_token', 404: 'no_route', 502: undefined }[status]);
    }
  });
});

describe('PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS=0.5', () => {
  const N = 400;
  let lines: Array<Record<string, unknown>>;

  beforeAll(async () => {
    const gw = await startStandalone(config(), { args: ['--access-log', 'on'], env: { PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS: '0.5' } });
    try {
      for (let i = 0; i < N; i++) expect(await send(gw, '/open/x', `s-${i}`)).toBe(200);
      for (let i = 0; i < 40; i++) expect(await send(gw, '/api/x', `r-${i}`)).toBe(401);
    } finally {
      lines = await accessLines(gw);
    }
  }, 60_000);

  it('logs about half the successes: within 5 standard deviations of N/2 (binomial, p = 0.5)', () => {
    const kept = lines.filter((l) => l.status === 200);
    // sd = sqrt(N p (1-p)) = 10 for N = 400: [150, 250] fails by chance with probability < 1e-6.
    const sd = Math.sqrt(N * 0.25);
    expect(kept.length).toBeGreaterThanOrEqual(N / 2 - 5 * sd);
    expect(kept.length).toBeLessThanOrEqual(N / 2 + 5 * sd);
    // Each kept line is a real request's, once.
    expect(new Set(kept.map((l) => l.request_id)).size).toBe(kept.length);
    for (const l of kept) expect(String(l.request_id)).toMatch(/^s-\d+$/);
  });

  it('logs every refusal', () => {
    expect(lines.filter((l) => l.status === 401).map((l) => l.request_id).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `r-${i}`).sort());
  });
});
