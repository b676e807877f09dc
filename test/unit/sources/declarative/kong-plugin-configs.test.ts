import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { mapCorrelationIdConfig, mapIpRestrictionConfig } from '../../../../src/sources/declarative/kong-plugin-configs.js';

const head = '_format_version: "3.0"\n';
const routes = 'services:\n  - name: s\n    url: http://127.0.0.1:3000\n    routes:\n      - name: r1\n        paths: [/1]\n  - name: t\n    url: http://h\n    routes:\n      - name: r2\n        paths: [/2]\n';

describe('kong.yml config of ip-restriction and correlation-id', () => {
  it("maps Kong's snake_case and drops nulls (Kong writes them for unset fields)", () => {
    expect(mapCorrelationIdConfig({ header_name: 'X-Id', generator: 'uuid', echo_downstream: true })).toEqual({
      ok: true,
      config: { headerName: 'X-Id', generator: 'uuid', echoDownstream: true },
    });
    expect(mapCorrelationIdConfig(null)).toEqual({ ok: true, config: { headerName: 'Kong-Request-ID', generator: 'uuid#counter', echoDownstream: false } });
    expect(mapIpRestrictionConfig({ allow: null, deny: ['10.0.0.0/8'], status: null, message: null })).toEqual({ ok: true, config: { deny: ['10.0.0.0/8'] } });
  });

  it('names fields as kong.yml spells them; a camelCase key is an unknown field', () => {
    expect(mapCorrelationIdConfig({ header_name: 'Host', echoDownstream: true })).toEqual({
      ok: false,
      issues: [
        { field: 'config.echoDownstream', message: 'unknown field' },
        { field: 'config.header_name', message: 'is set or removed by the gateway itself and cannot carry a correlation id' },
      ],
    });
    const ip = mapIpRestrictionConfig({ allow: ['1.2.3.4', 'nope'], blacklist: [] });
    expect(ip.ok).toBe(false);
    expect(!ip.ok && ip.issues.map((i) => i.field)).toEqual(expect.arrayContaining(['config.allow[1]', 'config.blacklist']));
    expect(mapIpRestrictionConfig('x')).toEqual({ ok: false, issues: [{ field: 'config', message: 'expected a record' }] });
  });

  it('route > service > global: the narrowest instance applies, no merging', () => {
    const plugins = [
      'plugins:',
      '  - name: ip-restriction',
      '    config: { deny: [10.0.0.0/8] }',
      '  - name: ip-restriction',
      '    service: t',
      '    config: { allow: [192.0.2.0/24] }',
      '  - name: correlation-id',
      '    route: r1',
      '    config: { header_name: X-Trace }',
    ].join('\n');
    const { resources } = parseDeclarative(head + routes + plugins + '\n', 'kong.yml');
    const diagnostics = resources.diagnostics;
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const [r1, r2] = resources.routes;
    expect(r1!.ipRestriction?.config).toEqual({ deny: ['10.0.0.0/8'] });
    expect(r2!.ipRestriction?.config).toEqual({ allow: ['192.0.2.0/24'] });
    expect(r1!.correlationId?.config.headerName).toBe('X-Trace');
    expect(r2!.correlationId).toBeUndefined();
  });

  it('an invalid or duplicated instance fails only the routes it applies to; consumer scope is refused', () => {
    const plugins = [
      'plugins:',
      '  - name: ip-restriction',
      '    route: r1',
      '    config: { allow: [not-an-ip] }',
      '  - name: correlation-id',
      '    service: t',
      '  - name: correlation-id',
      '    service: t',
      '    config: { generator: tracker }',
      '  - name: ip-restriction',
      '    consumer: c',
      '    config: { deny: [10.0.0.1] }',
      'consumers:',
      '  - username: c',
    ].join('\n');
    const { resources } = parseDeclarative(head + routes + plugins + '\n', 'kong.yml');
    const diagnostics = resources.diagnostics;
    const text = diagnostics.map(formatDiagnostic);
    expect(text).toContain("kong.yml: plugins[0] (plugins 'ip-restriction'): config.allow[0]: must be an IP address or a CIDR block (10.0.0.0/8, 2001:db8::/32)");
    expect(text.some((t) => t.includes("more than one enabled 'correlation-id' plugin for the same scope"))).toBe(true);
    expect(text.some((t) => t.includes('the ip-restriction plugin cannot be scoped to a consumer'))).toBe(true);
    // The consumer-scoped ip-restriction is global: every route fails closed.
    expect(resources.routes.map((r) => r.pluginError !== undefined)).toEqual([true, true]);
  });
});
