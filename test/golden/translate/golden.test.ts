import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { snapshotView } from '../../support/snapshot-view.js';
import { translate } from '../../../src/translate/translate.js';
import { caseResources, goldenDir, listCases } from './cases.js';
import { expectGolden } from '../../support/golden.js';

/**
 * Golden cases: test/golden/translate/<case>/{kong.yml | input.yaml} → expected.json, holding
 * snapshotView() of the translated snapshot plus what each authenticated route answers to a
 * request without a token (shows anonymous resolution and fail-closed routes as behaviour).
 * UPDATE_GOLDEN=1 rewrites expected.json; a missing expected.json fails.
 */
const cases = listCases();

/** No token, so the answer does not depend on the clock or on key material. */
function probeWithoutToken(snapshot: Snapshot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const route of [...snapshot.routes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (route.pluginError !== undefined) {
      out[route.id] = { failsClosed: true };
      continue;
    }
    if (!route.auth) continue;
    const outcome = route.auth.authenticate({ method: 'GET', rawHeaders: [], rawQuery: '' }, 1_700_000_000);
    out[route.id] =
      outcome.kind === 'rejected'
        ? { kind: outcome.kind, status: outcome.status, body: outcome.body }
        : outcome.kind === 'skipped' || outcome.kind === 'pending'
          ? { kind: outcome.kind }
          : { kind: outcome.kind, consumer: outcome.consumer.id };
  }
  return out;
}

describe('translate golden files', () => {
  it('has the required cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(18);
  });

  it.each(cases)('$name', ({ name, source }) => {
    const { resources, meta } = caseResources(name, source);
    const snapshot = translate(resources, 1);
    const actual = `${JSON.stringify({ ...meta, view: snapshotView(snapshot), probeWithoutToken: probeWithoutToken(snapshot) }, null, 2)}\n`;
    expectGolden(join(goldenDir, name, 'expected.json'), actual);
  });
});
