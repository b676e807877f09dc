import { UsageError } from '../model/usage-error.js';

/**
 * `--namespace` as a list and the API write budget (docs/controller-scale.md):
 * - `--namespace a,b` (PORTCULLIS_NAMESPACE): watch these namespaces only (undefined: all);
 * - `--api-write-qps N` / `--api-write-burst N` (PORTCULLIS_API_WRITE_QPS / _BURST): client-side
 *   limit of status patches and Events per second (default 200, burst 2 × qps); Lease renewals
 *   are exempt.
 */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function namespacesOption(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const list = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  for (const ns of list) if (!DNS_LABEL.test(ns)) throw new UsageError(`--namespace: '${ns}' is not a namespace name (a DNS label)`);
  return list.length === 0 ? undefined : list;
}

export interface WriteBudgetFlags {
  qps: number;
  burst: number;
}

export function writeBudgetOption(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): WriteBudgetFlags | undefined {
  const read = (flag: string, envName: string): number | undefined => {
    const raw = (values[flag] as string | undefined) ?? env[envName];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag}: expected a positive number, got '${raw}'`);
    return n;
  };
  const qps = read('api-write-qps', 'PORTCULLIS_API_WRITE_QPS');
  const burst = read('api-write-burst', 'PORTCULLIS_API_WRITE_BURST');
  if (qps === undefined && burst === undefined) return undefined;
  const q = qps ?? 200;
  const b = Math.max(1, Math.floor(burst ?? 2 * q));
  return { qps: q, burst: b };
}
