/**
 * A fixed set of header names, matched ignoring ASCII case without lower-casing the candidate
 * (no string allocated per request header): names are bucketed by length, and a candidate is
 * compared only with the names of its own length. Built once per snapshot (translate/), read by
 * the proxy for every request header when the snapshot has any (docs/claims.md#stripped-headers).
 */
export class HeaderNameSet {
  /** Lower-cased, sorted, unique. */
  readonly names: readonly string[];
  readonly #byLength: Array<string[] | undefined> = [];

  constructor(names: Iterable<string>) {
    this.names = [...new Set([...names].map((n) => n.toLowerCase()))].sort();
    for (const n of this.names) (this.#byLength[n.length] ??= []).push(n);
  }

  get size(): number {
    return this.names.length;
  }

  has(name: string): boolean {
    const candidates = this.#byLength[name.length];
    if (candidates === undefined) return false;
    for (const lower of candidates) if (sameIgnoringAsciiCase(name, lower)) return true;
    return false;
  }
}

/** `name` equals the lower-case `lower` (same length) ignoring ASCII case. */
function sameIgnoringAsciiCase(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}
