#!/usr/bin/env node
// Writes crds/*.yaml from the zod schemas in src/model/crds.ts.
// Run through `npm run gen:crds`, which builds dist/ first (Node 20 cannot run .ts directly).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAllCrds } from '../dist/model/crd-openapi.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'crds');
mkdirSync(outDir, { recursive: true });
for (const [file, text] of renderAllCrds()) {
  writeFileSync(join(outDir, file), text);
  console.log(`wrote crds/${file}`);
}
