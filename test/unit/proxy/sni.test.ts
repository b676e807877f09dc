import { describe, expect, it } from 'vitest';
import { selectCertificate } from '../../../src/proxy/sni.js';
import type { TlsCertificate, TlsCertificates } from '../../../src/snapshot/types.js';

const cert = (id: string) => ({ id }) as TlsCertificate;
const table = (catchAll?: TlsCertificate): TlsCertificates => ({
  all: [],
  exact: new Map([['api.example.com', cert('exact')]]),
  leadingWildcard: new Map([['.example.com', cert('leading')], ['.www.example.org', cert('leading-www')]]),
  trailingWildcard: new Map([['example.', cert('trailing')], ['api.', cert('trailing-api')]]),
  ...(catchAll ? { catchAll } : {}),
});

describe('selectCertificate (Kong: exact > *.x > x.* > "*" > default)', () => {
  it.each([
    ['api.example.com', 'exact'],
    ['API.Example.COM.', 'exact'],
    ['web.example.com', 'leading'],
    ['a.www.example.org', 'leading-www'],
    ['example.net', 'trailing'],
    ['api.net', 'trailing-api'],
    ['api.example.net', 'star'],
    ['a.b.example.com', 'star'],
    ['example', 'star'],
    ['other.test', 'star'],
  ])('%s → %s', (name, id) => {
    expect(selectCertificate(table(cert('star')), name)?.id).toBe(id);
  });

  it('prefers the leading wildcard over the trailing one', () => {
    // "example.com" matches neither "*.example.com" (one label more) …
    expect(selectCertificate(table(), 'example.com')?.id).toBe('trailing');
    // … and "x.example.com" matches both "*.example.com" and nothing trailing: leading wins.
    expect(selectCertificate(table(), 'x.example.com')?.id).toBe('leading');
  });

  it('nothing matches and no "*": undefined (the listener default)', () => {
    expect(selectCertificate(table(), 'other.test')).toBeUndefined();
  });
});
