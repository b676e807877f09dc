import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper shared with bench/fuzz-gateway.mjs (no type declarations)
import { fuzzGatewayTokens } from '../../fuzz/gateway-tokens.mjs';

interface Summary {
  sent: number;
  statuses: Record<string, number>;
  fivexx: number;
  transportErrors: number;
  forgedAccepted: number;
  examples: unknown[];
  alive: boolean;
}

/**
 * 5,000 fuzzed tokens (fixed seed) against the real gateway process over keep-alive connections,
 * in every token source, a quarter of them with fuzzed paths and extra headers: no 5xx, no dropped connection, no forged token accepted, and the process
 * still ready afterwards. bench/fuzz-gateway.mjs runs the same with 100,000.
 */
describe('fuzzed tokens against the running gateway', () => {
  it('5,000 tokens: only 200 (valid tokens), 400 (bad path) and 401, gateway alive', async () => {
    const r = (await fuzzGatewayTokens({ count: 5000, seed: 7, connections: 8 })) as Summary;
    const detail = JSON.stringify({ statuses: r.statuses, examples: r.examples });
    expect(r.sent).toBe(5000);
    expect(r.fivexx, detail).toBe(0);
    expect(r.transportErrors, detail).toBe(0);
    expect(r.forgedAccepted, detail).toBe(0);
    expect(r.alive).toBe(true);
    // 400: a fuzzed path with a malformed percent-escape (nginx's answer too).
    expect(Object.keys(r.statuses).sort(), detail).toEqual(['200', '400', '401']);
    // Both outcomes must be exercised for the run to mean something.
    expect(r.statuses['200']).toBeGreaterThan(300);
    expect(r.statuses['401']).toBeGreaterThan(3000);
  }, 240_000);
});
