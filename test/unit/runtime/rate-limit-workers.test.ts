import { describe, expect, it } from 'vitest';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';
import { LocalRateLimitNotice, localRateLimitedRoutes } from '../../../src/runtime/rate-limit-workers.js';

const yml = (policy: string) =>
  `_format_version: "3.0"\nservices:\n  - name: s\n    url: http://127.0.0.1:3000\n    routes:\n      - name: r1\n        paths: [/1]\n        plugins:\n          - name: rate-limiting\n            config: { minute: 5, policy: ${policy}, redis: { host: r } }\n      - name: r2\n        paths: [/2]\n`;

describe('the --workers warning for the local rate-limiting policy', () => {
  it('names the routes counting per process; redis ones are not', () => {
    expect(localRateLimitedRoutes(parseDeclarative(yml('local'), 'kong.yml').resources)).toEqual(['r1']);
    expect(localRateLimitedRoutes(parseDeclarative(yml('redis'), 'kong.yml').resources)).toEqual([]);
  });

  it('warns once per set of routes, not on every reload', () => {
    const notice = new LocalRateLimitNotice();
    const seen: string[] = [];
    const warn = (_f: Record<string, unknown>, m: string) => seen.push(m);
    const local = parseDeclarative(yml('local'), 'kong.yml').resources;
    notice.check(local, 2, warn);
    notice.check(local, 2, warn);
    notice.check(parseDeclarative(yml('redis'), 'kong.yml').resources, 2, warn);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('up to 2 × the limit');
  });
});
