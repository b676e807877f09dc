/**
 * A test copy of the Prometheus Operator's PrometheusRule CRD (monitoring.coreos.com/v1), written
 * for these tests from the fields the operator's API reference documents (spec.groups[]: name,
 * interval, query_offset, limit, partial_response_strategy, labels, rules[]: record, alert, expr,
 * for, keep_firing_for, labels, annotations). Structural, so server-side apply refuses a rendered
 * rule with a misspelt or misplaced field, or one without a group name or an expr.
 */
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

export const PROMETHEUS_RULE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'prometheusrules.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'PrometheusRule', listKind: 'PrometheusRuleList', plural: 'prometheusrules', singular: 'prometheusrule' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                properties: {
                  groups: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['name'],
                      properties: {
                        name: { type: 'string', minLength: 1 },
                        interval: { type: 'string' },
                        query_offset: { type: 'string' },
                        limit: { type: 'integer' },
                        partial_response_strategy: { type: 'string' },
                        labels: stringMap,
                        rules: {
                          type: 'array',
                          items: {
                            type: 'object',
                            required: ['expr'],
                            properties: {
                              record: { type: 'string' },
                              alert: { type: 'string' },
                              expr: { 'x-kubernetes-int-or-string': true },
                              for: { type: 'string' },
                              keep_firing_for: { type: 'string' },
                              labels: stringMap,
                              annotations: stringMap,
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};
