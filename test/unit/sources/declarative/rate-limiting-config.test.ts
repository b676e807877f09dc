import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { mapRateLimitingConfig } from '../../../../src/sources/declarative/kong-plugin-configs.js';

const head = '_format_version: "3.0"\n';
const routes = 'services:\n  - name: s\n    url: http://127.0.0.1:3000\n    routes:\n      - name: r1\n        paths: [/1]\n  - name: t\n    url: http://h\n    routes:\n      - name: r2\n        paths: [/2]\n';

const DEFAULTS = {
  limitBy: 'consumer',
  policy: 'local',
  faultTolerant: true,
  hideClientHeaders: false,
  errorCode: 429,
  errorMessage: 'API rate limit exceeded',
  syncRate: -1,
};

describe("kong.yml config of rate-limiting (Kong's schema)", () => {
  it("Kong's defaults; snake_case and nulls as Kong exports them", () => {
    expect(mapRateLimitingConfig({ minute: 5, hour: null, header_name: null })).toEqual({ ok: true, config: { minute: 5, ...DEFAULTS } });
    expect(
      mapRateLimitingConfig({ second: 1, limit_by: 'header', header_name: 'X-Tenant', hide_client_headers: true, error_code: 503, error_message: 'no', fault_tolerant: false }),
    ).toEqual({ ok: true, config: { ...DEFAULTS, second: 1, limitBy: 'header', headerName: 'X-Tenant', hideClientHeaders: true, errorCode: 503, errorMessage: 'no', faultTolerant: false } });
  });

  it('redis: nested (Kong 3.6+) with its defaults, or the deprecated flat redis_* fields', () => {
    const redis = { host: 'r', port: 6379, timeout: 2000, database: 0, ssl: false, sslVerify: false };
    expect(mapRateLimitingConfig({ day: 1, policy: 'redis', redis: { host: 'r', ssl_verify: null, server_name: null, password: null } })).toEqual({
      ok: true,
      config: { ...DEFAULTS, day: 1, policy: 'redis', redis },
    });
    expect(mapRateLimitingConfig({ day: 1, policy: 'redis', redis_host: 'r', redis_ssl_verify: true, redis_server_name: 'r.example', redis_password: 'pw', redis_database: 2 })).toEqual({
      ok: true,
      config: { ...DEFAULTS, day: 1, policy: 'redis', redis: { ...redis, sslVerify: true, serverName: 'r.example', password: 'pw', database: 2 } },
    });
  });

  it("refusals in Kong's words, fields as kong.yml spells them", () => {
    const issues = (raw: unknown) => {
      const r = mapRateLimitingConfig(raw);
      return r.ok ? [] : r.issues;
    };
    expect(issues({ limit_by: 'ip' })).toEqual([
      { field: 'config', message: "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'" },
    ]);
    expect(issues({ second: 10, minute: 5 })).toEqual([{ field: 'config.minute', message: 'The limit for minute(5.0) cannot be lower than the limit for second(10.0)' }]);
    expect(issues({ minute: 0 })).toEqual([{ field: 'config.minute', message: 'must be greater than 0' }]);
    expect(issues({ minute: 1, policy: 'cluster' })[0]!.field).toBe('config.policy');
    expect(issues({ minute: 1, policy: 'redis' })).toEqual([{ field: 'config.redis.host', message: 'required field missing (policy redis)' }]);
    expect(issues({ minute: 1, limit_by: 'header' })).toEqual([{ field: 'config.header_name', message: 'required field missing (limitBy header)' }]);
    expect(issues({ minute: 1, limit_by: 'path', path: 'x' })).toEqual([{ field: 'config.path', message: 'should start with: /' }]);
    expect(issues({ minute: 1, sync_rate: 1 })).toEqual([{ field: 'config.sync_rate', message: 'sync_rate can only be used with the redis policy' }]);
    expect(issues({ minute: 1, limitBy: 'ip' })).toEqual([{ field: 'config.limitBy', message: 'unknown field' }]);
    expect(issues({ minute: 1, redis: { host: 'a' }, redis_host: 'b' })).toEqual([{ field: 'config.redis_host', message: 'conflicts with config.redis.host' }]);
    expect(issues({ minute: 1, redis: { host: 'a', sslVerify: true } })).toEqual([{ field: 'config.redis.sslVerify', message: 'unknown field' }]);
  });

  it("precedence and counter scope: route > service > global; Kong's route_id / service_id of the winning instance", () => {
    const plugins = [
      'plugins:',
      '  - name: rate-limiting',
      '    config: { minute: 10 }',
      '  - name: rate-limiting',
      '    service: t',
      '    config: { minute: 20 }',
      '  - name: rate-limiting',
      '    route: r1',
      '    config: { minute: 30 }',
    ].join('\n');
    const { resources } = parseDeclarative(head + routes + plugins + '\n', 'kong.yml');
    const [r1, r2] = resources.routes;
    expect(r1!.rateLimiting?.config.minute).toBe(30);
    expect(r1!.rateLimiting?.counterScope).toEqual({ routeId: r1!.id });
    expect(r2!.rateLimiting?.config.minute).toBe(20);
    expect(r2!.rateLimiting?.counterScope).toEqual({ serviceId: r2!.service.id });
    const global = parseDeclarative(head + routes + 'plugins:\n  - name: rate-limiting\n    config: { minute: 10 }\n', 'kong.yml').resources.routes;
    expect(global.map((r) => r.rateLimiting?.counterScope)).toEqual([{}, {}]);
  });

  it('an invalid instance fails only its routes; a consumer-scoped one applies to that consumer, an unknown consumer fails closed', () => {
    const plugins = ['plugins:', '  - name: rate-limiting', '    route: r1', '    config: { minute: 5, hour: 1 }', ''].join('\n');
    const { resources } = parseDeclarative(head + routes + plugins, 'kong.yml');
    expect(resources.routes.map((r) => r.pluginError !== undefined)).toEqual([true, false]);
    expect(resources.diagnostics.map(formatDiagnostic)).toContain(
      "kong.yml: plugins[0] (plugins 'rate-limiting'): config.hour: The limit for hour(1.0) cannot be lower than the limit for minute(5.0)",
    );
    const consumer = ['plugins:', '  - name: rate-limiting', '    consumer: c', '    config: { minute: 5 }', 'consumers:', '  - username: c', ''].join('\n');
    const c = parseDeclarative(head + routes + consumer, 'kong.yml').resources;
    expect(c.routes.map((r) => r.pluginError !== undefined)).toEqual([false, false]);
    expect(c.routes.map((r) => r.rateLimiting)).toEqual([undefined, undefined]);
    expect(c.routes.map((r) => r.rateLimitingByConsumer?.map((e) => e.config.minute))).toEqual([[5], [5]]);
    expect(c.diagnostics).toEqual([]);
    const unknown = parseDeclarative(head + routes + consumer.replace('consumer: c', 'consumer: nobody'), 'kong.yml').resources;
    expect(unknown.routes.map((r) => r.pluginError !== undefined)).toEqual([true, true]);
    expect(unknown.diagnostics.map((d) => d.reason)).toContain('ConsumerNotFound');
  });
});
