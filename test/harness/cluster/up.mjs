// node test/harness/cluster/up.mjs — see README.md beside this file.
import { runCli } from './run-ts.mjs';

await runCli('up');
