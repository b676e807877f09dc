import { describe, expect, it } from 'vitest';
import { startParseThread } from '../../../../src/sources/declarative/parse-thread.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { kongYmlWithRoutes } from '../../../support/kong-yml-routes.js';

const file = kongYmlWithRoutes;

// Under vitest the thread cannot load this TypeScript source, so these run the caller-thread path;
// test/integration/standalone/parse-thread.test.ts runs the built thread.
describe('startParseThread', () => {
  it.each([
    ['a valid file', file(3)],
    ['a file with an error', `${file(1)}\nroutes: 5\n`],
    ['a file that is not YAML', 'services: [\n'],
  ])('gives what parseDeclarative gives for %s', async (_name, text) => {
    const t = startParseThread();
    try {
      expect(await t.parse(text, 'kong.yml')).toEqual(parseDeclarative(text, 'kong.yml'));
    } finally {
      t.close();
    }
  });

  it('parses on the calling thread until the thread has loaded, so a first reload never waits for it', async () => {
    const t = startParseThread();
    try {
      const text = file(2);
      expect(await t.parse(text, 'kong.yml')).toEqual(parseDeclarative(text, 'kong.yml'));
      expect(t.threaded).toBe(false);
    } finally {
      t.close();
    }
  });

  it('settles results in request order', async () => {
    const t = startParseThread();
    try {
      const order: number[] = [];
      await Promise.all([5, 1, 3].map((n) => t.parse(file(n), 'kong.yml').then((r) => order.push(r.resources.routes.length))));
      expect(order).toEqual([5, 1, 3]);
    } finally {
      t.close();
    }
  });
});
