import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { correlationIdConfigSchema } from '../../../src/model/correlation-id-config.js';
import { ipRestrictionConfigSchema } from '../../../src/model/ip-restriction-config.js';
import { compileCorrelationId } from '../../../src/plugins/correlation-id/policy.js';
import { compileIpRestriction } from '../../../src/plugins/ip-restriction/policy.js';
import { correlate, echoCorrelationId, ipRefusal, setUpstreamHeader, type PluginExchange } from '../../../src/proxy/kong-plugins.js';

function exchange(headers: Record<string, string>, requestId = 'gw-id-1'): PluginExchange {
  return {
    req: { socket: new net.Socket() } as IncomingMessage,
    requestId,
    peer: '127.0.0.1',
    realIp: undefined,
    echo: undefined,
    correlation: undefined,
    header: (name) => headers[name],
  };
}

const cid = (config: unknown) => compileCorrelationId('c', correlationIdConfigSchema.parse(config));

describe('correlate', () => {
  it('adds a generated id upstream, echoes it, and decides once per request', () => {
    const x = exchange({});
    const policy = cid({ echoDownstream: true, generator: 'uuid' });
    const id = correlate(x, policy);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(x.echo).toEqual(['kong-request-id', id]);
    // Admission again after a JWKS refetch: the same id.
    expect(correlate(x, policy)).toBe(id);
  });

  it("keeps the client's value: nothing to add upstream, the value echoed", () => {
    const x = exchange({ 'kong-request-id': 'abc' });
    expect(correlate(x, cid({ echoDownstream: true }))).toBeUndefined();
    expect(x.echo).toEqual(['kong-request-id', 'abc']);
  });

  it('X-Request-ID: the generated id becomes the gateway request id; a client id is the request id', () => {
    const fresh = exchange({});
    expect(correlate(fresh, cid({ headerName: 'X-Request-ID', generator: 'uuid' }))).toBeUndefined();
    expect(fresh.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const sent = exchange({ 'x-request-id': 'client-id' }, 'client-id');
    expect(correlate(sent, cid({ headerName: 'X-Request-ID', echoDownstream: true }))).toBeUndefined();
    expect(sent.requestId).toBe('client-id');
    expect(sent.echo).toEqual(['x-request-id', 'client-id']);
  });
});

describe('setUpstreamHeader', () => {
  it("replaces every occurrence of the name (the client's empty value), case-insensitively", () => {
    const h = ['host', 'x', 'Kong-Request-ID', '', 'accept', '*/*', 'kong-request-id', ''];
    setUpstreamHeader(h, 'kong-request-id', 'id-1');
    expect(h).toEqual(['host', 'x', 'accept', '*/*', 'kong-request-id', 'id-1']);
  });
});

describe('echoCorrelationId', () => {
  it('sets the header, replacing an HTTPRoute modifier setting the same name', () => {
    expect(echoCorrelationId(undefined, ['x-id', '1'])).toEqual({ set: [['x-id', '1']], add: [], remove: [] });
    expect(echoCorrelationId({ set: [['x-id', 'old'], ['a', 'b']], add: [['c', 'd']], remove: ['e'] }, ['x-id', '1'])).toEqual({
      set: [['a', 'b'], ['x-id', '1']],
      add: [['c', 'd']],
      remove: ['e'],
    });
  });
});

describe('ipRefusal', () => {
  const policy = compileIpRestriction('i', ipRestrictionConfigSchema.parse({ deny: ['10.0.0.0/8'] }));
  it('uses the real client IP when a trusted proxy gave one, else the peer', () => {
    expect(ipRefusal({ peer: '127.0.0.1', realIp: '10.1.1.1' }, policy)).toEqual({ status: 403, message: 'IP address not allowed: 10.1.1.1' });
    expect(ipRefusal({ peer: '127.0.0.1', realIp: undefined }, policy)).toBeUndefined();
    expect(ipRefusal({ peer: '10.0.0.1', realIp: undefined }, policy)).toBeDefined();
  });
  it("no address (a unix socket peer): Kong's 403", () => {
    expect(ipRefusal({ peer: undefined, realIp: undefined }, policy)).toEqual({
      status: 403,
      message: 'Cannot identify the client IP address, unix domain sockets are not supported.',
    });
  });
});
