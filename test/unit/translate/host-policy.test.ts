import { describe, expect, it } from 'vitest';
import { parseHostPolicy, type HostPolicy } from '../../../src/model/host-policy.js';
import type { RouteSpec } from '../../../src/model/resources.js';
import { hostContains, hostsOverlap, parseHostPattern } from '../../../src/translate/host-patterns.js';
import { HostPolicyCheck } from '../../../src/translate/host-policy.js';

describe('host patterns', () => {
  it.each<[string, string, boolean]>([
    ['api.example.com', 'api.example.com', true],
    ['api.example.com', 'API.example.com', true],
    ['api.example.com', 'www.example.com', false],
    ['*.example.com', 'api.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', '*.a.example.com', true],
    ['*.a.example.com', '*.b.example.com', false],
    ['api.*', 'api.example.com', true],
    ['api.*', '*.com', true],
    ['api.*', 'www.*', false],
    ['api.example.com:8443', 'api.example.com:8080', false],
    ['api.example.com:8443', 'api.example.com', true],
    ['*', 'anything.example', true],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(hostsOverlap(parseHostPattern(a), parseHostPattern(b))).toBe(expected);
    expect(hostsOverlap(parseHostPattern(b), parseHostPattern(a))).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['*', '*.example.com', true],
    ['*.example.com', '*.a.example.com', true],
    ['*.a.example.com', '*.example.com', false],
    ['*.example.com', 'api.*', false],
    ['api.example.com', '*.example.com', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(hostContains(parseHostPattern(outer), parseHostPattern(inner))).toBe(expected);
  });
});

describe('parseHostPolicy', () => {
  it('reads YAML and JSON, lower-casing hosts', () => {
    const r = parseHostPolicy('{"rules":[{"name":"a","hosts":["API.Example.com","*.x.io","*"],"namespaces":["demo"]}]}');
    expect(r).toEqual({ ok: true, policy: { rules: [{ name: 'a', hosts: ['api.example.com', '*.x.io', '*'], namespaces: ['demo'] }] } });
    expect(parseHostPolicy('rules: []\n')).toEqual({ ok: true, policy: { rules: [] } });
  });

  it.each([
    ['rules:\n  - { name: a, hosts: ["api.*"], namespaces: [x] }\n', /rules\.0\.hosts\.0: must be a host name/],
    ['rules:\n  - { name: a, hosts: ["a.io:80"], namespaces: [x] }\n', /rules\.0\.hosts\.0/],
    ['rules:\n  - { name: a, hosts: [], namespaces: [x] }\n', /rules\.0\.hosts: must list at least one/],
    ['rules:\n  - { name: a, hosts: [a.io], namespaces: [Bad_NS] }\n', /rules\.0\.namespaces\.0/],
    ['rules:\n  - { name: a, hosts: [a.io], namespaces: [], extra: 1 }\n', /rules\.0/],
    ['rules:\n  - { name: a, hosts: [a.io], namespaces: [] }\n  - { name: a, hosts: [b.io], namespaces: [] }\n', /rules\.1\.name: 'a' is used by another rule/],
    ['rules: [', /not valid YAML or JSON/],
  ])('refuses %j', (text, message) => {
    const r = parseHostPolicy(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('HostPolicyCheck', () => {
  const policy: HostPolicy = {
    rules: [
      { name: 'bank', hosts: ['*.bank.example'], namespaces: ['bank'] },
      { name: 'payments', hosts: ['pay.bank.example'], namespaces: ['payments'] },
      { name: 'shared', hosts: ['shared.example'], namespaces: ['a'] },
      { name: 'shared-too', hosts: ['shared.example'], namespaces: ['b'] },
      { name: 'reserved', hosts: ['admin.example'], namespaces: [] },
    ],
  };
  const check = new HostPolicyCheck(policy);
  const route = (ns: string, hosts: string[]) =>
    ({ ref: { kind: 'Route', namespace: ns, name: 'r' }, scope: ns, hosts } as unknown as RouteSpec);
  const verdict = (ns: string, hosts: string[]) => check.check(route(ns, hosts))?.message ?? 'allowed';

  it.each<[string, string[], string]>([
    ['bank', ['www.bank.example'], 'allowed'],
    ['bank', ['a.b.bank.example', '*.static.bank.example'], 'allowed'],
    ['payments', ['pay.bank.example:8443'], 'allowed'],
    ['bank', ['pay.bank.example'], "host 'pay.bank.example' is governed by 'pay.bank.example' of host policy rule 'payments', which does not allow namespace bank"],
    ['bank', ['*.bank.example'], "host '*.bank.example' reaches hosts governed by 'pay.bank.example' of host policy rule 'payments', which does not allow namespace bank"],
    ['other', ['www.bank.example'], "host 'www.bank.example' is governed by '*.bank.example' of host policy rule 'bank', which does not allow namespace other"],
    ['other', ['*.example'], "host '*.example' reaches hosts governed by '*.bank.example' of host policy rule 'bank', which does not allow namespace other"],
    ['other', ['bank.*'], "host 'bank.*' reaches hosts governed by '*.bank.example' of host policy rule 'bank', which does not allow namespace other"],
    ['other', ['unrelated.example', '*.io'], 'allowed'],
    ['other', [], 'allowed'],
    ['a', ['shared.example'], 'allowed'],
    ['b', ['SHARED.example'], 'allowed'],
    ['c', ['shared.example'], "host 'shared.example' is governed by 'shared.example' of host policy rule 'shared', which does not allow namespace c"],
    ['bank', ['admin.example'], "host 'admin.example' is governed by 'admin.example' of host policy rule 'reserved', which does not allow namespace bank"],
  ])('%s %j', (ns, hosts, expected) => {
    expect(verdict(ns, hosts)).toBe(expected);
  });

  it('"*" governs every other host and the Routes without hosts', () => {
    const strict = new HostPolicyCheck({ rules: [...policy.rules, { name: 'default', hosts: ['*'], namespaces: ['platform'] }] });
    expect(strict.check(route('platform', []))).toBeUndefined();
    expect(strict.check(route('platform', ['x.io']))).toBeUndefined();
    expect(strict.check(route('other', []))).toMatchObject({
      reason: 'HostNotAllowed',
      field: 'spec.hosts',
      message: "a Route without hosts is governed by '*' of host policy rule 'default', which does not allow namespace other",
    });
    expect(strict.check(route('other', ['a.io', 'x.io']))).toMatchObject({ field: 'spec.hosts[0]' });
    expect(strict.check(route('bank', ['www.bank.example']))).toBeUndefined();
  });
});

describe('--host-policy option', () => {
  it('takes the policy inline or from @FILE; a bad one is a usage error naming the option', async () => {
    const { hostPolicyOption } = await import('../../../src/cli/host-policy-option.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'pc-hp-')), 'policy.yaml');
    writeFileSync(file, 'rules:\n  - { name: a, hosts: [a.io], namespaces: [x] }\n');
    expect(hostPolicyOption(`@${file}`)).toEqual({ rules: [{ name: 'a', hosts: ['a.io'], namespaces: ['x'] }] });
    expect(hostPolicyOption(undefined)).toBeUndefined();
    expect(hostPolicyOption('  ')).toBeUndefined();
    expect(() => hostPolicyOption('rules: [{ name: a }]')).toThrow(/^--host-policy: rules\.0\.hosts/);
    expect(() => hostPolicyOption(`@${file}.missing`)).toThrow(/--host-policy file .*: cannot read: ENOENT/);
  });
});
