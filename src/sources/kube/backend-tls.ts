import type { z } from 'zod';
import type { backendTlsSchema } from '../../model/crds.js';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostics.js';
import { caCertificateProblem, clientCertificateProblem, type UpstreamTlsSpec } from '../../model/upstream-tls.js';
import { readSecretValue } from './secrets.js';
import type { SecretObject } from './types.js';

export type BackendTls = z.output<typeof backendTlsSchema>;

/**
 * A Route's backend.tls → ServiceInfo.tls, with the CA and client certificate read from Secrets
 * (docs/upstream-tls.md). A missing Secret or key, or material that cannot be used, is an error
 * naming the field; the caller then makes the Route fail closed (500) rather than connect
 * without the verification or client certificate it asked for. Messages never quote PEM text.
 */
export function resolveBackendTls(
  tls: BackendTls,
  ref: ObjectRef,
  secrets: ReadonlyMap<string, SecretObject>,
  diagnostics: Diagnostic[],
): UpstreamTlsSpec | undefined {
  const ns = ref.namespace!;
  let ok = true;
  const fail = (reason: 'SecretNotFound' | 'SecretKeyNotFound' | 'InvalidSecret' | 'InvalidCertificate', message: string, field: string): void => {
    ok = false;
    diagnostics.push(diagnostic('error', ref, reason, message, field));
  };
  const read = (name: string, key: string, field: string): string | undefined => {
    const v = readSecretValue(secrets, ns, name, key);
    if (!v.ok) return void fail(v.reason, v.message, `${field}.${v.reason === 'SecretNotFound' ? 'name' : 'key'}`);
    return v.value.toString('utf8');
  };

  const out: UpstreamTlsSpec = { verify: tls.verify };
  if (tls.verifyDepth !== undefined) out.verifyDepth = tls.verifyDepth;
  if (tls.hostname !== undefined) out.serverName = tls.hostname.toLowerCase();
  const cas: string[] = [];
  (tls.caCertificateRefs ?? []).forEach((r, i) => {
    const field = `spec.backend.tls.caCertificateRefs[${i}]`;
    const pem = read(r.name, r.key, field);
    if (pem === undefined) return;
    const problem = caCertificateProblem(pem, { single: false });
    if (problem !== undefined) fail('InvalidCertificate', `${problem} (Secret '${ns}/${r.name}' key '${r.key}')`, `${field}.key`);
    else cas.push(pem);
  });
  if (cas.length > 0) out.caCertificates = cas;
  const client = tls.clientCertificateRef;
  if (client !== undefined) {
    const field = 'spec.backend.tls.clientCertificateRef';
    const cert = read(client.name, 'tls.crt', field);
    const key = read(client.name, 'tls.key', field);
    if (cert !== undefined && key !== undefined) {
      const p = clientCertificateProblem(cert, key);
      if (p !== undefined) fail('InvalidCertificate', `${p.problem} (Secret '${ns}/${client.name}' key 'tls.${p.field === 'cert' ? 'crt' : 'key'}')`, `${field}.name`);
      else out.clientCertificate = { cert, key };
    }
  }
  return ok ? out : undefined;
}
