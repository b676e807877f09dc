// node test/harness/cluster/smoke.mjs — see README.md beside this file.
import { runCli } from './run-ts.mjs';

await runCli('smoke');
