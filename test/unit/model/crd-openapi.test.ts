import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_DEFINITIONS } from '../../../src/model/crd-definitions.js';
import { renderCrdYaml, toStructural, type JsonSchema } from '../../../src/model/crd-openapi.js';

type Node = Record<string, unknown>;
const FORBIDDEN = ['$ref', '$schema', '$defs', 'definitions', 'oneOf', 'allOf', 'anyOf', 'not', 'const'];

/** Walk every schema node, reporting violations of Kubernetes' structural-schema rules. */
function structuralViolations(node: Node, at: string, out: string[]): string[] {
  for (const k of FORBIDDEN) if (k in node) out.push(`${at}: forbidden keyword ${k}`);
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  if (node['type'] === undefined && !intOrString && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.push(`${at}: no type`);
  }
  if (node['properties'] !== undefined && node['additionalProperties'] !== undefined) {
    out.push(`${at}: properties and additionalProperties together`);
  }
  if (node['type'] === 'object' && node['properties'] === undefined && at.endsWith('.spec')) out.push(`${at}: empty spec`);
  for (const [name, child] of Object.entries((node['properties'] ?? {}) as Record<string, Node>)) {
    structuralViolations(child, `${at}.${name}`, out);
  }
  if (node['items'] !== undefined) structuralViolations(node['items'] as Node, `${at}[]`, out);
  if (node['type'] === 'array' && node['items'] === undefined) out.push(`${at}: array without items`);
  return out;
}

function findRules(node: Node, out: Array<{ rule: string; message: string }> = []) {
  const v = node['x-kubernetes-validations'] as Array<{ rule: string; message: string }> | undefined;
  if (v) out.push(...v);
  for (const child of Object.values((node['properties'] ?? {}) as Record<string, Node>)) findRules(child, out);
  if (node['items']) findRules(node['items'] as Node, out);
  return out;
}

const crds = CRD_DEFINITIONS.map((d) => ({ def: d, crd: parse(renderCrdYaml(d)) as Node }));
const versionOf = (crd: Node) => ((crd['spec'] as Node)['versions'] as Node[])[0]!;
const schemaOf = (crd: Node) => ((versionOf(crd)['schema'] as Node)['openAPIV3Schema'] as Node);

describe('generated CRD schemas', () => {
  it.each(crds)('$def.kind is structural', ({ crd }) => {
    expect(structuralViolations(schemaOf(crd), '$', [])).toEqual([]);
  });

  it.each(crds)('$def.kind has names, categories, status subresource and printer columns', ({ def, crd }) => {
    const spec = crd['spec'] as Node;
    expect(spec['group']).toBe('portcullis.dev');
    expect(spec['scope']).toBe('Namespaced');
    expect((crd['metadata'] as Node)['name']).toBe(`${def.plural}.portcullis.dev`);
    const names = spec['names'] as Node;
    expect(names['categories']).toEqual(['portcullis']);
    expect((names['shortNames'] as string[]).length).toBeGreaterThan(0);
    const v = versionOf(crd);
    expect(v['name']).toBe('v1alpha1');
    expect(v['subresources']).toEqual({ status: {} });
    const cols = (v['additionalPrinterColumns'] as Node[]).map((c) => c['name']);
    expect(cols).toContain('Programmed');
    expect(cols.at(-1)).toBe('Age');
    const status = (schemaOf(crd)['properties'] as Node)['status'] as Node;
    expect(Object.keys(status['properties'] as Node)).toEqual(['observedGeneration', 'conditions']);
  });

  it('printer columns are as specified', () => {
    const cols = Object.fromEntries(
      crds.map(({ def, crd }) => [def.kind, (versionOf(crd)['additionalPrinterColumns'] as Node[]).map((c) => c['name'])]),
    );
    expect(cols).toEqual({
      KongConsumer: ['Username', 'Custom ID', 'Programmed', 'Age'],
      JwtCredential: ['Consumer', 'Algorithm', 'Key', 'Kid', 'Programmed', 'Age'],
      Route: ['Paths', 'Service', 'URL', 'Programmed', 'Age'],
      JwtPolicy: ['Programmed', 'Age'],
    });
  });

  it.each([
    ['KongConsumer', ['has(self.username) || has(self.customId)']],
    ['JwtCredential', ["self.algorithm.startsWith('HS')", 'has(self.secretRef)', 'has(self.publicKeyRef)']],
    ['Route', ['has(self.service) || has(self.url)', '!has(self.service) || !has(self.url)', 'size(self.paths) > 0', "'exp' in self.claimsToVerify"]],
  ])('%s carries its CEL rules', (kind, fragments) => {
    const { crd } = crds.find((c) => c.def.kind === kind)!;
    const rules = findRules(schemaOf(crd));
    const text = rules.map((r) => r.rule).join('\n');
    for (const f of fragments) expect(text).toContain(f);
    for (const r of rules) expect(r.message.length).toBeGreaterThan(10);
  });

  it("a draft 2020-12 exclusive bound becomes OpenAPI v3.0's bound plus a boolean (the API server refuses a number)", () => {
    expect(toStructural({ type: 'number', exclusiveMinimum: 0, maximum: 10 })).toEqual({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 10 });
    expect(toStructural({ type: 'number', exclusiveMaximum: 5 })).toEqual({ type: 'number', maximum: 5, exclusiveMaximum: true });
  });

  it('Route backend port is int-or-string', () => {
    const { crd } = crds.find((c) => c.def.kind === 'Route')!;
    const spec = (schemaOf(crd)['properties'] as Node)['spec'] as Node;
    const port = ((((spec['properties'] as Node)['backend'] as Node)['properties'] as Node)['service'] as Node)['properties'] as Node;
    // Only the int-or-string marker (and its description): no type, no anyOf.
    const { description, ...shape } = port['port'] as Node;
    expect(shape).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(description).toMatch(/by number .* or by name/);
  });

  it.each<[string, JsonSchema]>([
    ['$ref', { $ref: '#/$defs/x' }],
    ['oneOf', { type: 'object', oneOf: [] }],
    ['untyped node', { properties: {} }],
    ['anyOf that is not int-or-string', { anyOf: [{ type: 'string' }, { type: 'boolean' }] }],
  ])('toStructural refuses %s', (_name, node) => {
    expect(() => toStructural(node)).toThrow();
  });
});
