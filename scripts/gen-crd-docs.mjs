#!/usr/bin/env node
// Writes docs/crd-reference.md from the zod schemas in src/model/crds.ts (through the generated CRDs).
// Run through `npm run gen:crds`, which builds dist/ first (Node 20 cannot run .ts directly).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdReference } from '../dist/model/crd-reference.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'crd-reference.md');
writeFileSync(out, renderCrdReference());
console.log('wrote docs/crd-reference.md');
