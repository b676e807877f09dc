import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXPLAIN_PROXIED, EXPLAIN_REFUSED, explainCommand } from '../../../src/modes/explain.js';
import { expectGolden } from '../../support/golden.js';
import { CASES, NOW, SECRETS, type ExplainCase } from './cases.js';

/**
 * Golden explain outputs: each case of cases.ts against kong.yml (standalone) or manifests.yaml
 * (controller), as `portcullis explain` prints them, text and --json, at the fixed clock NOW.
 * Together they cover every refusal code. UPDATE_GOLDEN=1 rewrites expected/; a missing file fails.
 */
const here = dirname(fileURLToPath(import.meta.url));

async function run(c: ExplainCase, json: boolean): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => ({ write: (s: string) => (append(s), true) }) as unknown as NodeJS.WritableStream;
  const where = c.source === 'kong' ? { config: join(here, 'kong.yml') } : { manifests: join(here, 'manifests.yaml') };
  const code = await explainCommand({ ...where, request: [c.request], headers: c.headers ?? [], json, now: NOW }, sink((s) => (out += s)), sink((s) => (err += s)));
  return { code, out, err };
}

describe('explain golden outputs', () => {
  it.each(CASES)('$name', async (c) => {
    const text = await run(c, false);
    const json = await run(c, true);
    expectGolden(join(here, 'expected', `${c.name}.txt`), text.out);
    expectGolden(join(here, 'expected', `${c.name}.json`), json.out);
    const verdict = JSON.parse(json.out).verdict;
    expect(json.code).toBe(verdict.proxied ? EXPLAIN_PROXIED : EXPLAIN_REFUSED);
    expect(text.code).toBe(json.code);
    for (const s of SECRETS) expect(`${text.out}${json.out}${text.err}${json.err}`).not.toContain(s);
    // The token's signature is never printed.
    for (const h of c.headers ?? []) {
      const sig = /Bearer [^.]+\.[^.]+\.(\S{16,})/.exec(h)?.[1];
      if (sig) expect(`${text.out}${json.out}`).not.toContain(sig);
    }
  });

  it('covers every refusal code', async () => {
    const { REFUSAL_REASONS } = await import('../../../src/model/refusal-reasons.js');
    const seen = new Set<string>();
    for (const c of CASES) seen.add(JSON.parse((await run(c, true)).out).verdict.reason ?? 'proxied');
    // no_config cannot happen offline; ip_restricted needs a client
    // address, which explain does not have (docs/ip-restriction.md#explain); rate-limiting is never
    // evaluated by explain, which must not count (docs/rate-limiting.md#explain): all in the integration tests.
    const offline = new Set(['no_config', 'ip_restricted', 'rate_limited', 'rate_limit_unavailable']);
    expect([...Object.keys(REFUSAL_REASONS)].filter((r) => !offline.has(r) && !seen.has(r))).toEqual([]);
  });
});
