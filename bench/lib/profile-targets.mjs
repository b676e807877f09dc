import { resolve } from 'node:path';
import { PORTCULLIS_CLI } from './setup.mjs';

/**
 * The profile scripts' targets: `node-pipe`, or `<none|HS256|RS256|ES256>[:<cli label>[:<node flags>]]`,
 * where cli labels come from `--cli label=path` ("cur" = this build's dist/cli.js).
 */
export function parseProfileTargets(targetList, cliFlags) {
  const clis = new Map([['cur', PORTCULLIS_CLI]]);
  for (const c of cliFlags) {
    const eq = c.indexOf('=');
    clis.set(c.slice(0, eq), resolve(c.slice(eq + 1)));
  }
  return targetList.split(',').map((spec) => {
    if (spec === 'node-pipe') return { spec, kind: 'node-pipe', auth: 'none' };
    const [auth, cli = 'cur', flags = ''] = spec.split(':');
    if (!clis.has(cli)) throw new Error(`unknown cli label ${cli}`);
    return { spec, kind: 'portcullis', auth, cli: clis.get(cli), nodeArgs: flags.split(' ').filter(Boolean) };
  });
}
