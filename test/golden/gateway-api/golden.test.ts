import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { GATEWAY_API_GROUP } from '../../../src/model/gateway-api.js';
import { translateGatewayApi, type GatewayApiObjects } from '../../../src/sources/kube/gateway-api/index.js';
import { CREDENTIAL_SECRET_LABEL } from '../../../src/sources/kube/kube-objects.js';
import type { CustomObject, SecretObject } from '../../../src/sources/kube/types.js';
import { expectGolden } from '../../support/golden.js';
import { inputFromObjects } from '../../support/input-from-objects.js';

/**
 * Golden tests: test/golden/gateway-api/<case>/input.yaml (GatewayClasses, Gateways, HTTPRoutes,
 * ReferenceGrants, JwtPolicies, Namespaces, Services, EndpointSlices, Secrets) → expected.json:
 * the HTTPRoute rules, listener certificates (keys redacted), JwtPolicy diagnostics and every
 * status (docs/gateway-api.md). UPDATE_GOLDEN=1 rewrites expected.json.
 */
const dir = import.meta.dirname;
const cases = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'input.yaml'))).sort();
const NOW = new Date('2026-12-03T09:00:00Z');

function split(objects: readonly unknown[]) {
  const tlsSecrets = new Map<string, SecretObject>();
  const gatewayApi: GatewayApiObjects = { gatewayClasses: [], gateways: [], httpRoutes: [], referenceGrants: [], jwtPolicies: [], namespaceLabels: new Map(), tlsSecrets };
  const rest: unknown[] = [];
  for (const raw of objects) {
    const o = raw as CustomObject & { metadata: { labels?: Record<string, string> } };
    const kind = `${o.apiVersion}|${o.kind}`;
    if (kind === `${GATEWAY_API_GROUP}/v1|GatewayClass`) gatewayApi.gatewayClasses.push(o);
    else if (kind === `${GATEWAY_API_GROUP}/v1|Gateway`) gatewayApi.gateways.push(o);
    else if (kind === `${GATEWAY_API_GROUP}/v1|HTTPRoute`) gatewayApi.httpRoutes.push(o);
    else if (kind === `${GATEWAY_API_GROUP}/v1|ReferenceGrant`) gatewayApi.referenceGrants.push(o);
    else if (kind === 'portcullis.dev/v1alpha1|JwtPolicy') gatewayApi.jwtPolicies.push(o);
    else if (kind === 'v1|Namespace') (gatewayApi.namespaceLabels as Map<string, Record<string, string>>).set(o.metadata.name!, o.metadata.labels ?? {});
    else if (kind === 'v1|Secret' && o.metadata.labels?.[CREDENTIAL_SECRET_LABEL] !== 'true') {
      // As the controller's watches see Secrets: unlabelled ones only when kubernetes.io/tls, for listeners.
      if ((raw as { type?: string }).type === 'kubernetes.io/tls') tlsSecrets.set(`${o.metadata.namespace}/${o.metadata.name}`, raw as SecretObject);
    } else rest.push(raw);
  }
  return { gatewayApi, rest };
}

/** Private keys never go into a golden file. */
const redact = (key: string, value: unknown): unknown => (key === 'key' && typeof value === 'string' && value.includes('PRIVATE KEY') ? '<redacted>' : value);

describe('translateGatewayApi golden files', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(1));

  it.each(cases)('%s', (name) => {
    const docs = parseAllDocuments(readFileSync(join(dir, name, 'input.yaml'), 'utf8')).map((d) => d.toJS() as unknown).filter((o) => o !== null);
    const { gatewayApi, rest } = split(docs);
    const { input, ignored } = inputFromObjects(rest);
    expect(ignored).toEqual([]);
    const result = translateGatewayApi({ gatewayApi, secrets: input.secrets, services: input.services, endpointSlices: input.endpointSlices }, {
      httpPort: 80,
      httpsPort: 443,
      addresses: [{ type: 'IPAddress', value: '10.96.0.10' }],
      now: NOW,
    });
    expectGolden(join(dir, name, 'expected.json'), JSON.stringify(result, redact, 2) + '\n');
  });
});
