import { diagnostic, type Diagnostic } from '../model/diagnostics.js';
import type { HostPolicy } from '../model/host-policy.js';
import type { RouteSpec } from '../model/resources.js';
import { ANY_HOST, hostContains, hostsOverlap, parseHostPattern, specificity, type HostPattern } from './host-patterns.js';

/**
 * The operator's host policy applied to Routes (controller mode; kong.yml has no namespaces).
 *
 * For a request host, the most specific pattern of the policy that matches it governs it (exact,
 * then the longest "*.domain", then "*"); hosts no pattern matches are open to every namespace.
 * A Route may claim a host when its namespace is listed for every pattern governing a host the
 * Route names: for an exact host, the most specific pattern containing it; for a wildcard host,
 * that one AND every pattern it overlaps without being contained in it — a wildcard Route can
 * outrank an exact-host Route (Kong's priority counts methods first), so it must not reach hosts
 * given to others. A Route without hosts is governed by the "*" pattern alone: a rule for one
 * host must not refuse every host-less Route of the cluster; an operator who wants governed
 * hosts exclusive also gives "*" to the namespaces allowed to publish catch-all Routes.
 */
export class HostPolicyCheck {
  private readonly patterns: Array<{ text: string; pattern: HostPattern; rule: string; namespaces: ReadonlySet<string> }> = [];

  constructor(policy: HostPolicy) {
    // One entry per distinct pattern: several rules listing it add up their namespaces.
    const byText = new Map<string, { text: string; pattern: HostPattern; rule: string; namespaces: Set<string> }>();
    for (const rule of policy.rules) {
      for (const text of rule.hosts) {
        const seen = byText.get(text);
        if (seen) for (const ns of rule.namespaces) seen.namespaces.add(ns);
        else byText.set(text, { text, pattern: parseHostPattern(text), rule: rule.name, namespaces: new Set(rule.namespaces) });
      }
    }
    this.patterns = [...byText.values()];
  }

  /** A diagnostic when the Route claims a host its namespace may not use, else undefined. */
  check(route: RouteSpec): Diagnostic | undefined {
    const hosts = route.hosts.length === 0 ? [undefined] : route.hosts;
    for (const [i, raw] of hosts.entries()) {
      const host = raw === undefined ? ANY_HOST : parseHostPattern(raw);
      const denied = this.deniedBy(host, route.scope);
      if (!denied) continue;
      const what = `${raw === undefined ? 'a Route without hosts' : `host '${raw}'`} ${denied.partly ? 'reaches hosts governed by' : 'is governed by'}`;
      return diagnostic(
        'error',
        route.ref,
        'HostNotAllowed',
        `${what} '${denied.text}' of host policy rule '${denied.rule}', which does not allow namespace ${route.scope}`,
        route.field ?? (raw === undefined ? 'spec.hosts' : `spec.hosts[${i}]`),
      );
    }
    return undefined;
  }

  /** The pattern refusing `host` to `namespace`; `partly` when it governs only some of its hosts. */
  private deniedBy(host: HostPattern, namespace: string): { text: string; rule: string; partly: boolean } | undefined {
    let governing: (typeof this.patterns)[number] | undefined;
    if (host.kind === 'any') {
      governing = this.patterns.find((p) => p.pattern.kind === 'any');
    } else {
      for (const p of this.patterns) {
        if (hostContains(p.pattern, host)) {
          if (!governing || specificity(p.pattern) > specificity(governing.pattern)) governing = p;
        } else if (hostsOverlap(p.pattern, host) && !p.namespaces.has(namespace)) {
          return { text: p.text, rule: p.rule, partly: true };
        }
      }
    }
    return governing && !governing.namespaces.has(namespace) ? { text: governing.text, rule: governing.rule, partly: false } : undefined;
  }
}
