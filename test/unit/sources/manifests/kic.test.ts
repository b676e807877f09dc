import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { checkManifests } from '../../../../src/sources/manifests/validate.js';

/** `portcullis validate` on KIC manifests (docs/kong-ingress-controller.md#validate). */
const run = (...docs: string[]) => checkManifests(docs.join('---\n'), 'kic.yaml');

const plugin = (name: string, body: string) => `apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata: { name: ${name} }\n${body}\n`;
const consumer = (body: string) => `apiVersion: configuration.konghq.com/v1\nkind: KongConsumer\nmetadata:\n  name: admin\n  annotations: { kubernetes.io/ingress.class: kong }\n${body}\n`;

describe('validate: KIC kinds', () => {
  it('are checked, not skipped, and a valid set has no diagnostics', () => {
    const r = run(
      plugin('app-jwt', 'plugin: jwt'),
      consumer('username: admin\ncredentials: [admin-jwt, in-cluster]'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: admin-jwt\n  labels: { konghq.com/credential: jwt }\nstringData: { key: admin-issuer, secret: s3cret }\n',
      'apiVersion: configuration.konghq.com/v1beta1\nkind: KongConsumerGroup\nmetadata: { name: g, annotations: { kubernetes.io/ingress.class: kong } }\n',
    );
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.checked).toEqual({ KongPlugin: 1, 'KongConsumer.configuration.konghq.com': 1, KongConsumerGroup: 1, Secret: 1 });
    expect(r.skipped).toEqual({});
  });

  it("a plugin's config is checked with the kong.yml schema, naming the document and field", () => {
    const r = run(plugin('app-jwt', 'plugin: jwt\nconfig: { claims_to_verify: [iat] }'));
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^kic\.yaml: documents\[0\] \(line 1\) \(KongPlugin 'app-jwt'\): config\.claims_to_verify\[0\]: /),
    ]);
  });

  it('an unknown plugin, a field of the wrong type, and a bad credential Secret are errors', () => {
    const r = run(
      plugin('limit', 'plugin: response-ratelimiting'),
      plugin('broken', 'plugin: jwt\ndisabled: "no"'),
      consumer('username: admin\ncredentials: [admin-jwt]'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: admin-jwt\n  labels: { konghq.com/credential: jwt }\nstringData: { key: admin-issuer, algorithm: RS256 }\n',
    );
    const text = r.diagnostics.map(formatDiagnostic);
    expect(text).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\(KongPlugin 'limit'\): name: plugin 'response-ratelimiting' is not supported/),
        expect.stringMatching(/\(KongPlugin 'broken'\): disabled: /),
        expect.stringMatching(/\(KongConsumer\.configuration\.konghq\.com 'admin'\): credentials\[0\]: Secret 'default\/admin-jwt' key 'rsa_public_key': required for algorithm RS256/),
      ]),
    );
    expect(text).toHaveLength(3);
  });

  it('references to objects not in the file are not errors', () => {
    expect(run(consumer('username: admin\ncredentials: [elsewhere]\nconsumerGroups: [elsewhere]')).diagnostics).toEqual([]);
  });
});
