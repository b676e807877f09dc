import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCrdReference } from '../../../src/model/crd-reference.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('docs/crd-reference.md matches the zod schemas', () => {
  const rendered = renderCrdReference();

  it('is up to date (run npm run gen:crds)', () => {
    expect(readFileSync(join(root, 'docs/crd-reference.md'), 'utf8')).toBe(rendered);
  });

  it('documents each kind and the fields users set most', () => {
    for (const kind of ['KongConsumer', 'JwtCredential', 'Route']) expect(rendered).toContain(`## ${kind}\n`);
    for (const field of ['spec.username', 'spec.publicKeyRef.key', 'spec.backend.service.port', 'spec.plugins.jwt.keyClaimName', 'status.observedGeneration', 'status.conditions[].reason']) {
      expect(rendered).toMatch(new RegExp(`^\\| \`${field.replace(/[.[\]]/g, '\\$&')}\` \\|.+\\| [A-Z].{10,} \\|$`, 'm'));
    }
  });

  it('rendering is deterministic', () => {
    expect(renderCrdReference()).toBe(rendered);
  });
});
