import { z } from 'zod';
import { parse as parseYaml } from 'yaml';

/**
 * The operator's host policy (controller mode): which namespaces may claim which hosts in their
 * Routes. Set with `--host-policy` / PORTCULLIS_HOST_POLICY (inline YAML or JSON, or @FILE) and
 * the chart's `hostPolicy` value. Without it, every namespace may claim every host.
 *
 * A pattern is an exact host ("api.example.com"), a wildcard over subdomains ("*.example.com")
 * or "*" (every host, and so every Route without hosts).
 */
const hostPattern = z
  .string()
  .regex(
    /^(\*|(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$/,
    'must be a host name, "*.<domain>" or "*" (no port, no other wildcard)',
  )
  .transform((h) => h.toLowerCase());

const namespaceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name (DNS-1123 label)');

export const hostPolicyRuleSchema = z.strictObject({
  /** Named in the condition of a refused Route. */
  name: z.string().min(1, 'must not be empty'),
  hosts: z.array(hostPattern).min(1, 'must list at least one host pattern'),
  /** The namespaces whose Routes may claim these hosts; empty reserves them for nobody. */
  namespaces: z.array(namespaceName),
});

export const hostPolicySchema = z.strictObject({
  rules: z.array(hostPolicyRuleSchema),
});

export type HostPolicyRule = z.output<typeof hostPolicyRuleSchema>;
export type HostPolicy = z.output<typeof hostPolicySchema>;

/** Parses the policy's text (YAML or JSON); a clear message naming the field when it is invalid. */
export function parseHostPolicy(text: string): { ok: true; policy: HostPolicy } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return { ok: false, message: `not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}` };
  }
  const r = hostPolicySchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return { ok: false, message: `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}` };
  }
  const names = new Set<string>();
  for (const [i, rule] of r.data.rules.entries()) {
    if (names.has(rule.name)) return { ok: false, message: `rules.${i}.name: '${rule.name}' is used by another rule` };
    names.add(rule.name);
  }
  return { ok: true, policy: r.data };
}
