#!/bin/sh
# Compiles bench/scale-pipeline.ts (and what it imports) to /tmp/scale-out; see that file's header.
set -e
cd "$(dirname "$0")/.."
npx tsc bench/scale-pipeline.ts --outDir /tmp/scale-out --rootDir . --module nodenext --target es2023 \
  --moduleResolution nodenext --strict --skipLibCheck --types node
# The compiled files import yaml, zod, ...: let them resolve from this checkout.
ln -sfn "$(pwd)/node_modules" /tmp/scale-out/node_modules
