import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correlationIdConfigSchema } from '../../../../src/model/correlation-id-config.js';
import { GENERATORS } from '../../../../src/plugins/correlation-id/generators.js';
import { compileCorrelationId } from '../../../../src/plugins/correlation-id/policy.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A real connected socket pair on loopback: the tracker reads the server side's local address and port. */
let server: net.Server;
let client: net.Socket;
let accepted: net.Socket;
beforeAll(async () => {
  server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const got = new Promise<net.Socket>((r) => server.once('connection', r));
  client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  accepted = await got;
});
afterAll(async () => {
  client.destroy();
  accepted.destroy();
  await new Promise((r) => server.close(r));
});

describe('correlation-id generators (Kong)', () => {
  it('uuid: a fresh v4 UUID each time', () => {
    const a = GENERATORS.uuid(accepted);
    expect(a).toMatch(UUID);
    expect(GENERATORS.uuid(accepted)).not.toBe(a);
  });

  it('uuid#counter: one UUID per process, then # and a counter that grows by one', () => {
    const [u1, c1] = GENERATORS['uuid#counter'](accepted).split('#');
    const [u2, c2] = GENERATORS['uuid#counter'](accepted).split('#');
    expect(u1).toMatch(UUID);
    expect(u2).toBe(u1);
    expect(Number(c2)).toBe(Number(c1) + 1);
  });

  it('tracker: address-port-pid-connection-requests-seconds.millis, requests counted per connection', () => {
    const port = (server.address() as net.AddressInfo).port;
    const first = GENERATORS.tracker(accepted).split('-');
    const second = GENERATORS.tracker(accepted).split('-');
    expect(first.slice(0, 3)).toEqual(['127.0.0.1', String(port), String(process.pid)]);
    expect(second[3]).toBe(first[3]);
    expect([first[4], second[4]]).toEqual(['1', '2']);
    expect(first[5]).toMatch(/^\d{10}\.\d{3}$/);
    expect(Math.abs(Number(first[5]) - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe('correlation-id policy', () => {
  it("keeps a client's non-empty value, generates otherwise (defaults: Kong-Request-ID, uuid#counter, no echo)", () => {
    const p = compileCorrelationId('c1', correlationIdConfigSchema.parse({}));
    expect(p.header).toBe('kong-request-id');
    expect(p.echo).toBe(false);
    expect(p.resolve('abc', accepted)).toEqual({ id: 'abc', generated: false });
    expect(p.resolve('', accepted).generated).toBe(true);
    expect(p.resolve(undefined, accepted).id).toMatch(/^[0-9a-f-]{36}#\d+$/);
  });

  it.each([
    [{ generator: 'uuid#time' }, 'generator'],
    [{ headerName: 'X-Forwarded-For' }, 'headerName'],
    [{ headerName: 'has space' }, 'headerName'],
    [{ headerName: 'grpc-status' }, 'headerName'],
    [{ echoDownstream: 'yes' }, 'echoDownstream'],
  ])('%j is refused at %s', (config, field) => {
    const r = correlationIdConfigSchema.safeParse(config);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
