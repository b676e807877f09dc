// Types for images.mjs (plain ESM so `node build.mjs` runs it without a TypeScript step).
export interface BuiltImage {
  ref: string;
  archive: string;
  built: boolean;
  bytes: number;
  config: Record<string, unknown>;
}
export interface BuildResult {
  base: { ref: string; archive: string; built: boolean; bytes: number };
  images: BuiltImage[];
  timings: Record<string, number>;
}
export const repoRoot: string;
export function qualified(ref: string): string;
export function images(): Array<{ name: string; dockerfile: string; prefix: string }>;
export function buildImages(opts?: { cacheDir?: string; force?: boolean; log?: (msg: string) => void }): BuildResult;
