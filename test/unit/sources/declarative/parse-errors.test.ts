import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';

const SVC = 'services:\n  - name: s\n    url: http://127.0.0.1:3000\n';
const head = '_format_version: "3.0"\n';

/** [case, kong.yml body (after _format_version), expected formatted diagnostic, reason] */
const entityErrors: Array<[string, string, string, string]> = [
  ['bad url scheme', 'services:\n  - name: s\n    url: ftp://h/x\n', "kong.yml: services[0] (services 's'): url: unsupported protocol 'ftp' (expected http, https, grpc or grpcs)", 'InvalidValue'],
  ['bad protocol', 'services:\n  - name: s\n    protocol: tcp\n    host: h\n', "kong.yml: services[0] (services 's'): protocol: unsupported protocol 'tcp' (expected http, https, grpc or grpcs)", 'InvalidValue'],
  ['grpc url with a path', 'services:\n  - name: s\n    url: grpc://h:50051/x\n', "kong.yml: services[0] (services 's'): url: value must be null when 'protocol' is grpc or grpcs", 'InvalidValue'],
  ['grpcs service with a path', 'services:\n  - name: s\n    protocol: grpcs\n    host: h\n    path: /x\n', "kong.yml: services[0] (services 's'): path: value must be null when 'protocol' is grpc or grpcs", 'InvalidValue'],
  ['url with user info', 'services:\n  - name: s\n    url: http://u:p@h\n', "kong.yml: services[0] (services 's'): url: url must not contain user information", 'InvalidValue'],
  ['url with query', 'services:\n  - name: s\n    url: http://h/x?a=1\n', "kong.yml: services[0] (services 's'): url: url must not contain a query or fragment", 'InvalidValue'],
  ['url and host', 'services:\n  - name: s\n    url: http://h\n    host: h\n', "kong.yml: services[0] (services 's'): host: cannot be set together with 'url'", 'InvalidValue'],
  ['no url or host', 'services:\n  - name: s\n', "kong.yml: services[0] (services 's'): one of 'url' or 'host' is required", 'MissingField'],
  ['port out of range', 'services:\n  - name: s\n    host: h\n    port: 70000\n', "kong.yml: services[0] (services 's'): port: value should be between 1 and 65535", 'InvalidValue'],
  ['timeout not integer', 'services:\n  - name: s\n    url: http://h\n    read_timeout: 1.5\n', "kong.yml: services[0] (services 's'): read_timeout: expected an integer", 'InvalidValue'],
  ['service id not uuid', 'services:\n  - name: s\n    id: nope\n    url: http://h\n', "kong.yml: services[0] (services 's'): id: expected a valid UUID", 'InvalidValue'],
  ['unknown service field', 'services:\n  - name: s\n    url: http://h\n    colour: red\n', "kong.yml: services[0] (services 's'): colour: unknown field", 'UnknownField'],
  ['missing service reference', `${SVC}routes:\n  - name: r\n    service: ghost\n    paths: [/x]\n`, "kong.yml: routes[0] (routes 'r'): service: invalid reference 'service: ghost' (no such entry in 'services')", 'ServiceNotFound'],
  ['route without service', 'routes:\n  - name: r\n    paths: [/x]\n', "kong.yml: routes[0] (routes 'r'): service: required field missing (routes without a service are not supported)", 'MissingField'],
  ['route with no matcher', `${SVC}    routes:\n      - name: r\n`, "kong.yml: services[0].routes[0] (routes 'r'): must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'", 'NoMatcher'],
  ['unnamed route label', `${SVC}    routes:\n      - strip_path: true\n`, "kong.yml: services[0].routes[0] (routes 's.routes[0]'): must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'", 'NoMatcher'],
  ['relative path', `${SVC}    routes:\n      - name: r\n        paths: [api]\n`, "kong.yml: services[0].routes[0] (routes 'r'): paths[0]: should start with: / (fixed path) or ~/ (regex path)", 'InvalidValue'],
  ['bad regex', `${SVC}    routes:\n      - name: r\n        paths: ["~/(x"]\n`, "kong.yml: services[0].routes[0] (routes 'r'): paths[0]: invalid regex", 'InvalidRegex'],
  ['lowercase method', `${SVC}    routes:\n      - name: r\n        methods: [get]\n`, "kong.yml: services[0].routes[0] (routes 'r'): methods[0]: invalid value: must contain only uppercase letters", 'InvalidValue'],
  ['duplicate route name', `${SVC}    routes:\n      - name: r\n        paths: [/a]\n      - name: r\n        paths: [/b]\n`, "kong.yml: services[0].routes[1] (routes 'r'): name: duplicate route: name 'r' is already used by services[0].routes[0]", 'DuplicateName'],
  ['duplicate service name', `${SVC}  - name: s\n    url: http://h\n`, "kong.yml: services[1] (services 's'): name: duplicate service: name 's' is already used by services[0]", 'DuplicateName'],
  ['bad consumer reference', 'jwt_secrets:\n  - consumer: bob\n    key: k\n    secret: s\n', "kong.yml: jwt_secrets[0] (jwt_secrets 'k'): consumer: invalid reference 'consumer: bob' (no such entry in 'consumers')", 'ConsumerNotFound'],
  ['consumer without username or custom_id', 'consumers:\n  - tags: [x]\n', "kong.yml: consumers[0] (consumers 'consumers[0]'): at least one of these fields must be non-empty: 'custom_id', 'username'", 'MissingField'],
  ['credential without key', 'consumers:\n  - username: a\n    jwt_secrets:\n      - secret: s\n', "kong.yml: consumers[0].jwt_secrets[0] (jwt_secrets 'consumers[0].jwt_secrets[0]'): key: required field missing (Kong would generate a random key on every reload)", 'MissingField'],
  ['HS credential without secret', 'consumers:\n  - username: a\n    jwt_secrets:\n      - key: k\n        algorithm: HS384\n', "kong.yml: consumers[0].jwt_secrets[0] (jwt_secrets 'k'): secret: required for algorithm HS384 (Kong would generate a random secret on every reload)", 'MissingField'],
  ['RS credential without key', 'consumers:\n  - username: a\n    jwt_secrets:\n      - key: k\n        algorithm: PS256\n', "kong.yml: consumers[0].jwt_secrets[0] (jwt_secrets 'k'): rsa_public_key: required for algorithm PS256", 'MissingField'],
  ['unknown plugin', `${SVC}    plugins:\n      - name: request-transformer\n    routes:\n      - name: r\n        paths: [/x]\n`, "kong.yml: services[0].plugins[0] (plugins 'request-transformer'): name: plugin 'request-transformer' is not supported by Portcullis (only 'jwt', 'jwt-claims', 'ip-restriction', 'correlation-id', 'acl', 'cors' and 'rate-limiting'); the routes it applies to answer 500 until it is removed", 'UnknownPlugin'],
  ['jwt bad config value', 'plugins:\n  - name: jwt\n    config:\n      maximum_expiration: 99999999\n', "kong.yml: plugins[0] (plugins 'jwt'): config.maximum_expiration: Too big: expected number to be <=31536000", 'InvalidPluginConfig'],
  ['jwt max expiration without exp', 'plugins:\n  - name: jwt\n    config:\n      maximum_expiration: 60\n', "kong.yml: plugins[0] (plugins 'jwt'): config.claims_to_verify: expected to contain: exp", 'InvalidPluginConfig'],
  ['jwt unknown config field', 'plugins:\n  - name: jwt\n    config:\n      key_claim: kid\n', "kong.yml: plugins[0] (plugins 'jwt'): config.key_claim: unknown field", 'InvalidPluginConfig'],
  ['jwt scoped to consumer', 'consumers:\n  - username: a\nplugins:\n  - name: jwt\n    consumer: a\n', "kong.yml: plugins[0] (plugins 'jwt'): consumer: the jwt plugin cannot be scoped to a consumer (Kong refuses it too); ignored", 'Unsupported'],
  ['plugin without name', 'plugins:\n  - config: {}\n', "kong.yml: plugins[0] (plugins 'plugins[0]'): name: required field missing", 'MissingField'],
  ['unknown top-level key', 'servicez: []\n', "kong.yml: servicez (file 'servicez'): servicez: unknown field", 'UnknownField'],
  ['unsupported Kong entity', 'upstreams: []\n', "kong.yml: upstreams (file 'upstreams'): upstreams: 'upstreams' are not supported by Portcullis; left out", 'Unsupported'],
];

describe('per-entity diagnostics', () => {
  it.each(entityErrors)('%s', (_name, body, expected, reason) => {
    const { resources, fatal } = parseDeclarative(head + body, '/etc/portcullis/kong.yml');
    expect(fatal).toBeUndefined();
    const msgs = resources.diagnostics.map(formatDiagnostic);
    expect(msgs).toContain(expected.replace(/^kong\.yml/, '/etc/portcullis/kong.yml'));
    expect(resources.diagnostics.find((d) => formatDiagnostic(d).endsWith(expected.slice('kong.yml'.length)))?.reason).toBe(reason);
  });
});

const fatalErrors: Array<[string, string, string, string]> = [
  ['empty file', '', 'file is empty', 'EmptyFile'],
  ['whitespace only', '  \n\n', 'file is empty', 'EmptyFile'],
  ['comments only', '# nothing\n', 'file is empty (no document)', 'EmptyFile'],
  ['not a mapping', '- a\n- b\n', 'expected a mapping at the top level', 'InvalidValue'],
  ['scalar document', 'hello\n', 'expected a mapping at the top level', 'InvalidValue'],
  ['missing _format_version', 'services: []\n', '_format_version: required field missing', 'InvalidFormatVersion'],
  ['unquoted _format_version', '_format_version: 3.0\n', '_format_version: expected a string (quote it: _format_version: "3.0")', 'InvalidFormatVersion'],
  ['unsupported _format_version', '_format_version: "0.1"\n', `_format_version: unsupported version '0.1' (expected one of "3.0", "2.1", "1.1")`, 'InvalidFormatVersion'],
  ['duplicate key', '_format_version: "3.0"\n_format_version: "3.0"\n', 'syntax error (DUPLICATE_KEY) at line 2, column 1', 'InvalidYAML'],
];

describe('fatal (whole file) errors', () => {
  it.each(fatalErrors)('%s', (_name, text, message, reason) => {
    const { resources, fatal } = parseDeclarative(text, 'kong.yml');
    expect(fatal).toBeDefined();
    expect(fatal!.map((d) => d.reason)).toContain(reason);
    expect(fatal!.map((d) => `${d.field ? `${d.field}: ` : ''}${d.message}`)).toContain(message);
    expect(resources.routes).toEqual([]);
    expect(resources.credentials).toEqual([]);
  });

  it('never quotes the offending line of a YAML syntax error (it may hold a secret)', () => {
    const secret = 'S3cr3t-DO-NOT-LEAK-0123456789abcdef';
    const text = `_format_version: "3.0"\nconsumers:\n  - username: a\n    jwt_secrets:\n      - key: k\n        secret: "${secret}\n  x: [\n`;
    const { fatal } = parseDeclarative(text, 'kong.yml');
    expect(fatal?.length).toBeGreaterThan(0);
    const all = JSON.stringify(fatal);
    expect(all).not.toContain('S3cr3t');
    expect(fatal![0]!.message).toMatch(/^syntax error \([A-Z_]+\) at line \d+, column \d+$/);
  });

  it('accepts _format_version "1.1" and "2.1" and JSON input', () => {
    for (const v of ['1.1', '2.1', '3.0']) expect(parseDeclarative(`{"_format_version": "${v}"}`, 'kong.json').fatal).toBeUndefined();
  });
});

describe('secrets stay out of diagnostics', () => {
  it('does not echo secret, rsa_public_key or url credentials in any message', () => {
    const text = `${head}services:\n  - name: s\n    url: http://user:PASSWORD-XYZ@h\nconsumers:\n  - username: a\n    jwt_secrets:\n      - key: k1\n        algorithm: RS256\n        rsa_public_key: "PEMSECRET-XYZ"\n      - key: k2\n        algorithm: bogus\n        secret: SECRET-XYZ\n`;
    const { resources } = parseDeclarative(text, 'kong.yml');
    expect(resources.diagnostics.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(resources.diagnostics)).not.toMatch(/XYZ/);
  });
});

describe('defaults and precedence', () => {
  it('fills Kong defaults for services and routes', () => {
    const { resources } = parseDeclarative(`${head}${SVC}    routes:\n      - name: r\n        hosts: [a.example]\n`, 'kong.yml');
    const r = resources.routes[0]!;
    expect(r).toMatchObject({ stripPath: true, preserveHost: false, regexPriority: 0, protocols: ['http', 'https'], paths: [], methods: [] });
    expect(r.service).toMatchObject({ connectTimeoutMs: 60000, readTimeoutMs: 60000, writeTimeoutMs: 60000, retries: 5, name: 's' });
    expect(r.backend).toEqual({ kind: 'url', protocol: 'http', host: '127.0.0.1', port: 3000, path: '' });
  });

  it.each([
    ['http://h', { protocol: 'http', host: 'h', port: 80, path: '' }],
    ['https://h', { protocol: 'https', host: 'h', port: 443, path: '' }],
    ['https://H.Example:8443/base/', { protocol: 'https', host: 'h.example', port: 8443, path: '/base/' }],
    ['http://[::1]:3000/x', { protocol: 'http', host: '::1', port: 3000, path: '/x' }],
  ])('parses url %s', (url, backend) => {
    const { resources } = parseDeclarative(`${head}services:\n  - name: s\n    url: "${url}"\n    routes:\n      - paths: [/]\n`, 'kong.yml');
    expect(resources.diagnostics).toEqual([]);
    expect(resources.routes[0]!.backend).toEqual({ kind: 'url', ...backend });
  });

  it('applies exactly one jwt instance: route > service > global', () => {
    const text = `${head}plugins:\n  - name: jwt\n    config: { key_claim_name: g }\nservices:\n  - name: s\n    url: http://h\n    plugins:\n      - name: jwt\n        config: { key_claim_name: s }\n    routes:\n      - name: r1\n        paths: [/1]\n      - name: r2\n        paths: [/2]\n        plugins:\n          - name: jwt\n            config: { key_claim_name: r }\n  - name: t\n    url: http://h\n    routes:\n      - name: r3\n        paths: [/3]\n`;
    const { resources } = parseDeclarative(text, 'kong.yml');
    expect(resources.diagnostics).toEqual([]);
    expect(resources.routes.map((r) => [r.name, r.jwt?.config.keyClaimName])).toEqual([['r1', 's'], ['r2', 'r'], ['r3', 'g']]);
  });

  it('fails routes closed when two jwt plugins share a scope', () => {
    const text = `${head}${SVC}    plugins:\n      - name: jwt\n    routes:\n      - name: r\n        paths: [/x]\nplugins:\n  - name: jwt\n    service: s\n`;
    const { resources } = parseDeclarative(text, 'kong.yml');
    expect(resources.routes[0]!.pluginError).toMatch(/more than once/);
    expect(resources.routes[0]!.jwt).toBeUndefined();
    expect(resources.diagnostics.map((d) => d.reason)).toContain('PluginConflict');
  });
});

describe('unsupported plugins fail closed where they apply', () => {
  const routes = `${SVC}    routes:\n      - name: r1\n        paths: [/1]\n  - name: t\n    url: http://h\n    routes:\n      - name: r2\n        paths: [/2]\n`;
  it.each([
    ['global key-auth fails every route', 'plugins:\n  - name: key-auth\n', ['r1', 'r2']],
    ['service-scoped request-termination fails only that service', 'plugins:\n  - name: request-termination\n    service: t\n', ['r2']],
    ['route-scoped request-transformer fails only that route', 'plugins:\n  - name: request-transformer\n    route: r1\n', ['r1']],
    ['observability-only plugins fail nothing', 'plugins:\n  - name: prometheus\n  - name: http-log\n    service: s\n', []],
    ['disabled unknown plugins fail nothing', 'plugins:\n  - name: key-auth\n    enabled: false\n', []],
  ])('%s', (_name, plugins, failed) => {
    const { resources } = parseDeclarative(head + routes + plugins, 'kong.yml');
    expect(resources.routes.filter((r) => r.pluginError !== undefined).map((r) => r.name)).toEqual(failed);
    expect(resources.routes.map((r) => r.name)).toEqual(['r1', 'r2']);
  });
});
