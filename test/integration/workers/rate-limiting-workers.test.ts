import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { portOf, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * --workers 2 with the local rate-limiting policy (docs/rate-limiting.md#workers): each worker
 * counts on its own, so a client gets at least the limit and at most 2 × the limit, and the
 * primary warns about it once.
 */
let echo: EchoUpstream;
let gw: StandaloneGateway;

beforeAll(async () => {
  echo = await startEchoUpstream();
  gw = await startStandalone(
    { services: [{ name: 'echo', url: echo.url, routes: [{ name: 'limited', paths: ['/'], plugins: [{ name: 'rate-limiting', config: { day: 1, limit_by: 'ip' } }] }] }] },
    { args: ['--workers', '2'] },
  );
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await echo?.close();
});

/** A new connection per request, so the kernel spreads them over the workers. */
const status = () =>
  new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: portOf(gw.proxy), path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }).on('error', reject);
  });

describe('rate-limiting local policy with --workers 2', () => {
  it('counts per worker process: between 1 and 2 passes for a limit of 1; warned once', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await status());
    const passed = statuses.filter((s) => s === 200).length;
    expect(passed).toBeGreaterThanOrEqual(1);
    expect(passed).toBeLessThanOrEqual(2);
    expect(statuses.filter((s) => s === 429).length).toBe(12 - passed);
    expect(gw.output().split('\n').filter((l) => l.includes('counts per worker process')).length).toBe(1);
  });
});
