import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildUpstreamHeaders, SPOOFABLE_IDENTITY_HEADERS, type ForwardContext } from '../../../src/proxy/forward-headers.js';
import { HeaderNameSet } from '../../../src/snapshot/header-name-set.js';
import { fcParams } from '../../support/fc-settings.js';

/**
 * Header classification against a reference model written from the documented contract (the
 * module's header comment), with a lower-cased Map lookup instead of the length-bucketed,
 * allocation-free classifier: for any client header list, in any letter case, the upstream list
 * is exactly what the model builds. Names with "_" are left out of the generator: their handling
 * is being specified separately; the identity-header guarantee is still checked for every name.
 */

const DROPPED = new Set([
  ...SPOOFABLE_IDENTITY_HEADERS,
  'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'proxy', 'expect', 'trailer', 'x-real-ip', 'x-request-id',
  'connection', 'te', 'x-forwarded-for', 'via', 'host',
  'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-path', 'x-forwarded-prefix',
]);

function model(raw: readonly string[], ctx: ForwardContext): string[] {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  const all = (name: string) => pairs.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  const first = (name: string) => all(name)[0];
  const listed = new Set(
    all('connection')
      .flatMap((v) => v.split(','))
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '' && t !== 'keep-alive' && t !== 'close' && t !== 'upgrade'),
  );
  const out = pairs.filter(([n]) => !DROPPED.has(n.toLowerCase()) && !listed.has(n.toLowerCase())).flat();
  const trusted = ctx.trustForwarded === true;
  const fwd = (name: string) => (trusted ? first(name) : undefined);
  out.push('host', ctx.preserveHost ? (first('host') ?? ctx.host) : ctx.upstreamHostHeader);
  if (all('te').some((v) => v.toLowerCase().split(',').some((t) => t.trim() === 'trailers'))) out.push('te', 'trailers');
  // Kong: the client's list + the connecting peer; without one, the real client ip (docs/client-ip.md).
  const realIp = ctx.realIp ?? ctx.clientIp;
  out.push('x-forwarded-for', all('x-forwarded-for').length === 0 ? realIp : [...all('x-forwarded-for'), ctx.clientIp].join(', '));
  out.push('x-forwarded-proto', fwd('x-forwarded-proto') ?? ctx.proto);
  out.push('x-forwarded-host', fwd('x-forwarded-host') ?? ctx.host);
  out.push('x-forwarded-port', fwd('x-forwarded-port') ?? String(ctx.port));
  out.push('x-forwarded-path', fwd('x-forwarded-path') ?? ctx.rawPath);
  const prefix = fwd('x-forwarded-prefix') ?? (ctx.strippedPrefix !== '' && ctx.strippedPrefix !== '/' ? ctx.strippedPrefix : undefined);
  if (prefix !== undefined) out.push('x-forwarded-prefix', prefix);
  out.push('x-real-ip', realIp);
  out.push('via', [...all('via'), `${ctx.httpVersion ?? '1.1'} portcullis`].join(', '));
  return out;
}

/** Every name the classifier knows, near misses (one letter off, a prefix, a suffix) and ordinary names. */
const knownName = fc.constantFrom(...DROPPED);
const nearMiss = knownName.chain((n) =>
  fc.constantFrom(`${n}s`, n.slice(0, -1), `x${n}`, n.replace(/-/g, ''), n.slice(0, -1) + (n.endsWith('a') ? 'b' : 'a')),
);
const ordinary = fc.stringMatching(/^[a-zA-Z0-9!#$%&'*+.^`|~-]{1,24}$/);
const randomCase = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) =>
    [...name].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''),
  );
const nameArb = fc.oneof({ weight: 4, arbitrary: knownName }, { weight: 2, arbitrary: nearMiss }, { weight: 3, arbitrary: ordinary }).chain(randomCase);
const valueArb = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('trailers', 'gzip, trailers', 'TRAILERS', 'close', 'keep-alive, x-secret', 'X-Forwarded-For, foo', 'upgrade', '1.0 other', '10.0.0.1'),
);
const headersArb = fc.array(fc.tuple(nameArb, valueArb), { maxLength: 16 }).map((pairs) => pairs.flat());
const ctxArb: fc.Arbitrary<ForwardContext> = fc.record({
  clientIp: fc.constantFrom('127.0.0.1', '::1'),
  realIp: fc.constantFrom(undefined, '203.0.113.9', '2001:db8::1'),
  proto: fc.constantFrom('http' as const, 'https' as const),
  host: fc.constantFrom('example.com', 'a.test'),
  port: fc.constantFrom(80, 8000),
  rawPath: fc.constantFrom('/', '/a/b', '/a/../c'),
  strippedPrefix: fc.constantFrom('', '/', '/api'),
  preserveHost: fc.boolean(),
  upstreamHostHeader: fc.constantFrom('upstream.local', 'u:8080'),
  httpVersion: fc.constantFrom('1.1', '1.0', '2'),
  trustForwarded: fc.boolean(),
});

describe('buildUpstreamHeaders = documented model', () => {
  it('any header list, any letter case', () => {
    fc.assert(
      fc.property(headersArb, ctxArb, (raw, ctx) => {
        expect(buildUpstreamHeaders(raw, ctx)).toEqual(model(raw, ctx));
      }),
      fcParams(2000),
    );
  });

  it('identity headers never pass through, whatever the name or value', () => {
    const anyName = fc.oneof(nameArb, fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom(...SPOOFABLE_IDENTITY_HEADERS).chain(randomCase));
    fc.assert(
      fc.property(fc.array(fc.tuple(anyName, valueArb), { maxLength: 12 }), ctxArb, (pairs, ctx) => {
        const out = buildUpstreamHeaders(pairs.flat(), ctx);
        expect(out.length % 2).toBe(0);
        for (let i = 0; i < out.length; i += 2) expect(SPOOFABLE_IDENTITY_HEADERS).not.toContain(out[i]!.toLowerCase());
        expect(out.filter((_, i) => i % 2 === 0 && out[i]!.toLowerCase() === 'x-forwarded-for')).toHaveLength(1);
      }),
      fcParams(1000),
    );
  });

  it('claim headers (stripHeaders) never pass through; every other header is forwarded as without them', () => {
    const mapped = fc.uniqueArray(fc.stringMatching(/^x-[a-z]{1,4}$/), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(mapped, headersArb, ctxArb, fc.boolean(), (names, raw, ctx, keepUnderscores) => {
        const strip = new HeaderNameSet(names);
        const isMapped = (name: string) => strip.has(name.replace(/_/g, '-'));
        /** The list without mapped names (pairs kept together). */
        const unmapped = (list: string[]) => list.filter((_, i) => !isMapped(list[i - (i % 2)]!));
        const spoofs = names.flatMap((n) => [n.toUpperCase(), 'forged', n.replace(/-/g, '_'), 'forged']);
        const out = buildUpstreamHeaders([...raw, ...spoofs], { ...ctx, stripHeaders: strip, keepUnderscoreHeaders: keepUnderscores });
        for (let i = 0; i < out.length; i += 2) expect(isMapped(out[i]!)).toBe(false);
        expect(out).toEqual(unmapped(buildUpstreamHeaders(raw, { ...ctx, keepUnderscoreHeaders: keepUnderscores })));
      }),
      fcParams(1000),
    );
  });
});
