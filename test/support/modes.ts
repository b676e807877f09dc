import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import YAML from 'yaml';
import { startGateway, waitFor, type GatewayProcess } from './gateway-process.js';
import { startController, startKubeEnv, type KubeEnv } from './controller-env.js';
import { consumer as consumerCr, join, secret as secretCr } from './crs.js';

/**
 * One scenario, served the three ways the gateway runs: `standalone` (a kong.yml), `workers`
 * (the same kong.yml under `--workers 2`) and `controller` (the same objects as CRs in a fresh
 * namespace of a real API server). Suites written against a Scenario run unchanged in every mode:
 * `describe.each(MODES)` plus `useScenario(mode, scenario)`.
 */
export const MODES = ['standalone', 'workers', 'controller'] as const;
export type Mode = (typeof MODES)[number];

/** The jwt plugin's config in kong.yml spelling; translated to camelCase for Route CRs. */
export interface JwtConfig {
  uri_param_names?: string[];
  cookie_names?: string[];
  header_names?: string[];
  key_claim_name?: string;
  secret_is_base64?: boolean;
  claims_to_verify?: Array<'exp' | 'nbf'>;
  anonymous?: string;
  run_on_preflight?: boolean;
  maximum_expiration?: number;
  realm?: string;
}

export interface ScenarioRoute {
  name: string;
  paths: string[];
  hosts?: string[];
  /** Upstream base URL (may carry a path). */
  url: string;
  jwt?: JwtConfig;
  /** The jwt-claims plugin's config in kong.yml spelling (docs/claims.md); `plugins.jwtClaims` in a Route CR. */
  jwt_claims?: Record<string, unknown>;
  strip_path?: boolean;
  preserve_host?: boolean;
}

export interface ScenarioCredential {
  key: string;
  algorithm?: string;
  /** HMAC secret (HS*) */
  secret?: string;
  /** PEM public key (RS*, ES*, PS*, EdDSA) */
  publicKeyPem?: string;
}

export interface ScenarioConsumer {
  username: string;
  custom_id?: string;
  credentials?: ScenarioCredential[];
}

export interface Scenario {
  routes: ScenarioRoute[];
  consumers: ScenarioConsumer[];
}

export interface ModeGateway {
  mode: Mode;
  proxy: string;
  status: string;
  admin: string;
  gw: GatewayProcess;
  close(): Promise<void>;
}

// ---- kong.yml ----

export function scenarioKongYml(s: Scenario): string {
  return YAML.stringify({
    _format_version: '3.0',
    services: s.routes.map((r) => ({
      name: `svc-${r.name}`,
      url: r.url,
      routes: [
        {
          name: r.name,
          paths: r.paths,
          ...(r.hosts && { hosts: r.hosts }),
          ...(r.strip_path !== undefined && { strip_path: r.strip_path }),
          ...(r.preserve_host !== undefined && { preserve_host: r.preserve_host }),
          ...((r.jwt || r.jwt_claims) && {
            plugins: [...(r.jwt ? [{ name: 'jwt', config: r.jwt }] : []), ...(r.jwt_claims ? [{ name: 'jwt-claims', config: r.jwt_claims }] : [])],
          }),
        },
      ],
    })),
    consumers: s.consumers.map((c) => ({
      username: c.username,
      ...(c.custom_id !== undefined && { custom_id: c.custom_id }),
      ...(c.credentials && {
        jwt_secrets: c.credentials.map((k) => ({
          key: k.key,
          algorithm: k.algorithm ?? 'HS256',
          ...(k.secret !== undefined && { secret: k.secret }),
          ...(k.publicKeyPem !== undefined && { rsa_public_key: k.publicKeyPem }),
        })),
      }),
    })),
  });
}

// ---- CRs ----

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
/** Keys camelCased at every depth (jwt-claims matchers: one_of → oneOf); values untouched. */
const camelDeep = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(camelDeep) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), camelDeep(x)])) : v;

export function scenarioManifests(ns: string, s: Scenario): string {
  const docs: string[] = [];
  for (const c of s.consumers) {
    // The object is named after the username, so `anonymous` finds it either way.
    docs.push(consumerCr(ns, c.username, { username: c.username, ...(c.custom_id !== undefined && { customId: c.custom_id }) }));
    (c.credentials ?? []).forEach((k, i) => {
      const name = `${c.username}-cred-${i}`;
      const isPem = k.publicKeyPem !== undefined;
      docs.push(secretCr(ns, `${name}-secret`, { [isPem ? 'pem' : 'secret']: isPem ? k.publicKeyPem! : k.secret! }));
      docs.push(
        YAML.stringify({
          apiVersion: 'portcullis.dev/v1alpha1',
          kind: 'JwtCredential',
          metadata: { name, namespace: ns },
          spec: {
            consumerRef: { name: c.username },
            key: k.key,
            algorithm: k.algorithm ?? 'HS256',
            ...(isPem ? { publicKeyRef: { name: `${name}-secret`, key: 'pem' } } : { secretRef: { name: `${name}-secret`, key: 'secret' } }),
          },
        }),
      );
    });
  }
  for (const r of s.routes) {
    docs.push(
      YAML.stringify({
        apiVersion: 'portcullis.dev/v1alpha1',
        kind: 'Route',
        metadata: { name: r.name, namespace: ns },
        spec: {
          paths: r.paths,
          ...(r.hosts && { hosts: r.hosts }),
          ...(r.strip_path !== undefined && { stripPath: r.strip_path }),
          ...(r.preserve_host !== undefined && { preserveHost: r.preserve_host }),
          backend: { url: r.url },
          ...((r.jwt || r.jwt_claims) && {
            plugins: {
              ...(r.jwt && { jwt: Object.fromEntries(Object.entries(r.jwt).map(([k, v]) => [camel(k), v])) }),
              ...(r.jwt_claims && { jwtClaims: camelDeep(r.jwt_claims) }),
            },
          }),
        },
      }),
    );
  }
  return join(...docs);
}

// ---- starting ----

/** Every route of the scenario is routed (a request to its first path is not the no-route 404). */
async function untilEveryRouteServed(base: string, s: Scenario): Promise<void> {
  for (const r of s.routes) {
    const host = r.hosts?.[0];
    const p = r.paths[0]!.startsWith('~') ? undefined : r.paths[0]!;
    if (p === undefined) continue;
    await waitFor(async () => {
      const res = await fetch(`${base}${p}`, { headers: host ? { host } : {} });
      const body = await res.text();
      return !(res.status === 404 && body.includes('no Route matched'));
    }, 20_000);
  }
}

let kubeEnv: Promise<KubeEnv> | undefined;
/** One control plane per test file, started on first use and stopped by `stopModeEnvironments`. */
function sharedKubeEnv(): Promise<KubeEnv> {
  return (kubeEnv ??= startKubeEnv());
}

export async function stopModeEnvironments(): Promise<void> {
  const env = kubeEnv;
  kubeEnv = undefined;
  if (env) await (await env).stop();
}

let serial = 0;

export async function startInMode(mode: Mode, s: Scenario): Promise<ModeGateway> {
  if (mode === 'controller') {
    const env = await sharedKubeEnv();
    const ns = await env.namespace('modes');
    await env.apply(scenarioManifests(ns, s));
    const gw = await startController(env, { namespace: ns, args: ['--lease-name', `modes-${process.pid}-${++serial}`] });
    try {
      await untilEveryRouteServed(gw.proxy, s);
    } catch (err) {
      await gw.stop('SIGKILL');
      throw err;
    }
    return { mode, proxy: gw.proxy, status: gw.status, admin: gw.admin, gw, close: async () => void (await gw.stop()) };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), `pc-${mode}-`));
  const configPath = path.join(dir, 'kong.yml');
  await writeFile(configPath, scenarioKongYml(s));
  const args = ['standalone', '--config', configPath, ...(mode === 'workers' ? ['--workers', '2'] : [])];
  let gw: GatewayProcess;
  try {
    gw = await startGateway(args, { env: { PORTCULLIS_ACCESS_LOG: 'off' } });
    await untilEveryRouteServed(gw.proxy, s);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    mode,
    proxy: gw.proxy,
    status: gw.status,
    admin: gw.admin,
    gw,
    close: async () => {
      await gw.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `scenario` in `mode` before the enclosing describe's tests and closes it after them. The
 * returned object is filled in by the beforeAll hook, so tests read it as usual (`gw.proxy`).
 */
export function gatewayInMode(mode: Mode, scenario: () => Scenario): ModeGateway {
  const gw = {} as ModeGateway;
  beforeAll(async () => {
    Object.assign(gw, await startInMode(mode, scenario()));
  }, 120_000);
  afterAll(async () => {
    await gw.close?.();
  });
  return gw;
}
