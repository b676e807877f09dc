import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnostic, DiagnosticCollector, type ObjectRef } from '../../../src/model/diagnostics.js';

const src = join(import.meta.dirname, '..', '..', '..', 'src');

describe('one way to make a diagnostic', () => {
  it('the constructor takes only the reasons the table allows for a severity', () => {
    const ref: ObjectRef = { kind: 'Route', namespace: 'demo', name: 'r' };
    // @ts-expect-error LegacyRegexPath is a warning only
    diagnostic('error', ref, 'LegacyRegexPath', 'x');
    // @ts-expect-error SecretNotFound is an error only
    diagnostic('warning', ref, 'SecretNotFound', 'x');
    // @ts-expect-error not in the table
    diagnostic('error', ref, 'SomethingElse', 'x');
    const out = new DiagnosticCollector();
    out.error(ref, 'InvalidRegex', 'invalid regex', 'spec.paths[0]');
    out.warn(ref, 'ServiceNotFound', "Service 'demo/s' not found");
    expect(out.diagnostics).toEqual([
      { severity: 'error', object: ref, field: 'spec.paths[0]', reason: 'InvalidRegex', message: 'invalid regex' },
      { severity: 'warning', object: ref, reason: 'ServiceNotFound', message: "Service 'demo/s' not found" },
    ]);
    // No field key at all when there is no field (formatDiagnostic and the views test for it).
    expect(Object.keys(out.diagnostics[1]!)).toEqual(['severity', 'object', 'reason', 'message']);
  });

  it('no code outside src/model/diagnostics.ts builds a diagnostic as an object literal', () => {
    const literal = /severity: '(error|warning)'/;
    const offenders = readdirSync(src, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name))
      .filter((p) => !p.endsWith(join('model', 'diagnostics.ts')) && literal.test(readFileSync(p, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
