import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { checkManifests } from '../../../../src/sources/manifests/validate.js';

const ing = (spec: string, annotations = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: i, namespace: demo${annotations ? `, annotations: ${annotations}` : ''} }
spec: ${spec}
`;
const good = '{ ingressClassName: portcullis, rules: [{ host: "shop.test", http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: s, port: { number: 80 } } } }] } }] }';
const run = (...docs: string[]) => checkManifests(docs.join('---\n'), 'ing.yaml');
const lines = (...docs: string[]) => run(...docs).diagnostics.map(formatDiagnostic);

describe('portcullis validate: Ingress and IngressClass', () => {
  it('valid ones are checked, not skipped', () => {
    const r = run(ing(good), 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: portcullis }\nspec: { controller: portcullis.dev/ingress-controller }\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.checked).toEqual({ Ingress: 1, IngressClass: 1 });
    expect(r.skipped).toEqual({});
  });

  it.each<[string, string, RegExp]>([
    ['Exact without path', ing('{ rules: [{ http: { paths: [{ pathType: Exact, backend: { service: { name: s, port: { number: 80 } } } }] } }] }'), /spec\.rules\.0\.http\.paths\.0\.path: is required for pathType Exact/],
    ['unknown pathType', ing('{ rules: [{ http: { paths: [{ path: /, pathType: Regex, backend: { service: { name: s, port: { number: 80 } } } }] } }] }'), /pathType/],
    ['relative path', ing('{ rules: [{ http: { paths: [{ path: api, pathType: Prefix, backend: { service: { name: s, port: { number: 80 } } } }] } }] }'), /must be an absolute path/],
    ['port number and name', ing('{ defaultBackend: { service: { name: s, port: { number: 80, name: http } } } }'), /exactly one of number or name/],
    ['an IP as host', ing('{ rules: [{ host: "10.0.0.1", http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: s, port: { number: 80 } } } }] } }] }'), /not an IP address/],
    ['neither rules nor defaultBackend', ing('{ ingressClassName: portcullis }'), /either defaultBackend or rules/],
    ['class field and annotation', ing(good, '{ kubernetes.io/ingress.class: nginx }'), /metadata\.annotations\[kubernetes\.io\/ingress\.class\]: can not be set when spec\.ingressClassName is also set/],
    ['bad jwt annotation', ing(good, `{ portcullis.dev/jwt: '{"claimsToVerify": ["iat"]}' }`), /metadata\.annotations\[portcullis\.dev\/jwt\]: claimsToVerify\.0/],
    ['IngressClass without controller', 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: c }\nspec: {}\n', /\(IngressClass 'c'\): spec\.controller/],
  ])('%s', (_n, doc, message) => {
    const out = lines(doc);
    expect(out.length).toBeGreaterThan(0);
    expect(out.join('\n')).toMatch(message);
  });
});
