import { describe, expect, it } from 'vitest';
import { corsConfigSchema } from '../../../../src/model/cors-config.js';
import { compileCors } from '../../../../src/plugins/cors/policy.js';

const policy = (config: Record<string, unknown>) => compileCors('p1', corsConfigSchema.parse(config));
const ALL_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';

describe('cors preflight answer (Kong access phase)', () => {
  it('defaults: "*", every method, the requested headers echoed, no Vary', () => {
    expect(policy({}).preflight('https://app.example', 'content-type,authorization', undefined)).toEqual([
      ['access-control-allow-origin', '*'],
      ['access-control-allow-headers', 'content-type,authorization'],
      ['access-control-allow-methods', ALL_METHODS],
    ]);
  });

  it('listed origins: Vary: Origin and the normalized origin when it matches, no ACAO when not', () => {
    const p = policy({ origins: ['https://app.example', 'https://.*\\.partner\\.example'], methods: ['GET', 'POST'], headers: ['Authorization', 'Content-Type'], maxAge: 3600, credentials: true });
    expect(p.preflight('https://app.example:443', undefined, undefined)).toEqual([
      ['vary', 'Origin'],
      ['access-control-allow-origin', 'https://app.example'],
      ['access-control-allow-credentials', 'true'],
      ['access-control-allow-headers', 'Authorization,Content-Type'],
      ['access-control-allow-methods', 'GET,POST'],
      ['access-control-max-age', '3600'],
    ]);
    expect(p.preflight('https://x.partner.example', undefined, undefined)[1]).toEqual(['access-control-allow-origin', 'https://x.partner.example']);
    const refused = p.preflight('https://evil.example', undefined, undefined);
    expect(refused.map(([n]) => n)).not.toContain('access-control-allow-origin');
    // Kong still sends Allow-Credentials when the origin did not match.
    expect(refused).toContainEqual(['access-control-allow-credentials', 'true']);
  });

  it('one plain origin is sent as configured, whatever the request Origin', () => {
    expect(policy({ origins: ['https://app.example:443'] }).preflight('https://other.example', undefined, undefined).slice(0, 2)).toEqual([
      ['vary', 'Origin'],
      ['access-control-allow-origin', 'https://app.example:443'],
    ]);
  });

  it('credentials with "*": the request Origin is echoed, with Vary', () => {
    expect(policy({ credentials: true }).preflight('https://app.example', undefined, undefined).slice(0, 3)).toEqual([
      ['vary', 'Origin'],
      ['access-control-allow-origin', 'https://app.example'],
      ['access-control-allow-credentials', 'true'],
    ]);
  });

  it('"*" among several entries allows any origin', () => {
    expect(policy({ origins: ['https://a.example', '*'] }).preflight('https://b.example', undefined, undefined)[1]).toEqual(['access-control-allow-origin', '*']);
  });

  it('private_network answers Access-Control-Request-Private-Network: true only', () => {
    const p = policy({ privateNetwork: true });
    expect(p.preflight('https://a', undefined, 'true')).toContainEqual(['access-control-allow-private-network', 'true']);
    expect(p.preflight('https://a', undefined, 'false').map(([n]) => n)).not.toContain('access-control-allow-private-network');
    expect(policy({}).preflight('https://a', undefined, 'true').map(([n]) => n)).not.toContain('access-control-allow-private-network');
  });
});

describe('cors response headers (Kong header_filter)', () => {
  it('"*" origins: ACAO *, exposed headers, no Vary', () => {
    expect(policy({ exposedHeaders: ['X-Total', 'X-Page'] }).responseHeaders('https://a')).toEqual({
      set: [['access-control-allow-origin', '*'], ['access-control-expose-headers', 'X-Total,X-Page']],
      add: [],
      remove: [],
    });
  });

  it('listed origins: a match sets ACAO and appends Vary; a miss removes any ACAO the upstream sent', () => {
    const p = policy({ origins: ['https://a.example', 'https://b.example'] });
    expect(p.responseHeaders('https://b.example')).toEqual({ set: [['access-control-allow-origin', 'https://b.example']], add: [['vary', 'Origin']], remove: [] });
    expect(p.responseHeaders('https://c.example')).toEqual({ set: [], add: [['vary', 'Origin']], remove: ['access-control-allow-origin'] });
  });

  it('no Origin: the same headers as for any other (allow_origin_absent), or none', () => {
    expect(policy({}).responseHeaders(undefined)).toEqual({ set: [['access-control-allow-origin', '*']], add: [], remove: [] });
    expect(policy({ origins: ['https://a.example', 'https://b.example'] }).responseHeaders(undefined)).toEqual({ set: [], add: [['vary', 'Origin']], remove: ['access-control-allow-origin'] });
    expect(policy({ allowOriginAbsent: false }).responseHeaders(undefined)).toBeUndefined();
    expect(policy({ allowOriginAbsent: false }).responseHeaders('')).toBeUndefined();
  });

  it('the modifier is computed once per Origin value', () => {
    const p = policy({ origins: ['https://a.example', 'https://b.example'] });
    expect(p.responseHeaders('https://a.example')).toBe(p.responseHeaders('https://a.example'));
  });
});

describe('cors config schema', () => {
  it('refuses an origin that is not a regex, an unknown method, a non-printable header', () => {
    expect(corsConfigSchema.safeParse({ origins: ['*.example.com'] }).error?.issues[0]?.message).toBe("'*.example.com' is not a valid regex");
    expect(corsConfigSchema.safeParse({ methods: ['FETCH'] }).success).toBe(false);
    expect(corsConfigSchema.safeParse({ headers: ['a\nb'] }).success).toBe(false);
  });

  it("has Kong's defaults", () => {
    expect(corsConfigSchema.parse({})).toEqual({
      methods: ALL_METHODS.split(','),
      credentials: false,
      preflightContinue: false,
      privateNetwork: false,
      allowOriginAbsent: true,
    });
  });
});
