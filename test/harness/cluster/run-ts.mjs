// Node 20 cannot run TypeScript: bundle cli.ts with rolldown (already installed as vite's bundler),
// keeping packages external, then run the given command. The bundle is written to test/harness/
// (git-ignored, removed once loaded) so import.meta.url-relative paths (build.sh) and
// node_modules resolve as they do for the sources.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'rolldown';

export async function runCli(command) {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = join(here, '..', `.cluster-cli-${process.pid}.mjs`);
  try {
    await build({
      input: join(here, 'cli.ts'),
      platform: 'node',
      external: [/^node:/, /^@kubernetes\//],
      resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
      output: { file, format: 'esm' },
      logLevel: 'silent',
    });
    const { main } = await import(pathToFileURL(file).href);
    rmSync(file, { force: true });
    await main(command);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    rmSync(file, { force: true });
  }
}
