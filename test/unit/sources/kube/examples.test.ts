import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { inputFromObjects } from '../../../support/input-from-objects.js';
import { consumerId as kongConsumerId, uuidv5 } from '../../../../src/model/ids.js';
import { kubeId } from '../../../../src/sources/kube/ids.js';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import { validateManifests } from '../../../../src/sources/manifests/validate.js';

const dir = join(import.meta.dirname, '..', '..', '..', '..', 'examples', 'k8s');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('examples/k8s', () => {
  it.each(files)('%s validates without findings', (f) => {
    expect(validateManifests(readFileSync(join(dir, f), 'utf8'), f)).toEqual([]);
  });

  it('translates into the walkthrough resources', () => {
    const objects = files.flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as unknown));
    const { input } = inputFromObjects(objects);
    const rs = toResourceSet(input);
    expect(rs.diagnostics).toEqual([]);
    expect(rs.consumers.map((c) => c.username)).toEqual(['login_server_issuer']);
    expect(rs.credentials).toMatchObject([
      { key: '1nzcMG9Xg7n1lLgmltHnkAmkt7yp4fjZ', algorithm: 'HS256', secret: Buffer.from('e71829c351aa4242c2719cbfbe671c09'), consumerRef: 'login-server', consumerRefKind: 'object-name', scope: 'demo' },
    ]);
    const route = rs.routes[0]!;
    expect(route).toMatchObject({ paths: ['/api'], stripPath: true, preserveHost: false, scope: 'demo' });
    expect(route.jwt?.config).toMatchObject({ keyClaimName: 'kid', claimsToVerify: ['exp'] });
    expect(route.jwt?.id).toBe(kubeId('route', 'demo', 'my-api', 'jwt'));
    // No EndpointSlices in the example: the route is kept and answers 503 until pods are ready.
    expect(route.backend).toEqual({ kind: 'service', name: 'my-api-service', port: 3000, endpoints: [], hostHeader: 'my-api-service.demo.svc:3000', protocol: 'http' });
  });
});

describe('ids', () => {
  it('uuidv5 matches RFC 4122 / Kong vectors', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(kongConsumerId('alice')).toBe('b32379d9-3d28-5683-a79c-72139be6e34f');
  });
  it('kube ids are deterministic and distinct', () => {
    expect(kubeId('route', 'demo', 'a', 'jwt')).toBe(kubeId('route', 'demo', 'a', 'jwt'));
    expect(new Set([kubeId('route', 'demo', 'a'), kubeId('route', 'demo', 'a', 'jwt'), kubeId('route', 'other', 'a', 'jwt')]).size).toBe(3);
  });
});
