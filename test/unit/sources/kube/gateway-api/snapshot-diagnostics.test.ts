import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../../../src/model/diagnostics.js';
import { withSnapshotDiagnostics } from '../../../../../src/sources/kube/gateway-api/snapshot-diagnostics.js';
import type { GatewayApiStatus } from '../../../../../src/sources/kube/gateway-api/types.js';

const NOW = new Date('2026-12-03T10:00:00Z');
const ok = (type: string, reason: string) => ({ type, status: 'True' as const, reason, message: 'fine', observedGeneration: 4, lastTransitionTime: '2026-01-01T00:00:00Z' });
const gateway = (): GatewayApiStatus => ({
  kind: 'Gateway',
  plural: 'gateways',
  namespace: 'edge',
  name: 'gw',
  current: undefined,
  desired: {
    conditions: [],
    listeners: [
      { name: 'http', conditions: [ok('Accepted', 'Accepted'), ok('ResolvedRefs', 'ResolvedRefs'), ok('Programmed', 'Programmed')] },
      { name: 'https', conditions: [ok('Accepted', 'Accepted'), ok('ResolvedRefs', 'ResolvedRefs'), ok('Programmed', 'Programmed')] },
    ],
  },
});

describe('withSnapshotDiagnostics', () => {
  it("a certificate the snapshot refused turns its listener's ResolvedRefs and Programmed False; the rest is untouched", () => {
    const d: Diagnostic = {
      severity: 'error',
      object: { kind: 'Gateway', namespace: 'edge', name: 'gw' },
      reason: 'CertificateKeyMismatch',
      message: 'the private key does not match the certificate; this certificate is not served',
      field: 'spec.listeners[1].tls.certificateRefs[0]',
    };
    const [s] = withSnapshotDiagnostics([gateway()], [d], NOW);
    const listeners = s!.desired['listeners'] as Array<{ name: string; conditions: Array<{ type: string; status: string; reason: string; observedGeneration?: number }> }>;
    expect(listeners[0]!.conditions.every((c) => c.status === 'True')).toBe(true);
    const https = Object.fromEntries(listeners[1]!.conditions.map((c) => [c.type, c]));
    expect(https['ResolvedRefs']).toMatchObject({ status: 'False', reason: 'InvalidCertificateRef', observedGeneration: 4, lastTransitionTime: '2026-12-03T10:00:00Z' });
    expect(https['Programmed']).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(https['Accepted']).toMatchObject({ status: 'True' });
  });

  it('other objects and warnings change nothing', () => {
    const warn: Diagnostic = { severity: 'warning', object: { kind: 'Gateway', namespace: 'edge', name: 'gw' }, reason: 'CertificateExpired', message: 'x', field: 'spec.listeners[0].tls.certificateRefs[0]' };
    const other: Diagnostic = { severity: 'error', object: { kind: 'Gateway', namespace: 'edge', name: 'other' }, reason: 'InvalidCertificate', message: 'x', field: 'spec.listeners[0].tls.certificateRefs[0]' };
    expect(withSnapshotDiagnostics([gateway()], [warn, other], NOW)).toEqual([gateway()]);
  });
});
