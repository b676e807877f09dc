/**
 * Sampling of successful requests' access-log lines (`--access-log-sample-success`,
 * docs/access-log.md#sampling). Only 2xx and 3xx answers the gateway did not refuse are sampled;
 * every other line (1xx tunnels, 4xx, 5xx, 499, refusals such as an https redirect) is always kept.
 *
 * Random, not derived from the request id or trace id: both are chosen by the client, which could
 * otherwise pick values that keep its successful requests out of the log.
 */
export type SuccessSampler = (status: number, refused: boolean) => boolean;

/** Keeps every line (undefined: no per-line work) at ratio 1; else a successful line with probability `ratio`. */
export function successSampler(ratio: number, random: () => number = Math.random): SuccessSampler | undefined {
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`access log sample ratio must be within 0..1, got ${ratio}`);
  if (ratio === 1) return undefined;
  return (status, refused) => refused || status < 200 || status >= 400 || random() < ratio;
}
