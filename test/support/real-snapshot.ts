/**
 * Snapshots built the way production builds them: kong.yml through the declarative parser, Route
 * CRs / Services / EndpointSlices through the kube source's toResourceSet, both through translate()
 * (real router, real upstreams, real jwt authenticators). For tests that proxy through a snapshot.
 */
import YAML from 'yaml';
import { CRD_API_VERSION } from '../../src/model/crds.js';
import type { ResourceSet } from '../../src/model/resources.js';
import { inputFromObjects } from './input-from-objects.js';
import { toResourceSet } from '../../src/sources/kube/to-resource-set.js';
import { parseDeclarative } from '../../src/sources/declarative/parse.js';
import { translate } from '../../src/translate/translate.js';
import type { Snapshot } from '../../src/snapshot/types.js';

export interface RealSnapshotInput {
  /** kong.yml entities (services, consumers, plugins, …); `_format_version: '3.0'` is added. */
  kongYml?: Record<string, unknown>;
  /**
   * Kubernetes objects, for what kong.yml cannot say: a Service backend with several or no
   * endpoints (kong.yml has no upstreams/targets), a Route whose jwt config fails closed.
   */
  kube?: unknown[];
}

let version = 0;

/** One snapshot from both sources (translate() takes any ResourceSet; the sources only differ in scope). */
export function realSnapshot(input: RealSnapshotInput): Snapshot {
  const sets: ResourceSet[] = [];
  if (input.kongYml !== undefined) {
    const parsed = parseDeclarative(YAML.stringify({ _format_version: '3.0', ...input.kongYml }), 'kong.yml');
    if (parsed.fatal) throw new Error(`kong.yml rejected: ${parsed.fatal.map((d) => d.message).join('; ')}`);
    sets.push(parsed.resources);
  }
  if (input.kube !== undefined) sets.push(toResourceSet(inputFromObjects(input.kube).input));
  const merged: ResourceSet = {
    consumers: sets.flatMap((s) => s.consumers),
    credentials: sets.flatMap((s) => s.credentials),
    routes: sets.flatMap((s) => s.routes),
    diagnostics: sets.flatMap((s) => s.diagnostics),
  };
  return translate(merged, ++version);
}

/** A Route CR (namespace "default") with the given spec. */
export function routeCr(name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: CRD_API_VERSION, kind: 'Route', metadata: { name, namespace: 'default' }, spec };
}

/**
 * A Service (port 80, named "http") and one EndpointSlice per endpoint (a slice's port applies to
 * all its endpoints, so endpoints on different ports need their own slices).
 */
export function serviceWithEndpoints(name: string, endpoints: Array<{ host: string; port: number }>): unknown[] {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } };
  const slices = endpoints.map((e, i) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [e.host], conditions: { ready: true } }],
    ports: [{ name: 'http', port: e.port, protocol: 'TCP' }],
  }));
  return [service, ...slices];
}
