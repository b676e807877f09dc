import { Agent, request } from 'undici';

/**
 * A small steady load for key rotation tests (docs/key-material.md#rotation): `concurrency`
 * keep-alive loops send GET `url`, each request with the next token of the pool in circulation.
 * Tests change the pool as an issuer would (old tokens, then old and new, then new only) and
 * count every answer by token label: a rotation without downtime has only 200s.
 */
export interface RotationLoad {
  /** The tokens clients hold now, by label; changed by the test as the rotation goes. */
  setPool(pool: Record<string, string>): void;
  /** label → status → count, for every request sent so far. */
  readonly results: Map<string, Map<number, number>>;
  /** Non-200 answers seen so far, as "label status body". */
  readonly failures: string[];
  total(label?: string): number;
  stop(): Promise<void>;
}

export function startRotationLoad(url: string, pool: Record<string, string>, concurrency = 4): RotationLoad {
  let entries = Object.entries(pool);
  let running = true;
  let next = 0;
  const results = new Map<string, Map<number, number>>();
  const failures: string[] = [];
  const agent = new Agent({ connections: concurrency });
  const count = (label: string, status: number) => {
    const byStatus = results.get(label) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    results.set(label, byStatus);
  };
  const loop = async () => {
    while (running) {
      const [label, token] = entries[next++ % entries.length]!;
      try {
        const res = await request(url, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
        const body = await res.body.text();
        count(label, res.statusCode);
        if (res.statusCode !== 200) failures.push(`${label} ${res.statusCode} ${body}`);
      } catch (err) {
        count(label, -1);
        failures.push(`${label} error ${(err as Error).message}`);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    setPool(p) {
      entries = Object.entries(p);
    },
    results,
    failures,
    total(label?: string) {
      let n = 0;
      for (const [l, byStatus] of results) if (label === undefined || l === label) for (const c of byStatus.values()) n += c;
      return n;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      await agent.close();
    },
  };
}
