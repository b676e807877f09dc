import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GATEWAY_REFUSALS, JWT_REFUSALS, REFUSAL_REASONS } from '../../../src/model/refusal-reasons.js';
import { buildRejections, missingAnonymousRejection } from '../../../src/plugins/jwt/responses.js';

/**
 * The refusal codes are defined once (src/model/refusal-reasons.ts): every code the jwt plugin can
 * answer with is in the table, and the docs' table (docs/explain.md#reason-codes) lists exactly
 * the table's codes, as does the access-log doc.
 */
const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The codes in the first column of the markdown table under `heading`. */
function documentedCodes(file: string, heading: string): string[] {
  const doc = readFileSync(`${repo}${file}`, 'utf8');
  const start = doc.indexOf(heading);
  expect(start, `${file} has a "${heading}" section`).toBeGreaterThan(-1);
  const section = doc.slice(start, doc.indexOf('\n## ', start + heading.length));
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('refusal reasons', () => {
  it('cover every rejection the jwt plugin can send', () => {
    const set = buildRejections('iss', 'r');
    const reasons = [...Object.values(set).flatMap((v) => (Array.isArray(v) ? v : [v])), missingAnonymousRejection('x')]
      .filter((r): r is { reason: string } => r !== undefined && typeof r === 'object' && 'reason' in r)
      .map((r) => r.reason);
    expect(new Set(reasons)).toEqual(new Set(Object.keys(JWT_REFUSALS)));
  });

  it('gateway and jwt codes do not overlap', () => {
    expect(Object.keys(GATEWAY_REFUSALS).filter((k) => k in JWT_REFUSALS)).toEqual([]);
  });

  it('docs/explain.md lists every code, in the table order', () => {
    expect(documentedCodes('docs/explain.md', '## Reason codes')).toEqual(Object.keys(REFUSAL_REASONS));
  });

  it('docs/access-log.md names every code', () => {
    const doc = readFileSync(`${repo}docs/access-log.md`, 'utf8');
    for (const code of Object.keys(REFUSAL_REASONS)) expect(doc, code).toContain(`\`${code}\``);
  });
});
