import type { JwtPluginConfig } from '../../model/jwt-config.js';
import type { Consumer, Credential } from '../../snapshot/types.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';

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
  /**
   * Keep the verified payload and hand it out as the outcome's `claims` (a jwt-claims plugin runs
   * after this instance, docs/claims.md). Off: outcomes and cache entries are what they always were.
   */
  retainClaims?: boolean;
  /** Where verified tokens are cached; by default the cache every instance of the process shares. */
  cache?: VerifiedTokenCache;
}
