// Types for scripts/import-graph.mjs (plain JS so `npm run imports` needs no build), used by
// test/unit/architecture.test.ts.

export type EdgeKind = 'static' | 'type' | 'dynamic' | 'worker';
export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
}
export interface FolderEdge {
  from: string;
  to: string;
  count: number;
}
export interface Violation {
  from: string;
  to: string;
  reason: string;
  files: string[];
}
export interface Analysis {
  files: string[];
  edges: Edge[];
  unresolved: Array<{ from: string; specifier: string }>;
  entries: string[];
  workers: string[];
  external: string[];
  folderEdges: FolderEdge[];
  folderCycles: string[][];
  fileCycles: string[][];
  violations: Violation[];
  unranked: string[];
  unreachable: string[];
}
export type Ranks = Readonly<Record<string, number>>;

export const LAYER_RANKS: Ranks;
export function stripComments(text: string): string;
export function parseImports(text: string): { specs: Array<{ specifier: string; kind: EdgeKind }>; selfWorker: boolean };
export function folderOf(file: string): string;
export function collectEdges(srcDir: string): { files: string[]; edges: Edge[]; selfWorkers: string[]; unresolved: Array<{ from: string; specifier: string }> };
export function folderEdges(edges: ReadonlyArray<{ from: string; to: string }>): FolderEdge[];
export function cycles(pairs: ReadonlyArray<{ from: string; to: string }>): string[][];
export function layerViolations(edges: ReadonlyArray<{ from: string; to: string }>, ranks?: Ranks): Violation[];
export function unrankedFolders(files: readonly string[], ranks?: Ranks): string[];
export function unreachable(files: readonly string[], edges: ReadonlyArray<{ from: string; to: string }>, entries: readonly string[]): string[];
export function distImports(dirs: readonly string[], files: readonly string[]): string[];
export function analyze(repoDir: string, ranks?: Ranks): Analysis;
export function formatReport(a: Analysis, opts?: { verbose?: boolean; ranks?: Ranks }): string;
