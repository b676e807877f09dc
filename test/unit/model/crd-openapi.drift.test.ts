import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAllCrds } from '../../../src/model/crd-openapi.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('committed CRDs match the zod schemas', () => {
  const rendered = renderAllCrds();
  it('generates exactly the four CRD files', () => {
    expect([...rendered.keys()].sort()).toEqual(['jwtcredentials.yaml', 'jwtpolicies.yaml', 'kongconsumers.yaml', 'routes.yaml']);
  });
  for (const [file, text] of rendered) {
    it(`crds/${file} is up to date (run npm run gen:crds)`, () => {
      const committed = readFileSync(join(root, 'crds', file), 'utf8');
      expect(committed).toBe(text);
    });
  }
  it('generation is deterministic', () => {
    expect(renderAllCrds()).toEqual(rendered);
  });
});
