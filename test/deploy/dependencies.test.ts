import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The image installs `dependencies` only (Dockerfile: `npm ci --omit=dev`), so an import in src/ of
 * a devDependency breaks it at run time, and a dependency nothing in src/ imports ships for nothing.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(c|m)?[jt]s$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier a file names: import/export … from, import x = require(), import(), require(). */
function specifiers(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
      out.push(node.expression.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const arg = node.arguments[0]!;
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isImport || isRequire) {
        // A computed specifier cannot be checked: refuse it rather than miss a package.
        out.push(ts.isStringLiteralLike(arg) ? arg.text : `<computed ${isImport ? 'import' : 'require'}()>`);
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** 'pkg/sub' → 'pkg', '@scope/pkg/sub' → '@scope/pkg'; null for relative paths and Node builtins. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const imports = new Map<string, string[]>(); // package → src files importing it
for (const file of sourceFiles(join(repoRoot, 'src'))) {
  for (const spec of specifiers(file)) {
    const name = packageOf(spec);
    if (name === null) continue;
    const files = imports.get(name) ?? [];
    files.push(relative(repoRoot, file));
    imports.set(name, files);
  }
}

describe('package.json dependencies match what src/ imports', () => {
  it('finds the packages src/ imports (the scan works)', () => {
    expect(imports.get('undici')).toContain('src/proxy/upstream-pools.ts');
  });

  it('every package src/ imports is in dependencies (the image has no devDependencies)', () => {
    const missing = [...imports].filter(([name]) => !dependencies.has(name)).map(([name, files]) => `${name} (imported by ${files.join(', ')})`);
    expect(missing.join('; '), 'imported by src/ but not in package.json dependencies').toBe('');
  });

  it('every dependency is imported by something in src/ (else it belongs in devDependencies, or nowhere)', () => {
    const unused = [...dependencies].filter((name) => !imports.has(name));
    expect(unused.join(', '), 'in package.json dependencies but imported by nothing in src/').toBe('');
  });
});
