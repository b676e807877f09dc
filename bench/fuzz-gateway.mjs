#!/usr/bin/env node
/**
 * 100,000 fuzzed tokens against the running gateway (a benchmark-style run, not a test):
 *
 *   npm run build && node bench/fuzz-gateway.mjs [--count 100000] [--seed 1] [--connections 16]
 *
 * Prints status counts, req/s and the findings (5xx, transport errors, forged tokens accepted,
 * gateway crash); exits 1 on any finding. test/integration/fuzz/gateway-tokens.test.ts runs the
 * same with 5,000 tokens in npm test.
 */
import { parseArgs } from 'node:util';
import { fuzzGatewayTokens } from '../test/fuzz/gateway-tokens.mjs';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' }, connections: { type: 'string', default: '16' } } });
const count = Number(values.count);
console.log(`fuzzing ${count} tokens (seed ${values.seed}, ${values.connections} keep-alive connections)…`);
const r = await fuzzGatewayTokens({
  count,
  seed: Number(values.seed),
  connections: Number(values.connections),
  onProgress: (n) => console.log(`  ${n} sent`),
});
console.log(`sent ${r.sent} in ${r.seconds.toFixed(1)} s: ${r.perSecond} req/s`);
console.log(`statuses: ${Object.entries(r.statuses).map(([c, n]) => `${c}×${n}`).join(', ')}`);
console.log(`5xx: ${r.fivexx}, transport errors: ${r.transportErrors}, forged tokens accepted: ${r.forgedAccepted}, gateway alive and ready after the run: ${r.alive}`);
if (r.examples.length > 0) console.log('examples:', JSON.stringify(r.examples, null, 1));
const failed = r.fivexx > 0 || r.transportErrors > 0 || r.forgedAccepted > 0 || !r.alive;
if (failed && r.gatewayStderr) console.log(`gateway stderr (tail):\n${r.gatewayStderr}`);
process.exit(failed ? 1 : 0);
