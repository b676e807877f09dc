import type { JwtPluginConfig } from '../../model/jwt-config.js';
import type { Consumer, Credential } from '../../snapshot/types.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';

/** What the jwt plugin needs from a request; nothing fastify-specific. */
export interface AuthRequest {
  method: string;
  /** node's req.rawHeaders: [name, value, name, value, ...] — repeated headers are kept apart. */
  rawHeaders: readonly string[];
  /** Raw query string without the leading '?' ("" when none). Not decoded. */
  rawQuery: string;
}

export type AuthOutcome =
  /** run_on_preflight=false and OPTIONS: plugin skipped, request proxied with no identity. */
  | { kind: 'skipped' }
  | { kind: 'authenticated'; consumer: Consumer; credential: Credential }
  /** Authentication failed but config.anonymous names an existing consumer. */
  | { kind: 'anonymous'; consumer: Consumer }
  | {
      kind: 'rejected';
      status: 401 | 500;
      /** Exact JSON body Kong sends, e.g. {"message":"Unauthorized"} or {"exp":"token expired"}. */
      body: string;
      /** WWW-Authenticate value, when Kong sends one. */
      wwwAuthenticate?: string;
      /** Low-cardinality label for the auth-failure metric (e.g. "no_token", "expired", "bad_signature"). */
      reason: string;
    };

/** One compiled plugin instance (shared by every route it applies to). */
export interface JwtAuthenticator {
  readonly pluginId: string;
  readonly config: JwtPluginConfig;
  authenticate(req: AuthRequest, nowSeconds: number): AuthOutcome;
}

export interface JwtAuthenticatorDeps {
  pluginId: string;
  config: JwtPluginConfig;
  /** The snapshot's credentials by key. */
  credentialsByKey: ReadonlyMap<string, Credential>;
  /**
   * The anonymous consumer, resolved at build time (by id, then username, in the route's scope).
   * undefined when config.anonymous is unset; { missing: value } when it names nobody (→ 500).
   */
  anonymous?: Consumer | { missing: string };
  /** Where verified tokens are cached; by default the cache every instance of the process shares. */
  cache?: VerifiedTokenCache;
}
