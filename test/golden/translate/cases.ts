import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseHostPolicy, type HostPolicy } from '../../../src/model/host-policy.js';
import type { ResourceSet } from '../../../src/model/resources.js';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';
import { inputFromObjects } from '../../support/input-from-objects.js';
import { toResourceSet } from '../../../src/sources/kube/to-resource-set.js';

/** Shared by the golden runner and the determinism / cross-mode tests. */
export const goldenDir = import.meta.dirname;
const keysDir = join(goldenDir, '_keys');

export type CaseSource = 'kong.yml' | 'input.yaml';

export function listCases(): Array<{ name: string; source: CaseSource }> {
  return readdirSync(goldenDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => d.name)
    .sort()
    .map((name) => ({ name, source: existsSync(join(goldenDir, name, 'kong.yml')) ? 'kong.yml' : 'input.yaml' }));
}

/** `${PEM:ec-p256}` → the committed test key as a JSON string (a valid YAML double-quoted scalar). */
export function withTestKeys(text: string): string {
  return text.replace(/\$\{PEM:([a-z0-9-]+)\}/g, (_, name: string) =>
    JSON.stringify(readFileSync(join(keysDir, `${name}.pub.pem`), 'utf8')),
  );
}

export function parseKongYml(text: string, file: string): { resources: ResourceSet; fatal: boolean } {
  const result = parseDeclarative(withTestKeys(text), file);
  return { resources: result.resources, fatal: result.fatal !== undefined };
}

export function yamlObjects(text: string): unknown[] {
  return parseAllDocuments(withTestKeys(text))
    .map((d) => d.toJS() as unknown)
    .filter((o) => o !== null && o !== undefined);
}

/** Kubernetes objects → ResourceSet, with the kinds inputFromObjects did not use. */
export function kubeResources(objects: readonly unknown[], hostPolicy?: HostPolicy): { resources: ResourceSet; ignored: string[] } {
  const { input, ignored } = inputFromObjects(objects);
  return {
    // Cases with Ingresses run as `--ingress` (docs/ingress.md).
    resources: toResourceSet(input, { ...(hostPolicy && { hostPolicy }), ...(input.ingresses !== undefined && { ingress: { classNames: [] } }) }),
    ignored: ignored.map((o) => (o as { kind?: string }).kind ?? '?').sort(),
  };
}

export function caseResources(name: string, source: CaseSource): { resources: ResourceSet; meta: Record<string, unknown> } {
  const file = join(goldenDir, name, source);
  const text = readFileSync(file, 'utf8');
  if (source === 'kong.yml') {
    const { resources, fatal } = parseKongYml(text, file);
    return { resources, meta: { source, fatal } };
  }
  // An optional host-policy.yaml next to input.yaml: the controller's --host-policy.
  const policyFile = join(goldenDir, name, 'host-policy.yaml');
  let hostPolicy: HostPolicy | undefined;
  if (existsSync(policyFile)) {
    const parsed = parseHostPolicy(readFileSync(policyFile, 'utf8'));
    if (!parsed.ok) throw new Error(`${name}/host-policy.yaml: ${parsed.message}`);
    hostPolicy = parsed.policy;
  }
  const { resources, ignored } = kubeResources(yamlObjects(text), hostPolicy);
  return { resources, meta: { source, ignored, ...(hostPolicy && { hostPolicy: 'host-policy.yaml' }) } };
}
