import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateManifests } from '../../../../src/sources/manifests/validate.js';

/** `portcullis validate` on Gateway API manifests (docs/gateway-api.md#portcullis-validate). */
describe('validateManifests: Gateway API kinds and JwtPolicy', () => {
  it('examples/gateway-api validates without findings', () => {
    const file = join(import.meta.dirname, '..', '..', '..', '..', 'examples', 'gateway-api', 'shop.yaml');
    expect(validateManifests(readFileSync(file, 'utf8'), 'shop.yaml')).toEqual([]);
  });

  it('names the object and field of a bad Gateway, HTTPRoute or JwtPolicy', () => {
    const text = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: g, namespace: a }
spec: { gatewayClassName: portcullis, listeners: [{ name: h, protocol: HTTP, port: 70000 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r, namespace: a }
spec: { hostnames: [Not_A_Host] }
---
apiVersion: portcullis.dev/v1alpha1
kind: JwtPolicy
metadata: { name: p, namespace: a }
spec: { targetRefs: [{ group: gateway.networking.k8s.io, kind: Service, name: x }], jwt: {} }
`;
    const found = validateManifests(text, 'bad.yaml').map((d) => `${d.object.kind}/${d.object.name} ${d.field} ${d.reason}`);
    expect(found).toEqual([
      'Gateway/g spec.listeners.0.port InvalidSpec',
      'HTTPRoute/r spec.hostnames.0 InvalidSpec',
      'JwtPolicy/p spec.targetRefs.0.kind InvalidSpec',
    ]);
  });
});
