import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';

/**
 * Found by the kong-yml fuzz target: a collection used as a mapping key made the yaml package
 * (slow path) emit a process warning quoting that part of the file ("Keys with collection values
 * will be stringified: { secret: … }"), straight to stderr, outside the loader's diagnostics.
 */
describe('kong.yml loading writes nothing from the file to stderr', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a collection key does not produce a process warning quoting the document', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const text = '_format_version: "3.0"\nconsumers:\n  - username: a\n    ? {secret: hunter2-very-secret}\n    : x\n';
    const result = parseDeclarative(text, '/tmp/kong.yml');
    expect(warn).not.toHaveBeenCalled();
    // The key itself is still reported, as any unknown field is: on the entity, not on stderr.
    expect(result.resources.diagnostics.map((d) => d.reason)).toEqual(['UnknownField']);
  });
});
