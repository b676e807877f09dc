import { parse } from 'yaml';
import type { Diagnostic, ObjectRef } from '../../../model/diagnostics.js';
import { KIC_GLOBAL_LABEL, kicPluginSchema } from '../../../model/kic.js';
import { OBSERVABILITY_ONLY_PLUGINS, PluginTable, CORRELATION_ID_PLUGIN, RATE_LIMITING_PLUGIN, type PluginCore, type ResolvedPlugins } from '../../declarative/plugins.js';
import { Reporter } from '../../declarative/report.js';
import { kubeId } from '../ids.js';
import { readSecretValue } from '../secrets.js';
import type { SecretObject } from '../types.js';
import { hasKicClass, kicRef, schemaDiagnostics } from './objects.js';
import type { KicObject, KicObjects, KicSettings } from './types.js';

const DEFAULT_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https'];

/** A KongPlugin / KongClusterPlugin read once, whatever number of objects name it. */
interface ReadPlugin {
  core: PluginCore;
  /** kubeId seed: "KongPlugin/ns/name" or "KongClusterPlugin/name". */
  key: string;
}

/**
 * KongPlugins and KongClusterPlugins as Kong plugin instances, put through the kong.yml plugin
 * table (src/sources/declarative/plugins.ts): every plugin the kong.yml path implements works
 * from a KongPlugin, with the same config fields, defaults, precedence (route > service >
 * global) and fail-closed rules (docs/kong-ingress-controller.md#plugins).
 */
export class KicPluginResolver {
  private readonly rep = new Reporter('');
  readonly table = new PluginTable(this.rep);
  private readonly read = new Map<string, ReadPlugin>();
  private readonly added = new Set<string>();
  /** Lookups by name: one per annotation entry per route, so not a scan. */
  private readonly byName = new Map<string, KicObject>();
  private readonly clusterByName = new Map<string, KicObject>();

  constructor(
    private readonly kic: KicObjects,
    private readonly settings: KicSettings,
    /** Secrets configFrom may name: the portcullis.dev/credential=true ones and KIC's credential Secrets. */
    private readonly secrets: ReadonlyMap<string, SecretObject>,
    /** Global KongClusterPlugins apply (Ingress routes); not for HTTPRoute rules. */
    globals = true,
  ) {
    for (const p of this.kic.plugins) this.byName.set(`${p.metadata.namespace ?? 'default'}/${p.metadata.name ?? ''}`, p);
    for (const p of this.kic.clusterPlugins) if (hasKicClass(p, settings)) this.clusterByName.set(p.metadata.name ?? '', p);
    if (!globals) return;
    for (const cp of this.kic.clusterPlugins) {
      if (cp.metadata.labels?.[KIC_GLOBAL_LABEL] !== 'true' || !hasKicClass(cp, settings)) continue;
      this.attach(this.readPlugin(cp, 'KongClusterPlugin'), 'global', 'global');
    }
  }

  /** The KongPlugin `name` in `ns`, else the KongClusterPlugin `name` (KIC's lookup order). */
  find(ns: string, name: string): ReadPlugin | undefined {
    const namespaced = this.byName.get(`${ns}/${name}`);
    if (namespaced !== undefined) return this.readPlugin(namespaced, 'KongPlugin');
    const cluster = this.clusterByName.get(name);
    return cluster === undefined ? undefined : this.readPlugin(cluster, 'KongClusterPlugin');
  }

  /** Records `plugin` for a scope ("route:<id>", "service:<ns>/<name>", "global") once. */
  attach(plugin: ReadPlugin, scope: string, seed: string): void {
    const key = `${scope}|${plugin.key}`;
    if (this.added.has(key)) return;
    this.added.add(key);
    let core = plugin.core;
    // A namespaced rate-limiting KongPlugin with consumerRef: Kong's consumer + route / service (docs/rate-limiting.md#consumers).
    const consumerNs = core.ref.kind === 'KongPlugin' ? core.ref.namespace : undefined;
    if (core.consumerScoped && core.name === RATE_LIMITING_PLUGIN && core.consumerRef !== undefined && consumerNs !== undefined) {
      this.table.addForConsumer(core, `${consumerNs}/${core.consumerRef}`, scope, kubeId('kongplugin', plugin.key, seed));
      return;
    }
    if (core.consumerScoped) {
      const kept = consumerScoped(core, this.rep);
      if (kept === undefined) return;
      core = kept;
    }
    this.table.add(core, scope, kubeId('kongplugin', plugin.key, seed));
  }

  /** A rate-limiting plugin named by a KongConsumer's konghq.com/plugins: Kong's consumer scope, on every route of its namespace. */
  attachToConsumer(plugin: ReadPlugin, ns: string, consumer: string): void {
    const key = `consumer:${ns}/${consumer}|${plugin.key}`;
    if (this.added.has(key)) return;
    this.added.add(key);
    this.table.addForConsumer({ ...plugin.core, consumerScoped: true }, `${ns}/${consumer}`, 'global', kubeId('kongplugin', plugin.key, key));
  }

  /** Kong's precedence for one route. */
  resolve(routeScope: string, serviceScope: string): ResolvedPlugins {
    return this.table.resolve(routeScope, serviceScope);
  }

  /**
   * Every KongPlugin, and every KongClusterPlugin of our class, checked whether or not anything
   * names it (as KIC's admission check does), in a scope no route resolves.
   */
  checkAll(): void {
    for (const p of this.kic.plugins) this.check(this.readPlugin(p, 'KongPlugin'));
    for (const p of this.kic.clusterPlugins) if (hasKicClass(p, this.settings)) this.check(this.readPlugin(p, 'KongClusterPlugin'));
  }

  private check(plugin: ReadPlugin): void {
    if (!plugin.core.consumerScoped) this.attach(plugin, `object:${plugin.key}`, 'check');
  }

  /** The plugin diagnostics, each once (a KongPlugin named by several objects is read once but added per scope). */
  diagnostics(): Diagnostic[] {
    const seen = new Set<string>();
    return this.rep.diagnostics.filter((d) => {
      const k = JSON.stringify([d.object.kind, d.object.namespace, d.object.name, d.reason, d.field, d.message]);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  private readPlugin(obj: KicObject, kind: 'KongPlugin' | 'KongClusterPlugin'): ReadPlugin {
    const clusterScoped = kind === 'KongClusterPlugin';
    const ref = kicRef(kind, obj, clusterScoped);
    const key = clusterScoped ? `${kind}/${ref.name}` : `${kind}/${ref.namespace}/${ref.name}`;
    const cached = this.read.get(key);
    if (cached !== undefined) return cached;
    const out: ReadPlugin = { key, core: this.toCore(obj, ref, clusterScoped) };
    this.read.set(key, out);
    return out;
  }

  private toCore(obj: KicObject, ref: ObjectRef, clusterScoped: boolean): PluginCore {
    const path = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
    const parsed = kicPluginSchema.safeParse(obj);
    const lenientName = typeof obj['plugin'] === 'string' && obj['plugin'] !== '' ? (obj['plugin'] as string) : undefined;
    if (!parsed.success) {
      this.rep.add(schemaDiagnostics(ref, parsed.error.issues));
      return { ref, path, ok: false, ...(lenientName !== undefined && { name: lenientName }), enabled: obj['disabled'] !== true, config: undefined, protocols: DEFAULT_PROTOCOLS, consumerScoped: false };
    }
    const p = parsed.data;
    let ok = true;
    let config: unknown = p.config;
    if (p.configFrom !== undefined) {
      const r = p.configFrom.secretKeyRef;
      const ns = clusterScoped ? r.namespace : (ref.namespace ?? 'default');
      if (ns === undefined) {
        this.rep.error(ref, 'InvalidSpec', 'a KongClusterPlugin names the Secret namespace', 'configFrom.secretKeyRef.namespace');
        ok = false;
      } else {
        const v = readSecretValue(this.secrets, ns, r.name, r.key);
        if (!v.ok) {
          const message = v.reason === 'SecretNotFound' ? `Secret '${ns}/${r.name}' not found (a configFrom Secret must carry the label portcullis.dev/credential=true to be seen)` : v.message;
          this.rep.error(ref, v.reason, message, 'configFrom.secretKeyRef');
          ok = false;
        } else {
          config = parseConfigText(v.value.toString('utf8'));
          if (config === undefined) {
            this.rep.error(ref, 'InvalidPluginConfig', `Secret '${ns}/${r.name}' key '${r.key}' is not a YAML or JSON mapping`, 'configFrom.secretKeyRef');
            ok = false;
          }
        }
      }
    }
    // Kong runs plugins in its priority order; per-instance ordering and patches are not implemented.
    if (p.ordering !== undefined) {
      this.rep.error(ref, 'Unsupported', 'ordering (dynamic plugin ordering) is not supported; Portcullis runs plugins in Kong\'s priority order; the routes it applies to answer 500', 'ordering');
      ok = false;
    }
    if (p.configPatches !== undefined && p.configPatches.length > 0) {
      this.rep.error(ref, 'Unsupported', 'configPatches is not supported (use config or configFrom); the routes it applies to answer 500', 'configPatches');
      ok = false;
    }
    return {
      ref,
      path,
      ok,
      name: p.plugin,
      ...(p.instance_name !== undefined && { instanceName: p.instance_name }),
      enabled: p.disabled !== true,
      config,
      protocols: p.protocols ?? DEFAULT_PROTOCOLS,
      ...(p.consumerRef !== undefined && { consumerRef: p.consumerRef }),
      consumerScoped: p.consumerRef !== undefined,
    };
  }
}

/**
 * A plugin scoped to a consumer (KongPlugin consumerRef, or konghq.com/plugins on a
 * KongConsumer), as kong.yml's consumer-scoped plugins (docs/kong-compatibility.md): jwt cannot
 * be (Kong refuses it), correlation-id and the observability-only plugins are ignored, any other
 * fails the routes it applies to closed. undefined: left out.
 */
export function consumerScoped(core: PluginCore, rep: Reporter): PluginCore | undefined {
  const name = core.name ?? '';
  if (name === 'jwt') {
    rep.error(core.ref, 'Unsupported', 'the jwt plugin cannot be scoped to a consumer (Kong refuses it too); ignored', 'consumerRef');
    return undefined;
  }
  if (name === CORRELATION_ID_PLUGIN || OBSERVABILITY_ONLY_PLUGINS.has(name)) {
    rep.error(core.ref, 'Unsupported', `plugins scoped to a consumer are not supported; '${name}' only adds a header or observes, so it is ignored`, 'consumerRef');
    return undefined;
  }
  rep.error(core.ref, 'Unsupported', `plugins scoped to a consumer are not supported; the routes '${name}' applies to answer 500`, 'consumerRef');
  return { ...core, ok: false };
}

function parseConfigText(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = parse(text, { maxAliasCount: 10 });
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

