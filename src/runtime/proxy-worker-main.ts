// Entry point of a proxy worker process (node:cluster `exec`); see proxy-worker.ts.
import { runProxyWorker, workerSettings } from './proxy-worker.js';

const { slot, gateway } = workerSettings();
await runProxyWorker(slot, gateway);
