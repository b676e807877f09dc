import { describe, expect, it } from 'vitest';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';

/** kong.yml acls entities → ConsumerSpec.groups, and the acl / cors plugins' kong.yml mapping (docs/acl.md, docs/cors.md). */
const head = '_format_version: "3.0"\nservices:\n  - name: s\n    url: http://127.0.0.1:9\n    routes:\n      - name: r1\n        paths: [/a]\n      - name: r2\n        paths: [/b]\n';
const parse = (rest: string) => parseDeclarative(head + rest, 'kong.yml').resources;
const messages = (rest: string) => parse(rest).diagnostics.map((d) => `${d.object.path ?? d.object.name}: ${d.field ?? ''}: ${d.message}`);

describe('acls entities', () => {
  it('nested and top-level entries give the consumer its groups, nested first, in file order', () => {
    const r = parse('consumers:\n  - username: alice\n    acls:\n      - group: dev\n      - group: ops\n  - username: bob\nacls:\n  - consumer: alice\n    group: qa\n  - consumer: bob\n    group: banned\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.consumers.map((c) => [c.username, c.groups])).toEqual([['alice', ['dev', 'ops', 'qa']], ['bob', ['banned']]]);
  });

  it('a consumer without acls has no groups field', () => {
    expect(parse('consumers:\n  - username: carol\n').consumers[0]).not.toHaveProperty('groups');
  });

  it('a duplicate group is an error and counts once; an unknown consumer is named', () => {
    const text = 'consumers:\n  - username: alice\n    acls:\n      - group: dev\nacls:\n  - consumer: alice\n    group: dev\n  - consumer: nobody\n    group: x\n';
    expect(parse(text).consumers[0]!.groups).toEqual(['dev']);
    expect(messages(text)).toEqual([
      "acls[0]: group: duplicate acl: group 'dev' is already given to consumer 'alice'",
      "acls[1]: consumer: invalid reference 'consumer: nobody' (no such entry in 'consumers')",
    ]);
  });

  it('an invalid entry fails every acl route closed (a lost group could lift a deny); other routes serve', () => {
    const r = parse('consumers:\n  - username: alice\n    acls:\n      - group: ""\n      - groupname: x\nplugins:\n  - name: acl\n    route: r1\n    config:\n      deny: [banned]\n');
    expect(r.routes.find((x) => x.name === 'r1')!.pluginError).toMatch(/acls consumers\[0\]\.acls\[0\], consumers\[0\]\.acls\[1\] invalid/);
    expect(r.routes.find((x) => x.name === 'r2')!.pluginError).toBeUndefined();
    expect(messages('consumers:\n  - username: alice\n    acls:\n      - group: "a\\nb"\n')).toEqual([
      'consumers[0].acls[0]: group: contains a control character (LF) at position 1, which cannot be sent in the upstream X-Consumer-Groups header',
    ]);
  });
});

describe('acl and cors plugins in kong.yml', () => {
  it('snake_case fields map to the config, route > service > global', () => {
    const r = parse(
      'plugins:\n  - name: acl\n    config:\n      allow: [dev]\n      hide_groups_header: true\n  - name: acl\n    route: r1\n    config:\n      deny: [banned]\n' +
        '  - name: cors\n    route: r2\n    config:\n      origins: ["https://a.example"]\n      exposed_headers: [X-Total]\n      max_age: 60\n      preflight_continue: true\n      private_network: true\n      allow_origin_absent: false\n',
    );
    expect(r.diagnostics).toEqual([]);
    const r1 = r.routes.find((x) => x.name === 'r1')!;
    const r2 = r.routes.find((x) => x.name === 'r2')!;
    expect(r1.acl?.config).toEqual({ deny: ['banned'], hideGroupsHeader: false, alwaysUseAuthenticatedGroups: false });
    expect(r2.acl?.config).toEqual({ allow: ['dev'], hideGroupsHeader: true, alwaysUseAuthenticatedGroups: false });
    expect(r1.cors).toBeUndefined();
    expect(r2.cors?.config).toMatchObject({ origins: ['https://a.example'], exposedHeaders: ['X-Total'], maxAge: 60, preflightContinue: true, privateNetwork: true, allowOriginAbsent: false });
  });

  it('acl scoped to a consumer fails its routes closed; cors scoped to one is ignored', () => {
    const text = 'consumers:\n  - username: alice\nplugins:\n  - name: acl\n    consumer: alice\n    config:\n      allow: [x]\n  - name: cors\n    consumer: alice\n';
    const r = parse(text);
    expect(r.routes.every((x) => x.pluginError !== undefined)).toBe(true);
    expect(r.routes.every((x) => x.cors === undefined)).toBe(true);
    expect(messages(text)).toEqual([
      'plugins[0]: consumer: the acl plugin cannot be scoped to a consumer (Kong refuses it too); the routes it applies to answer 500',
      'plugins[1]: consumer: the cors plugin cannot be scoped to a consumer; ignored',
    ]);
  });

  it('bad values name the kong.yml field and fail the route closed', () => {
    const text = 'plugins:\n  - name: acl\n    route: r1\n    config:\n      allow: [a]\n      deny: [b]\n  - name: cors\n    route: r2\n    config:\n      methods: [FETCH]\n      exposedHeaders: [x]\n';
    const r = parse(text);
    expect(r.routes.map((x) => x.pluginError !== undefined)).toEqual([true, true]);
    const m = messages(text);
    expect(m).toContain('plugins[0]: config.allow: exactly one of allow or deny is required');
    expect(m).toContain('plugins[1]: config.exposedHeaders: unknown field');
    expect(m.some((x) => x.startsWith('plugins[1]: config.methods[0]:'))).toBe(true);
  });
});
