// What logs and metrics read of the snapshot, as structural types: observability sits below
// snapshot/ in the layers (docs/architecture.md#layers), and src/snapshot's CompiledRoute and
// SnapshotStore satisfy these without either side importing the other.

/** A compiled route as the access log and the request metrics see it. */
export interface ObservedRoute {
  /** Label used in metrics and access logs (route name, or id). */
  readonly label: string;
  /** The route's id (as the admin API shows it; derived when kong.yml gives none): the access log's `route_id`. */
  readonly id?: string;
  /** The route's jwt plugin, if any: its uri_param_names are redacted from logged queries. */
  readonly auth?: { readonly config: { readonly uriParamNames: readonly string[] } };
}

/** The snapshot store as the metrics follow it: the live version, and every swap. */
export interface ObservedStore {
  current(): { readonly version: number } | undefined;
  onSwap(listener: (next: { readonly version: number }) => void): () => void;
}
