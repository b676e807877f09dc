import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/gateway-process.js';
import { kongYmlWithRoutes } from '../../support/kong-yml-routes.js';

// The built modules: a worker thread loads dist/, not the TypeScript source.
const dist = new URL('../../../dist/sources/declarative/', import.meta.url);
const { startParseThread } = (await import(new URL('parse-thread.js', dist).href)) as typeof import('../../../src/sources/declarative/parse-thread.js');
const { parseDeclarative } = (await import(new URL('parse.js', dist).href)) as typeof import('../../../src/sources/declarative/parse.js');

const file = kongYmlWithRoutes;

/** A parse thread past its start: the first parse runs on this thread and starts the worker. */
async function loadedThread() {
  const t = startParseThread();
  expect(t.threaded).toBe(false);
  await t.parse(file(1), 'kong.yml');
  await waitFor(() => t.threaded, 10_000);
  return t;
}

describe('the declarative parse thread (built)', () => {
  it.each([
    ['a valid file', file(3)],
    ['a file with an error', `${file(1)}\nroutes: 5\n`],
    ['a file that is not YAML', 'services: [\n'],
  ])('once loaded, gives what parseDeclarative gives for %s', async (_name, text) => {
    const t = await loadedThread();
    try {
      expect(await t.parse(text, 'kong.yml')).toEqual(parseDeclarative(text, 'kong.yml'));
      expect(t.threaded).toBe(true);
    } finally {
      t.close();
    }
  });

  it('settles results in request order across the switch from this thread to the worker', async () => {
    const t = startParseThread();
    try {
      const order: number[] = [];
      const first = t.parse(file(5), 'kong.yml').then((r) => order.push(r.resources.routes.length));
      await waitFor(() => t.threaded, 10_000);
      await Promise.all([first, ...[1, 3].map((n) => t.parse(file(n), 'kong.yml').then((r) => order.push(r.resources.routes.length)))]);
      expect(order).toEqual([5, 1, 3]);
    } finally {
      t.close();
    }
  });
});
