// Entry points behind up.mjs, down.mjs and smoke.mjs (they bundle this file, see run-ts.mjs).
import { down, up } from './cluster.js';
import { smoke } from './smoke.js';

export async function main(command: string): Promise<void> {
  if (command === 'up') {
    const cluster = await up();
    process.stdout.write(`${JSON.stringify({ kubeconfig: cluster.kubeconfigPath, server: cluster.server, timingsMs: cluster.timings }, null, 2)}\n`);
  } else if (command === 'down') {
    const left = await down();
    process.stdout.write(`${JSON.stringify(left, null, 2)}\n`);
    const dirty = left.processes.length + left.mounts.length + left.links.length + left.cgroups.length + left.routes.length + left.iptablesLines + (left.runDirExists ? 1 : 0);
    if (dirty > 0) throw new Error('down left things behind (see above)');
  } else if (command === 'smoke') {
    await smoke();
  } else {
    throw new Error(`unknown command ${command}; use up, down or smoke`);
  }
}
