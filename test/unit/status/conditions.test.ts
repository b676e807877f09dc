import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/model/diagnostics.js';
import { REASONS, type Reason } from '../../../src/model/reasons.js';
import type { StatusCondition } from '../../../src/sources/kube/types.js';
import {
  MAX_MESSAGE_LENGTH,
  conditionsEqual,
  conditionsFor,
  desiredStatuses,
  eventsFor,
  isSpecReason,
} from '../../../src/status/conditions.js';

const NOW = '2026-01-01T00:00:00Z';
const EARLIER = '2025-12-01T00:00:00Z';

function diag(reason: Reason, message = `${reason} happened`, severity: 'error' | 'warning' = 'error', field?: string): Diagnostic {
  return { severity, reason, message, object: { kind: 'JwtCredential', namespace: 'demo', name: 'c1' }, ...(field ? { field } : {}) };
}
const cond = (type: string, status: 'True' | 'False', reason: string, lastTransitionTime = EARLIER, message = ''): StatusCondition => ({
  type,
  status,
  reason,
  message,
  observedGeneration: 1,
  lastTransitionTime,
});
const pick = (cs: StatusCondition[], type: string) => cs.find((c) => c.type === type)!;

describe('conditionsFor', () => {
  const cases: Array<{
    name: string;
    diags: Diagnostic[];
    accepted: [string, string];
    programmed: [string, string];
  }> = [
    { name: 'no diagnostics', diags: [], accepted: ['True', 'Accepted'], programmed: ['True', 'Programmed'] },
    { name: 'missing Secret', diags: [diag('SecretNotFound')], accepted: ['True', 'Accepted'], programmed: ['False', 'SecretNotFound'] },
    { name: 'missing Secret key', diags: [diag('SecretKeyNotFound')], accepted: ['True', 'Accepted'], programmed: ['False', 'SecretKeyNotFound'] },
    { name: 'missing consumer', diags: [diag('ConsumerNotFound')], accepted: ['True', 'Accepted'], programmed: ['False', 'ConsumerNotFound'] },
    { name: 'bad key material (from a Secret)', diags: [diag('InvalidKey')], accepted: ['True', 'Accepted'], programmed: ['False', 'InvalidKey'] },
    { name: 'key conflict', diags: [diag('KeyConflict')], accepted: ['True', 'Accepted'], programmed: ['False', 'KeyConflict'] },
    { name: 'route conflict', diags: [diag('RouteConflict')], accepted: ['True', 'Accepted'], programmed: ['False', 'RouteConflict'] },
    { name: 'invalid spec', diags: [diag('InvalidSpec')], accepted: ['False', 'InvalidSpec'], programmed: ['False', 'InvalidSpec'] },
    { name: 'invalid regex', diags: [diag('InvalidRegex')], accepted: ['False', 'InvalidRegex'], programmed: ['False', 'InvalidRegex'] },
    { name: 'unknown plugin', diags: [diag('UnknownPlugin')], accepted: ['False', 'UnknownPlugin'], programmed: ['False', 'UnknownPlugin'] },
    {
      name: 'spec error wins over reference error for both',
      diags: [diag('SecretNotFound'), diag('InvalidValue')],
      accepted: ['False', 'InvalidValue'],
      programmed: ['False', 'InvalidValue'],
    },
    { name: 'warning only', diags: [diag('LegacyRegexPath', 'old field', 'warning')], accepted: ['True', 'Accepted'], programmed: ['True', 'Programmed'] },
  ];
  it.each(cases)('$name', ({ diags, accepted, programmed }) => {
    const out = conditionsFor(diags, [], 3, NOW);
    expect([pick(out, 'Accepted').status, pick(out, 'Accepted').reason]).toEqual(accepted);
    expect([pick(out, 'Programmed').status, pick(out, 'Programmed').reason]).toEqual(programmed);
    for (const c of out) {
      expect(c.observedGeneration).toBe(3);
      expect(c.lastTransitionTime).toBe(NOW);
    }
  });

  it('joins messages with fields, deduplicated, and caps the length', () => {
    const out = conditionsFor([diag('SecretNotFound', 'no Secret x', 'error', 'spec.secretRef'), diag('SecretNotFound', 'no Secret x', 'error', 'spec.secretRef'), diag('KeyConflict', 'key k used twice')], [], 1, NOW);
    expect(pick(out, 'Programmed').message).toBe('spec.secretRef: no Secret x; key k used twice');
    const long = conditionsFor([diag('InvalidSpec', 'x'.repeat(5000))], [], 1, NOW);
    expect(pick(long, 'Accepted').message.length).toBe(MAX_MESSAGE_LENGTH);
  });

  it('warnings go into the True condition message', () => {
    const out = conditionsFor([diag('LegacyRegexPath', 'old field', 'warning')], [], 1, NOW);
    expect(pick(out, 'Programmed').message).toBe('old field');
  });

  const ltt: Array<{ name: string; current: StatusCondition[]; diags: Diagnostic[]; expected: string }> = [
    { name: 'unchanged status and reason keeps time', current: [cond('Programmed', 'False', 'SecretNotFound')], diags: [diag('SecretNotFound')], expected: EARLIER },
    { name: 'status change sets now', current: [cond('Programmed', 'True', 'Programmed')], diags: [diag('SecretNotFound')], expected: NOW },
    { name: 'reason change sets now', current: [cond('Programmed', 'False', 'KeyConflict')], diags: [diag('SecretNotFound')], expected: NOW },
    { name: 'no previous condition sets now', current: [], diags: [], expected: NOW },
  ];
  it.each(ltt)('lastTransitionTime: $name', ({ current, diags, expected }) => {
    expect(pick(conditionsFor(diags, current, 1, NOW), 'Programmed').lastTransitionTime).toBe(expected);
  });

  it('keeps foreign condition types', () => {
    const out = conditionsFor([], [cond('Ready', 'True', 'Whatever')], 1, NOW);
    expect(out.map((c) => c.type)).toEqual(['Accepted', 'Programmed', 'Ready']);
  });
});

describe('isSpecReason', () => {
  it.each([
    ['InvalidSpec', true],
    ['InvalidRegex', true],
    ['InvalidHeaderValue', true],
    ['InvalidSecret', false],
    // Not in the table (e.g. a newer producer's text): never Accepted=False, Programmed=False only.
    ['InvalidSomethingNew', false],
    ['InvalidKey', false],
    ['SecretNotFound', false],
    ['KeyConflict', false],
  ])('%s -> %s', (reason, expected) => expect(isSpecReason(reason)).toBe(expected));
});

describe('conditions derive from the reasons table (src/model/reasons.ts)', () => {
  it.each(Object.keys(REASONS) as Reason[])('%s', (reason) => {
    const info = REASONS[reason];
    for (const severity of info.severities) {
      const out = conditionsFor([diag(reason, 'm', severity)], [], 1, NOW);
      const got = [pick(out, 'Accepted'), pick(out, 'Programmed')].map((c) => `${c.type}=${c.status}:${c.reason}`);
      const expected =
        severity === 'warning'
          ? ['Accepted=True:Accepted', 'Programmed=True:Programmed']
          : info.condition === 'Accepted'
            ? [`Accepted=False:${reason}`, `Programmed=False:${reason}`]
            : ['Accepted=True:Accepted', `Programmed=False:${reason}`];
      expect(got, `${severity} ${reason}`).toEqual(expected);
    }
  });
});

describe('desiredStatuses', () => {
  const meta = (name: string, uid: string, generation = 2) => ({ name, namespace: 'demo', uid, generation });
  it('matches diagnostics to objects by kind, namespace and name (and uid when known)', () => {
    const diags: Diagnostic[] = [
      { severity: 'error', reason: 'ConsumerNotFound', message: 'no consumer', object: { kind: 'JwtCredential', namespace: 'demo', name: 'c1', uid: 'u1' } },
      { severity: 'error', reason: 'InvalidRegex', message: 'bad', object: { kind: 'Route', namespace: 'demo', name: 'r1', uid: 'stale-uid' } },
      { severity: 'error', reason: 'InvalidSpec', message: 'bad', object: { kind: 'Route', namespace: 'other', name: 'c1' } },
      { severity: 'error', reason: 'SecretNotFound', message: 'no secret', object: { kind: 'Secret', namespace: 'demo', name: 's' } },
    ];
    const out = desiredStatuses(
      diags,
      { consumers: [{ metadata: meta('k1', 'u0') }], credentials: [{ metadata: meta('c1', 'u1') }], routes: [{ metadata: meta('r1', 'u2') }] },
      new Date('2026-01-01T00:00:00.123Z'),
    );
    const byName = Object.fromEntries(out.map((d) => [`${d.target.kind}/${d.target.name}`, d]));
    expect(Object.keys(byName).sort()).toEqual(['JwtCredential/c1', 'KongConsumer/k1', 'Route/r1']);
    expect(pick(byName['JwtCredential/c1']!.desired, 'Programmed').reason).toBe('ConsumerNotFound');
    expect(pick(byName['Route/r1']!.desired, 'Accepted').status).toBe('True'); // stale uid ignored
    expect(byName['Route/r1']!.target.plural).toBe('routes');
    expect(pick(byName['KongConsumer/k1']!.desired, 'Accepted').lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(pick(byName['KongConsumer/k1']!.desired, 'Accepted').observedGeneration).toBe(2);
  });
});

describe('conditionsEqual', () => {
  it.each([
    ['ignores lastTransitionTime', [cond('A', 'True', 'x', EARLIER)], [cond('A', 'True', 'x', NOW)], true],
    ['ignores order', [cond('A', 'True', 'x'), cond('B', 'True', 'y')], [cond('B', 'True', 'y'), cond('A', 'True', 'x')], true],
    ['sees status', [cond('A', 'True', 'x')], [cond('A', 'False', 'x')], false],
    ['sees reason', [cond('A', 'False', 'x')], [cond('A', 'False', 'y')], false],
    ['sees message', [cond('A', 'False', 'x', EARLIER, 'm1')], [cond('A', 'False', 'x', EARLIER, 'm2')], false],
    ['sees generation', [cond('A', 'True', 'x')], [{ ...cond('A', 'True', 'x'), observedGeneration: 2 }], false],
    ['sees a missing condition', [cond('A', 'True', 'x')], [], false],
  ] as Array<[string, StatusCondition[], StatusCondition[], boolean]>)('%s', (_n, a, b, expected) => {
    expect(conditionsEqual(a, b)).toBe(expected);
  });
});

describe('eventsFor', () => {
  it.each([
    ['True -> False emits once for a shared reason', [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')], [cond('Accepted', 'False', 'InvalidSpec'), cond('Programmed', 'False', 'InvalidSpec')], ['InvalidSpec']],
    ['no current status, False', [], [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'False', 'SecretNotFound')], ['SecretNotFound']],
    ['same False reason: nothing', [cond('Programmed', 'False', 'SecretNotFound')], [cond('Programmed', 'False', 'SecretNotFound')], []],
    ['reason change emits', [cond('Programmed', 'False', 'SecretNotFound')], [cond('Programmed', 'False', 'KeyConflict')], ['KeyConflict']],
    ['back to True: nothing', [cond('Programmed', 'False', 'SecretNotFound')], [cond('Programmed', 'True', 'Programmed')], []],
    ['foreign conditions ignored', [], [cond('Ready', 'False', 'Nope')], []],
  ] as Array<[string, StatusCondition[], StatusCondition[], string[]]>)('%s', (_n, current, desired, reasons) => {
    expect(eventsFor(current, desired).map((e) => e.reason)).toEqual(reasons);
  });
});

describe('KeySetReady (JWKS credentials, docs/jwks.md#status-and-logs)', () => {
  it('is added only for JWKS credentials and follows the registry\'s diagnostics', () => {
    expect(conditionsFor([], [], 1, NOW).map((c) => c.type)).toEqual(['Accepted', 'Programmed']);
    const ok = conditionsFor([], [], 1, NOW, true);
    expect([pick(ok, 'KeySetReady').status, pick(ok, 'KeySetReady').reason]).toEqual(['True', 'KeySetReady']);
    const failing = conditionsFor([diag('JwksFetchFailed', 'fetching failed: timeout', 'warning')], [], 1, NOW, true);
    expect([pick(failing, 'KeySetReady').status, pick(failing, 'KeySetReady').reason]).toEqual(['False', 'JwksFetchFailed']);
    expect(pick(failing, 'Programmed').status).toBe('True');
    const gone = conditionsFor([diag('JwksUnavailable', 'no usable key set')], [], 1, NOW, true);
    expect([pick(gone, 'KeySetReady').status, pick(gone, 'KeySetReady').reason]).toEqual(['False', 'JwksUnavailable']);
    expect([pick(gone, 'Programmed').status, pick(gone, 'Programmed').reason]).toEqual(['False', 'JwksUnavailable']);
    // One Event per new False reason, shared by the two conditions.
    expect(eventsFor([], gone).map((e) => e.reason)).toEqual(['JwksUnavailable']);
    expect(eventsFor(failing, gone).map((e) => e.reason)).toEqual(['JwksUnavailable']);
    expect(eventsFor(gone, gone)).toEqual([]);
  });
});
