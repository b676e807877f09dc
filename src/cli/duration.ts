import { UsageError } from '../model/usage-error.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90", "90s", "15m", "1h", "7d", "-1h" (negative: already expired, for testing; pass it as --exp=-1h) → seconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(-?\d+)([smhd]?)$/.exec(value.trim());
  if (!match) throw new UsageError(`${flag}: expected a duration like 3600, 15m, 1h or 7d, got '${value}'`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
}
