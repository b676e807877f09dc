// node test/harness/cluster/down.mjs — see README.md beside this file.
import { runCli } from './run-ts.mjs';

await runCli('down');
