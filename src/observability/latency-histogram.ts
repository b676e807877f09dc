/**
 * A histogram with one label (`route`) that records with a bucket search and two additions, and
 * is read by prom-client's Registry like its own Histogram (same text output: `_bucket{le,route}`,
 * `_sum`, `_count`). prom-client's `labels(…).observe()` allocates, validates the labels and hashes
 * them on every call; on the proxy's hot path that was a measurable part of a request.
 */
export class LatencySeries {
  /** Non-cumulative count per bucket (index = bucket); values above the last bound only in `count`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly label: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(seconds: number): void {
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (seconds <= b[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += seconds;
    this.count++;
  }
}

interface ValuePair {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
}

export class RouteLatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, LatencySeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
    readonly buckets: readonly number[],
  ) {}

  /** The series for one label value (created on first use, then kept). */
  series(label: string): LatencySeries {
    let s = this.#series.get(label);
    if (!s) {
      s = new LatencySeries(label, this.buckets);
      this.#series.set(label, s);
    }
    return s;
  }

  /** Registry text export (as prom-client's Histogram.getForPromString: shared labels apart). */
  getForPromString(): { name: string; help: string; type: string; values: ValuePair[]; aggregator: string } {
    const values: ValuePair[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.#series.values()) {
      if (s.count === 0) continue; // as prom-client: a series exists once observed
      const shared = { [this.labelName]: s.label };
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { le: this.buckets[i]! }, sharedLabels: shared, value: acc, metricName: bucketName });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: shared, value: s.count, metricName: bucketName });
      values.push({ labels: {}, sharedLabels: shared, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: shared, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** JSON export (getMetricsAsJSON, cluster aggregation): labels merged, as prom-client's get(). */
  get(): { name: string; help: string; type: string; values: ValuePair[]; aggregator: string } {
    const m = this.getForPromString();
    m.values = m.values.map(({ labels, sharedLabels, value, metricName }) => ({ labels: { ...labels, ...sharedLabels }, value, metricName }));
    return m;
  }

  reset(): void {
    this.#series.clear();
  }
}
