import { describe, expect, it } from 'vitest';
import { namespacesOption, writeBudgetOption } from '../../../src/cli/controller-scale-options.js';

describe('--namespace list', () => {
  it('one, several (deduplicated, trimmed), none', () => {
    expect(namespacesOption('demo')).toEqual(['demo']);
    expect(namespacesOption('a, b,a,')).toEqual(['a', 'b']);
    expect(namespacesOption('')).toBeUndefined();
    expect(namespacesOption(undefined)).toBeUndefined();
  });
  it('rejects a name that is not a DNS label', () => {
    expect(() => namespacesOption('ok,Bad_Name')).toThrow(/--namespace: 'Bad_Name'/);
  });
});

describe('--api-write-qps / --api-write-burst', () => {
  it('defaults stay with the status module when neither is given; burst defaults to 2 x qps', () => {
    expect(writeBudgetOption({}, {})).toBeUndefined();
    expect(writeBudgetOption({ 'api-write-qps': '50' }, {})).toEqual({ qps: 50, burst: 100 });
    expect(writeBudgetOption({}, { PORTCULLIS_API_WRITE_BURST: '7' })).toEqual({ qps: 200, burst: 7 });
  });
  it('rejects what is not a positive number', () => {
    expect(() => writeBudgetOption({ 'api-write-qps': '0' }, {})).toThrow(/--api-write-qps/);
    expect(() => writeBudgetOption({ 'api-write-burst': 'x' }, {})).toThrow(/--api-write-burst/);
  });
});
