// Types of controller-objects.mjs, for bench/controller-scale.ts.
export declare const GROUP: string;
export declare const VERSION: string;
export declare const CREDENTIAL_LABELS: Record<string, string>;
export declare function hmacSecret(i: number, generation?: number): string;
type Body = { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec?: Record<string, unknown>; [k: string]: unknown };
export declare function consumerBody(ns: string, i: number, meta?: Record<string, unknown>): Body;
export declare function secretBody(ns: string, i: number, meta?: Record<string, unknown>, generation?: number): Body;
export declare function credentialBody(ns: string, i: number, meta?: Record<string, unknown>): Body;
export declare function routeBody(ns: string, j: number, backendUrl: string, meta?: Record<string, unknown>): Body;
export declare function pool<T>(items: readonly T[], n: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void>;
export declare function percentile(xs: readonly number[], p: number): number;
