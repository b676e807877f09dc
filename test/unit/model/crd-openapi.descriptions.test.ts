import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_DEFINITIONS } from '../../../src/model/crd-definitions.js';
import { renderCrdYaml } from '../../../src/model/crd-openapi.js';

type Node = Record<string, unknown>;

/** Every property (and the root) of a schema without a non-empty description, as a dotted path. */
function undescribed(node: Node, at: string, out: string[] = []): string[] {
  const d = node['description'];
  // The API server refuses a description on `metadata`: it serves ObjectMeta's own.
  if ((typeof d !== 'string' || d.trim() === '') && !/^\w+\.metadata$/.test(at)) out.push(at);
  const walkChildren = (n: Node, prefix: string) => {
    for (const [name, child] of Object.entries((n['properties'] ?? {}) as Record<string, Node>)) undescribed(child, `${prefix}.${name}`, out);
    // Array items are explained by their array; their own properties are fields of their own.
    const items = n['items'] as Node | undefined;
    if (items) walkChildren(items, `${prefix}[]`);
  };
  walkChildren(node, at);
  return out;
}

describe('every field of every CRD has a description (what kubectl explain prints)', () => {
  it.each(CRD_DEFINITIONS.map((def) => ({ kind: def.kind, def })))('$kind', ({ kind, def }) => {
    const crd = parse(renderCrdYaml(def)) as Node;
    const version = ((crd['spec'] as Node)['versions'] as Node[])[0]!;
    const schema = (version['schema'] as Node)['openAPIV3Schema'] as Node;
    expect(undescribed(schema, kind)).toEqual([]);
    // The walk reaches the deepest fields (not vacuous).
    const status = ((schema['properties'] as Node)['status'] as Node)['properties'] as Node;
    expect(((status['conditions'] as Node)['items'] as Node)['properties']).toHaveProperty('observedGeneration.description');
  });

  it('finds an undescribed field when there is one', () => {
    expect(undescribed({ description: 'x', properties: { a: { description: 'a' }, b: { items: { properties: { c: {} } } } } }, '$')).toEqual(['$.b', '$.b[].c']);
    expect(undescribed({ properties: { metadata: { type: 'object' } } }, 'Route')).toEqual(['Route']);
  });
});
