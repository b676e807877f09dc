import type { Diagnostic } from '../../../model/diagnostics.js';
import type { StatusCondition } from '../types.js';
import { makeCondition, type GatewayApiStatus } from './types.js';

type Listener = { name: string; conditions: StatusCondition[] };

/**
 * What only the snapshot build finds about a Gateway (a certificate that does not parse, a key that
 * does not match, an SNI another object already serves: translate/certificates.ts) goes into the
 * status of the listener it names (`spec.listeners[i]…`): ResolvedRefs=False with reason
 * InvalidCertificateRef, and so Programmed=False (docs/gateway-api.md#status).
 */
export function withSnapshotDiagnostics(statuses: readonly GatewayApiStatus[], diagnostics: readonly Diagnostic[], now: Date): GatewayApiStatus[] {
  const errors = diagnostics.filter((d) => d.severity === 'error' && d.object.kind === 'Gateway' && d.field !== undefined);
  if (errors.length === 0) return [...statuses];
  return statuses.map((s) => {
    if (s.kind !== 'Gateway') return s;
    const mine = errors.filter((d) => d.object.namespace === s.namespace && d.object.name === s.name);
    const listeners = s.desired['listeners'] as Listener[] | undefined;
    if (mine.length === 0 || listeners === undefined) return s;
    const previous = (s.current?.['listeners'] as Listener[] | undefined) ?? [];
    const updated = listeners.map((l, i) => {
      const d = mine.find((x) => x.field!.startsWith(`spec.listeners[${i}]`));
      if (d === undefined) return l;
      const gen = l.conditions.find((c) => c.observedGeneration !== undefined)?.observedGeneration;
      const before = previous.find((p) => p.name === l.name)?.conditions;
      const message = `${d.field}: ${d.message}`;
      const conditions = l.conditions.map((c) =>
        c.type === 'ResolvedRefs'
          ? makeCondition('ResolvedRefs', false, 'InvalidCertificateRef', message, gen, before, now)
          : c.type === 'Programmed'
            ? makeCondition('Programmed', false, 'Invalid', message, gen, before, now)
            : c,
      );
      return { ...l, conditions };
    });
    return { ...s, desired: { ...s.desired, listeners: updated } };
  });
}
