import type { Diagnostic } from '../model/diagnostics.js';
import type { ResourceSet } from '../model/resources.js';
import { HeaderNameSet } from '../snapshot/header-name-set.js';
import type { GatewayResourceSet } from '../model/gateway-routes.js';
import { compileRouter } from '../snapshot/router.js';
import { compileGatewayRouter } from '../snapshot/gateway-router.js';
import type { Snapshot } from '../snapshot/types.js';
import type { JwksSources } from '../snapshot/jwks.js';
import { buildCertificates } from './certificates.js';
import { buildConsumers } from './consumers.js';
import { buildCredentials } from './credentials.js';
import { buildGatewayRules } from './gateway-rules.js';
import { buildRoutes, relinkRoutes } from './routes.js';
import { UpstreamTable } from './upstreams.js';
import { stableHash } from './stable-hash.js';
import type { BuildReuse } from './build-reuse.js';

/**
 * The pure heart of the pipeline: ResourceSet → Snapshot + diagnostics. Deterministic; an
 * invalid object is reported and left out, never fatal for the rest.
 */
export function translate(
  resources: GatewayResourceSet,
  version: number,
  hash = hashResources(resources),
  deps: { jwks?: JwksSources; reuse?: BuildReuse } = {},
): Snapshot {
  const reuse = deps.reuse;
  reuse?.begin();
  const diagnostics: Diagnostic[] = [...resources.diagnostics];
  // With `reuse` (the controller), stages whose inputs are the same objects as last build's are kept (build-reuse.ts).
  const consumers = reuse
    ? reuse.consumers(resources.consumers, diagnostics, (d) => buildConsumers(resources.consumers, d, reuse.consumerMemo))
    : buildConsumers(resources.consumers, diagnostics);
  // The base64-decoded HS* keys are only ever used by a jwt plugin with secretIsBase64.
  const base64Keys =
    resources.routes.some((r) => r.jwt?.config.secretIsBase64 === true) || (resources.gatewayRules?.some((r) => r.jwt?.config.secretIsBase64 === true) ?? false);
  const credentialOptions = { base64Keys, ...(deps.jwks !== undefined ? { jwks: deps.jwks } : {}) };
  const credentials = reuse
    ? reuse.credentials(resources.credentials, consumers, base64Keys, diagnostics, (d) =>
        buildCredentials(resources.credentials, consumers, d, { ...credentialOptions, memo: reuse.credentialMemo }),
      )
    : buildCredentials(resources.credentials, consumers, diagnostics, credentialOptions);
  const routes = reuse
    ? reuse.routes(
        resources.routes,
        consumers,
        credentials,
        resources.hostPolicy,
        diagnostics,
        (d) => buildRoutes(resources.routes, consumers, credentials, d, resources.hostPolicy),
        (previous) => relinkRoutes(previous, consumers, credentials),
      )
    : buildRoutes(resources.routes, consumers, credentials, diagnostics, resources.hostPolicy);
  const tls = buildCertificates(resources.certificates, routes, diagnostics, resources.hostPolicy);
  const claimHeaders = claimHeaderNames(resources.routes);
  // HTTPRoutes (docs/gateway-api.md): their own router in front of the Kong-compatible one; absent, nothing changes.
  const gateway = resources.gatewayRules === undefined ? undefined : buildGatewayRules(resources.gatewayRules, consumers, credentials, new UpstreamTable(), diagnostics);
  const router = reuse ? reuse.router(routes, () => compileRouter(routes)) : compileRouter(routes);
  return {
    version,
    hash,
    createdAt: new Date(),
    router: gateway === undefined ? router : compileGatewayRouter(gateway.entries, router),
    routes: gateway === undefined ? routes : [...routes, ...gateway.routes],
    consumers: consumers.all,
    credentials,
    diagnostics,
    ...(tls !== undefined ? { tls } : {}),
    ...(claimHeaders !== undefined ? { claimHeaders } : {}),
    ...(resources.tracing !== undefined ? { tracing: resources.tracing } : {}),
    ...(resources.gatewayListenerPorts !== undefined && resources.gatewayListenerPorts.length > 0 ? { gatewayListenerPorts: resources.gatewayListenerPorts } : {}),
  };
}

/**
 * Every header any jwt-claims mapping sets, from every route given (refused and failing ones too:
 * a name configured anywhere is never taken from a client), docs/claims.md#stripped-headers.
 */
function claimHeaderNames(routes: ResourceSet['routes']): HeaderNameSet | undefined {
  const names: string[] = [];
  for (const r of routes) for (const h of r.claims?.config.headers ?? []) names.push(h.header);
  return names.length === 0 ? undefined : new HeaderNameSet(names);
}

/** Hash of everything a snapshot is built from; equal hashes → no rebuild, no swap. */
export function hashResources(resources: ResourceSet): string {
  return stableHash(resources);
}
