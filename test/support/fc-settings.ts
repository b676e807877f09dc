import fc from 'fast-check';

/**
 * Every property runs with a fixed seed so CI is deterministic; fast-check prints the seed, the
 * path and the shrunk counterexample on failure. FC_SEED / FC_RUNS_SCALE explore further locally
 * (e.g. FC_SEED=$RANDOM FC_RUNS_SCALE=20 npx vitest run property.test).
 */
export const FC_SEED = Number(process.env.FC_SEED ?? 20_261_202);
const SCALE = Number(process.env.FC_RUNS_SCALE ?? 1);

export function fcParams<T>(numRuns: number): fc.Parameters<T> {
  return { seed: FC_SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: false };
}
