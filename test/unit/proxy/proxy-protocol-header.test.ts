import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProxyHeader, V1_MAX_LENGTH, V2_SIGNATURE, type ProxyHeader } from '../../../src/proxy/proxy-protocol-header.js';
import { v1Header, v2Header } from '../../support/proxy-protocol.js';
import { fcParams } from '../../support/fc-settings.js';

const ok = (buf: Buffer) => {
  const r = parseProxyHeader(buf);
  if (r.kind !== 'ok') throw new Error(`expected a header, got ${JSON.stringify(r)}`);
  return r;
};

describe('PROXY protocol v1', () => {
  it('TCP4, TCP6 and UNKNOWN', () => {
    expect(ok(Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 56324 8000\r\nGET')).header).toEqual({
      version: 1, command: 'proxy', family: 4, sourceAddress: '203.0.113.7', sourcePort: 56324, destinationAddress: '10.0.0.1', destinationPort: 8000,
    });
    const six = ok(Buffer.from('PROXY TCP6 2001:DB8:0:0::7 ::1 65535 0\r\n'));
    expect(six.header).toMatchObject({ family: 6, sourceAddress: '2001:db8::7', destinationAddress: '::1', sourcePort: 65535, destinationPort: 0 });
    expect(ok(Buffer.from('PROXY UNKNOWN\r\n')).header).toEqual({ version: 1, command: 'unknown' });
    const unknown = 'PROXY UNKNOWN ffff:f...f:ffff 1.2.3.4 65535 65535\r\n';
    expect(ok(Buffer.from(`${unknown}rest`)).length).toBe(unknown.length);
  });

  it.each([
    ['GET / HTTP/1.1\r\n', 'no PROXY protocol header'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n', 'v1 header not ended by CRLF'],
    ['PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n', 'v1 protocol is not TCP4, TCP6 or UNKNOWN'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n', 'v1 header is not "PROXY TCPn src dst sport dport"'],
    ['PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n', 'v1 header is not "PROXY TCPn src dst sport dport"'],
    ['PROXY TCP4 ::1 5.6.7.8 1 2\r\n', 'v1 source address invalid'],
    ['PROXY TCP6 ::1 5.6.7.8 1 2\r\n', 'v1 destination address invalid'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n', 'v1 port invalid'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n', 'v1 port invalid'],
    [`PROXY UNKNOWN ${'x'.repeat(V1_MAX_LENGTH)}\r\n`, 'v1 header longer than 107 bytes'],
    ['proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 'no PROXY protocol header'],
  ])('refuses %j', (text, reason) => {
    expect(parseProxyHeader(Buffer.from(text))).toEqual({ kind: 'invalid', reason });
  });
});

describe('PROXY protocol v2', () => {
  it('PROXY over TCP4 and TCP6, with TLVs skipped', () => {
    const four = v2Header({ command: 'proxy', family: 4, source: ['192.0.2.1', 1234], destination: ['10.0.0.1', 443], tlvs: Buffer.from([0x04, 0x00, 0x01, 0x7a]) });
    expect(ok(Buffer.concat([four, Buffer.from('GET')]))).toEqual({
      kind: 'ok', length: four.length,
      header: { version: 2, command: 'proxy', family: 4, sourceAddress: '192.0.2.1', sourcePort: 1234, destinationAddress: '10.0.0.1', destinationPort: 443 },
    });
    const six = v2Header({ command: 'proxy', family: 6, source: ['2001:db8::1', 1], destination: ['::ffff:10.0.0.1', 2] });
    expect(ok(six).header).toMatchObject({ family: 6, sourceAddress: '2001:db8::1', destinationAddress: '::ffff:10.0.0.1' });
  });

  it('LOCAL, and UNSPEC / UNIX / datagram addresses, leave the connection its own address', () => {
    expect(ok(v2Header({ command: 'local' })).header).toEqual({ version: 2, command: 'local' });
    const raw = (famTransport: number, body: Buffer) => Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, famTransport, body.length >> 8, body.length & 255]), body]);
    expect(ok(raw(0x00, Buffer.alloc(0))).header.command).toBe('unknown');
    expect(ok(raw(0x31, Buffer.alloc(216))).header.command).toBe('unknown');
    expect(ok(raw(0x12, Buffer.alloc(12))).header.command).toBe('unknown');
  });

  it.each([
    ['version 1 in the version nibble', 0x11, 0x11, 12, 'v2 version is not 2'],
    ['command 2', 0x22, 0x11, 12, 'v2 command is not LOCAL or PROXY'],
    ['family 4', 0x21, 0x41, 12, 'v2 address family or transport invalid'],
    ['transport 3', 0x21, 0x13, 12, 'v2 address family or transport invalid'],
    ['length shorter than IPv4 addresses', 0x21, 0x11, 11, 'v2 length shorter than its addresses'],
    ['length shorter than IPv6 addresses', 0x21, 0x21, 12, 'v2 length shorter than its addresses'],
  ])('refuses %s', (_name, verCmd, fam, len, reason) => {
    const buf = Buffer.concat([V2_SIGNATURE, Buffer.from([verCmd, fam, 0, len]), Buffer.alloc(len)]);
    expect(parseProxyHeader(buf)).toEqual({ kind: 'invalid', reason });
  });

  it('a broken signature is refused as soon as it differs', () => {
    expect(parseProxyHeader(Buffer.from([0x0d, 0x0a, 0x0d, 0x0b]))).toEqual({ kind: 'invalid', reason: 'no PROXY protocol header' });
  });
});

/** Any well-formed header, with what it must parse to. */
const headerCase = fc.oneof(
  fc.record({ family: fc.constant(4 as const), src: fc.ipV4(), dst: fc.ipV4(), sp: fc.nat(65535), dp: fc.nat(65535), v: fc.constantFrom(1, 2) }),
  fc.record({ family: fc.constant(6 as const), src: fc.ipV6(), dst: fc.ipV6(), sp: fc.nat(65535), dp: fc.nat(65535), v: fc.constantFrom(1, 2) }),
).map(({ family, src, dst, sp, dp, v }) => {
  const bytes = v === 1
    ? v1Header({ family, source: [src, sp], destination: [dst, dp] })
    : v2Header({ command: 'proxy', family, source: [src, sp], destination: [dst, dp] });
  return { bytes, family, sp, dp };
});

describe('parseProxyHeader (properties)', () => {
  it('a header split anywhere is incomplete until its last byte, then parses the same, whatever follows', () => {
    fc.assert(fc.property(headerCase, fc.uint8Array({ maxLength: 64 }), ({ bytes, family, sp, dp }, tail) => {
      for (let cut = 0; cut < bytes.length; cut++) expect(parseProxyHeader(bytes.subarray(0, cut)).kind).toBe('incomplete');
      const r = parseProxyHeader(Buffer.concat([bytes, tail]));
      expect(r.kind).toBe('ok');
      const h = (r as { header: ProxyHeader; length: number }).header;
      expect((r as { length: number }).length).toBe(bytes.length);
      expect(h).toMatchObject({ command: 'proxy', family, sourcePort: sp, destinationPort: dp });
    }), fcParams(300));
  });

  it('never throws, and never reads past a v1 header\'s 107 bytes, on arbitrary input', () => {
    const prefixed = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([Buffer.from('PROXY '), b])),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([V2_SIGNATURE, b])),
      fc.string({ unit: fc.constantFrom(...'PROXY TCP46UNKOW0123456789abcdef.:\r\n'.split('')), maxLength: 120 }).map((s) => Buffer.from(`PROXY ${s}`)),
    );
    fc.assert(fc.property(prefixed, (buf) => {
      const r = parseProxyHeader(buf);
      if (r.kind === 'ok') {
        expect(r.length).toBeLessThanOrEqual(buf.length);
        if (buf[0] === 0x50) expect(r.length).toBeLessThanOrEqual(V1_MAX_LENGTH);
        if (r.header.command === 'proxy') expect(r.header.sourceAddress).not.toBe('');
      }
      if (r.kind === 'incomplete' && buf[0] === 0x50) expect(buf.length).toBeLessThan(V1_MAX_LENGTH);
    }), fcParams(5000));
  });

  it('single bit flips of a valid header are refused, parsed, or wait for more: never mis-framed', () => {
    fc.assert(fc.property(headerCase, fc.nat(), fc.integer({ min: 0, max: 7 }), ({ bytes }, at, bit) => {
      const flipped = Buffer.from(bytes);
      flipped[at % bytes.length]! ^= 1 << bit;
      const r = parseProxyHeader(flipped);
      if (r.kind === 'ok') expect(r.length).toBeLessThanOrEqual(flipped.length);
    }), fcParams(2000));
  });
});
