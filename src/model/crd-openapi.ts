import { z } from 'zod';
import { stringify } from 'yaml';
import { CRD_DEFINITIONS, type CrdDefinition } from './crd-definitions.js';
import { CRD_GROUP, CRD_SPEC_SCHEMAS, CRD_VERSION, crdStatusSchema } from './crds.js';

/**
 * Turns the zod schemas into Kubernetes *structural* OpenAPI v3 schemas and full
 * apiextensions.k8s.io/v1 CRDs. Pure and deterministic: the drift test regenerates in memory
 * and compares with the committed YAML.
 */

export type JsonSchema = Record<string, unknown>;

/** Keywords a structural schema may carry (kube-apiserver rejects or drops others). */
const ALLOWED_KEYWORDS = new Set([
  'type', 'properties', 'items', 'required', 'description', 'default', 'enum', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'additionalProperties',
  'nullable', 'x-kubernetes-validations', 'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type', 'x-kubernetes-embedded-resource',
]);
const FORBIDDEN_KEYWORDS = ['$ref', '$defs', 'definitions', 'oneOf', 'allOf', 'not', 'const', 'anyOf', 'id', '$id'];

/** Convert one z.toJSONSchema node (draft 2020-12) into a structural schema node. */
export function toStructural(node: JsonSchema, at = '$'): JsonSchema {
  for (const k of FORBIDDEN_KEYWORDS) {
    if (k in node && !(k === 'anyOf' && isIntOrString(node))) {
      throw new Error(`${at}: keyword '${k}' cannot be expressed in a structural schema`);
    }
  }
  if (isIntOrString(node)) {
    return node['description'] === undefined ? { 'x-kubernetes-int-or-string': true } : { description: node['description'], 'x-kubernetes-int-or-string': true };
  }
  // description first, as kubectl explain and controller-gen put it.
  const out: JsonSchema = node['description'] === undefined ? {} : { description: undefined };
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema') continue;
    if (!ALLOWED_KEYWORDS.has(k)) throw new Error(`${at}: unsupported keyword '${k}'`);
    switch (k) {
      case 'properties': {
        const props: JsonSchema = {};
        for (const [name, child] of Object.entries(v as Record<string, JsonSchema>)) {
          props[name] = toStructural(child, `${at}.${name}`);
        }
        out[k] = props;
        break;
      }
      case 'items':
        out[k] = toStructural(v as JsonSchema, `${at}[]`);
        break;
      case 'additionalProperties':
        // `false` only mirrors zod's strictObject; the API server prunes unknown fields instead
        // (and forbids additionalProperties next to properties).
        if (v !== false) out[k] = toStructural(v as JsonSchema, `${at}{}`);
        break;
      case 'minimum':
      case 'maximum':
        // zod's int() emits ±MAX_SAFE_INTEGER bounds: noise in a CRD.
        if (Math.abs(v as number) !== Number.MAX_SAFE_INTEGER) out[k] = v;
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        // Draft 2020-12 gives the bound itself; the API server's OpenAPI v3.0 wants the bound in
        // minimum / maximum and a boolean here (rate-limiting's "greater than 0" limits).
        if (typeof v === 'number') {
          out[k === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = v;
          out[k] = true;
        } else out[k] = v;
        break;
      case 'pattern':
        // zod's iso datetime pattern duplicates `format: date-time`, which the API server checks.
        if (node['format'] === undefined) out[k] = v;
        break;
      default:
        out[k] = v;
    }
  }
  if (out['type'] === undefined) throw new Error(`${at}: node has no type`);
  if (out['type'] === 'integer' && out['format'] === undefined) out['format'] = 'int64';
  return out;
}

function isIntOrString(node: JsonSchema): boolean {
  const any = node['anyOf'];
  if (!Array.isArray(any) || any.length !== 2) return false;
  const types = any.map((s: JsonSchema) => s['type']).sort();
  return types[0] === 'integer' && types[1] === 'string';
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', target: 'draft-2020-12' }) as JsonSchema;
}

/** Walk `properties` along a dotted path ("" = the node itself; "[]" = an array's items). */
function nodeAt(root: JsonSchema, path: string): JsonSchema {
  let cur = root;
  for (const seg of path === '' ? [] : path.split('.')) {
    const props = cur['properties'] as Record<string, JsonSchema> | undefined;
    const next = seg === '[]' ? (cur['items'] as JsonSchema | undefined) : props?.[seg];
    if (!next) throw new Error(`no property '${seg}' on the way to '${path}'`);
    cur = next;
  }
  return cur;
}

export function specSchemaFor(def: CrdDefinition): JsonSchema {
  const spec = toStructural(jsonSchemaOf(CRD_SPEC_SCHEMAS[def.kind]), 'spec');
  for (const [path, patch] of Object.entries(def.specPatches ?? {})) Object.assign(nodeAt(spec, path), patch);
  for (const [path, rules] of Object.entries(def.specRules)) {
    nodeAt(spec, path)['x-kubernetes-validations'] = rules.map((r) => ({ ...r }));
  }
  return spec;
}

export function statusSchema(): JsonSchema {
  const status = toStructural(jsonSchemaOf(crdStatusSchema), 'status');
  const conditions = nodeAt(status, 'conditions');
  // Conditions are a map keyed by type, as in metav1.Condition; lets server-side apply merge them.
  conditions['x-kubernetes-list-type'] = 'map';
  conditions['x-kubernetes-list-map-keys'] = ['type'];
  const item = conditions['items'] as JsonSchema;
  item['required'] = ['type', 'status'];
  return status;
}

// The standard wording of Kubernetes' own types (metav1.TypeMeta, ObjectMeta).
const API_VERSION_DESCRIPTION = `The versioned schema of this representation of an object: ${CRD_GROUP}/${CRD_VERSION}.`;
const KIND_DESCRIPTION = 'The REST resource this object represents, in CamelCase.';

export function buildCrd(def: CrdDefinition): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${CRD_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'portcullis' },
    },
    spec: {
      group: CRD_GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: def.categories,
      },
      scope: 'Namespaced',
      versions: [
        {
          name: CRD_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
          schema: {
            openAPIV3Schema: {
              description: def.description,
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
                kind: { description: KIND_DESCRIPTION, type: 'string' },
                // The API server refuses anything but a type here (it supplies ObjectMeta's own schema and descriptions).
                metadata: { type: 'object' },
                spec: specSchemaFor(def),
                status: statusSchema(),
              },
            },
          },
        },
      ],
    },
  };
}

const HEADER = '# Generated by `npm run gen:crds` (scripts/gen-crds.mjs) from src/model/crds.ts. Do not edit.\n';

export function renderCrdYaml(def: CrdDefinition): string {
  return HEADER + stringify(buildCrd(def), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** File name under crds/ → YAML text, for every CRD. */
export function renderAllCrds(): Map<string, string> {
  return new Map(CRD_DEFINITIONS.map((d) => [d.file, renderCrdYaml(d)]));
}
