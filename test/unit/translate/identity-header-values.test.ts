import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatDiagnostic } from '../../../src/model/diagnostics.js';
import { headerValueProblem, toHeaderValue } from '../../../src/model/header-values.js';
import { inputFromObjects } from '../../support/input-from-objects.js';
import { toResourceSet } from '../../../src/sources/kube/to-resource-set.js';
import { translate } from '../../../src/translate/translate.js';
import { consumer, credential, join, secret } from '../../support/crs.js';

describe('headerValueProblem', () => {
  it.each([
    ['alice', undefined],
    ['José', undefined],
    ['用户', undefined],
    ['tab\there', undefined],
    ['a\r\nb', /\(CR\) at position 1/],
    ['a\nb', /\(LF\)/],
    ['nul\u0000', /\(NUL\)/],
    ['del\u007f', /\(U\+007F\)/],
  ])('%j', (v, want) => {
    const p = headerValueProblem(v);
    if (want === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(want);
  });
});

describe('toHeaderValue: UTF-8 bytes as a latin1 string', () => {
  it.each(['alice', 'José', '用户', 'ключ'])('%s', (v) => {
    const h = toHeaderValue(v);
    for (let i = 0; i < h.length; i++) expect(h.charCodeAt(i)).toBeLessThan(0x100);
    expect(Buffer.from(h, 'latin1').toString('utf8')).toBe(v);
    if (/^[\x20-\x7e]*$/.test(v)) expect(h).toBe(v);
  });
});

describe('controller mode: a snapshot built from CRs refuses only the bad consumer / credential', () => {
  const objects = parseAllDocuments(
    join(
      consumer('demo', 'ok', { username: 'ok' }),
      consumer('demo', 'unicode', { username: '用户', customId: 'ñ' }),
      consumer('demo', 'crlf', { username: 'evil\r\nX-Consumer-Username: admin' }),
      consumer('demo', 'nul', { username: 'fine', customId: 'c\u0000' }),
      secret('demo', 's', { secret: 'hmac-secret-value' }),
      credential('demo', 'ok-hs', { consumer: 'ok', key: 'ok-key', secretName: 's' }),
      credential('demo', 'lf-hs', { consumer: 'ok', key: 'lf\nkey', secretName: 's' }),
    ),
  ).map((d) => d.toJS() as unknown);
  const snap = translate(toResourceSet(inputFromObjects(objects).input), 1);
  const bad = snap.diagnostics.filter((d) => d.reason === 'InvalidHeaderValue');

  it('one diagnostic per refused object, naming the object and field', () => {
    expect(bad.map((d) => [d.object.kind, d.object.name, d.field])).toEqual([
      ['KongConsumer', 'crlf', 'spec.username'],
      ['KongConsumer', 'nul', 'spec.customId'],
      ['JwtCredential', 'lf-hs', 'spec.key'],
    ]);
    for (const d of bad) expect(formatDiagnostic(d)).not.toMatch(/[\r\n\u0000]/);
  });

  it('the rest of the snapshot is built; non-ASCII identities are sent as UTF-8 bytes', () => {
    expect(snap.consumers.map((c) => c.username).sort()).toEqual(['ok', '用户']);
    const unicode = snap.consumers.find((c) => c.username === '用户')!;
    expect(Buffer.from(unicode.upstreamHeaders['x-consumer-username']!, 'latin1').toString('utf8')).toBe('用户');
    expect(Buffer.from(unicode.upstreamHeaders['x-consumer-custom-id']!, 'latin1').toString('utf8')).toBe('ñ');
    expect(snap.credentials.all.map((c) => c.key)).toEqual(['ok-key']);
  });
});
