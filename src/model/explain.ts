/**
 * What `portcullis explain` and `POST /debug/explain` answer (docs/explain.md): plain JSON data,
 * shared by the router's and the plugins' explain entry points. Never holds a token's signature,
 * a secret or key material.
 */

/** pass / fail, or skip: not configured, or not reached because an earlier check failed. */
export type CheckResult = 'pass' | 'fail' | 'skip';

/**
 * One check of an authentication or authorization plugin. An open list, not fixed fields: each
 * plugin appends its own checks (jwt: alg, signature, exp…; claim plugins: audience, scopes…).
 */
export interface ExplainCheck {
  check: string;
  result: CheckResult;
  /** What was compared, in words ("exp 1700000000 <= now 1700000100"). */
  detail?: string;
  /** On fail: the refusal code this check leads to (src/model/refusal-reasons.ts). */
  reason?: string;
}

/** Where a token was found: `query` parameter, `cookie` or `header`, and its name as configured. */
export interface TokenLocation {
  source: 'query' | 'cookie' | 'header';
  name: string;
  /** A query parameter given without "=" (`?jwt`): Kong's "Unrecognizable token". */
  bare?: true;
}

/** The outcome of a plugin as the request path would see it. */
export type ExplainedAuthOutcome =
  | { kind: 'skipped' }
  | { kind: 'authenticated'; consumer: ExplainedConsumer; credential: ExplainedCredential }
  | { kind: 'anonymous'; consumer: ExplainedConsumer; after: string }
  /** The plugin's exact body and WWW-Authenticate, as the client gets them. */
  | { kind: 'rejected'; status: number; reason: string; body: string; wwwAuthenticate?: string };

export interface ExplainedConsumer {
  id: string;
  username?: string;
  customId?: string;
}

/** A credential as explain shows it: identity only, never its secret or key. */
export interface ExplainedCredential {
  id: string;
  key: string;
  /** The credential's kid, when its key is shared by several (docs/key-material.md#rotation). */
  kid?: string;
  algorithm: string;
  consumer: ExplainedConsumer;
}

/** The jwt plugin's explanation of one request. */
export interface AuthExplanation {
  plugin: string;
  /** Where the plugin looked, from its config. */
  looksIn: { query: string[]; cookies: string[]; headers: string[] };
  /** Every place a token was found (several: "Multiple tokens provided"). */
  tokensFound: TokenLocation[];
  /** The decoded JOSE header and claims of the one token; never its signature. */
  token?: { header: Record<string, unknown>; claims: Record<string, unknown> };
  /** The credential lookup: key claim, its value, and what it found. */
  lookup?: { keyClaim: string; foundIn?: 'claims' | 'header'; value?: unknown; credential?: ExplainedCredential };
  checks: ExplainCheck[];
  outcome: ExplainedAuthOutcome;
}
