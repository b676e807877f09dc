/**
 * Config-pipeline cost at scale: generated kong.yml → parseDeclarative → translate → Snapshot.
 *
 * Run (compiles only this file and what it imports):
 *   npx tsc bench/scale-pipeline.ts --outDir /tmp/scale-out --module nodenext --target es2023 \
 *     --moduleResolution nodenext --skipLibCheck
 *   (or just: bench/scale-pipeline.build.sh, which also links node_modules for the compiled files)
 *   node --expose-gc /tmp/scale-out/bench/scale-pipeline.js [consumers=100000] [routes=10000] [yaml|json] [file]
 * With [file]: the first run writes the generated document there and exits; later runs read it.
 * Profile: add `--cpu-prof --cpu-prof-dir /tmp/scale-prof` to the node command.
 *
 * Prints generation size, parse and translate times (ms), and heap / RSS after the snapshot is
 * built (with --expose-gc, after a full GC, while the snapshot is still referenced).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseDeclarative } from '../src/sources/declarative/parse.js';
import { declarativeSourceHash } from '../src/sources/declarative/source-hash.js';
import { translate } from '../src/translate/translate.js';

export interface ScaleShape {
  consumers: number;
  routes: number;
  /** Services the routes are spread over (default routes / 10). */
  services?: number;
}

/**
 * kong.yml text: `services` each with nested routes (mixed hosts/prefixes, every 500th a `~` regex),
 * one global jwt plugin, `consumers` each with one nested HS256 jwt_secret. Written as text
 * directly so generation does not dominate the measurement.
 */
export function generateKongYaml(shape: ScaleShape): string {
  const services = shape.services ?? Math.max(1, Math.floor(shape.routes / 10));
  const out: string[] = ['_format_version: "3.0"', 'services:'];
  for (let s = 0; s < services; s++) {
    out.push(`- name: svc-${s}`, `  url: http://backend-${s % 50}.internal:8080/base${s}`, '  routes:');
    for (let r = s; r < shape.routes; r += services) {
      out.push(`  - name: route-${r}`);
      if (r % 3 !== 0) out.push(`    hosts: [h${r % 200}.example.com]`);
      if (r % 500 === 499) out.push(`    paths: ['~/items${r}/\\d+$']`);
      else out.push(`    paths: [/api/v${r % 7}/r${r}]`);
      if (r % 4 === 0) out.push('    methods: [GET, POST]');
    }
  }
  out.push('plugins:', '- name: jwt', '  config:', '    claims_to_verify: [exp]', 'consumers:');
  for (let c = 0; c < shape.consumers; c++) {
    out.push(`- username: user-${c}`, '  jwt_secrets:', `  - key: iss-${c}`, '    algorithm: HS256', `    secret: s3cr3t-${c}-0123456789abcdef`);
  }
  out.push('');
  return out.join('\n');
}

/** The same document as JSON (the JSON.parse fast path). */
export function generateKongJson(shape: ScaleShape): string {
  const services = shape.services ?? Math.max(1, Math.floor(shape.routes / 10));
  const doc = {
    _format_version: '3.0',
    services: Array.from({ length: services }, (_, s) => {
      const routes = [];
      for (let r = s; r < shape.routes; r += services) {
        routes.push({
          name: `route-${r}`,
          ...(r % 3 !== 0 ? { hosts: [`h${r % 200}.example.com`] } : {}),
          paths: [r % 500 === 499 ? `~/items${r}/\\d+$` : `/api/v${r % 7}/r${r}`],
          ...(r % 4 === 0 ? { methods: ['GET', 'POST'] } : {}),
        });
      }
      return { name: `svc-${s}`, url: `http://backend-${s % 50}.internal:8080/base${s}`, routes };
    }),
    plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }],
    consumers: Array.from({ length: shape.consumers }, (_, c) => ({
      username: `user-${c}`,
      jwt_secrets: [{ key: `iss-${c}`, algorithm: 'HS256', secret: `s3cr3t-${c}-0123456789abcdef` }],
    })),
  };
  return JSON.stringify(doc);
}

/** CPU time (user + system, all threads incl. GC helpers) since `since`: less skewed than wall time on a busy machine. */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return Math.round((d.user + d.system) / 1000);
};
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;

function main(): void {
  const consumers = Number(process.argv[2] ?? 100000);
  const routes = Number(process.argv[3] ?? 10000);
  const format = process.argv[4] === 'json' ? 'json' : 'yaml';
  const shape = { consumers, routes };
  // Optional 4th argument, a path: generate into it and exit if it does not exist, else read it,
  // so RSS is measured without the generator's garbage (closer to a gateway loading its file).
  const path = process.argv[5];
  if (path !== undefined && !existsSync(path)) {
    writeFileSync(path, format === 'json' ? generateKongJson(shape) : generateKongYaml(shape));
    return;
  }
  const text = path !== undefined ? readFileSync(path, 'utf8') : format === 'json' ? generateKongJson(shape) : generateKongYaml(shape);
  const gc = (globalThis as { gc?: () => void }).gc;

  gc?.();
  const rssBefore = process.memoryUsage().rss;
  const fileName = `/bench/kong.${format === 'json' ? 'json' : 'yml'}`;
  let cpu = process.cpuUsage();
  let t = performance.now();
  const parsed = parseDeclarative(text, fileName);
  const parseMs = performance.now() - t;
  const parseCpuMs = cpuMs(cpu);
  t = performance.now();
  const hash = declarativeSourceHash(text, fileName);
  const hashMs = performance.now() - t;
  if (parsed.fatal) throw new Error(`fatal: ${parsed.fatal.map((d) => d.message).join('; ')}`);

  gc?.();
  const heapAfterParse = process.memoryUsage().heapUsed;
  cpu = process.cpuUsage();
  t = performance.now();
  const snapshot = translate(parsed.resources, 1, hash);
  const translateMs = performance.now() - t;
  const translateCpuMs = cpuMs(cpu);

  const errors = snapshot.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${errors.length} errors, first: ${errors[0]!.message}`);
  gc?.();
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      format,
      consumers,
      routes,
      fileMB: +(Buffer.byteLength(text) / 1048576).toFixed(1),
      parseMs: Math.round(parseMs),
      parseCpuMs,
      hashMs: Math.round(hashMs),
      translateMs: Math.round(translateMs),
      translateCpuMs,
      snapshot: { routes: snapshot.routes.length, consumers: snapshot.consumers.length, credentials: snapshot.credentials.all.length },
      heapAfterParse: mb(heapAfterParse),
      heapUsed: mb(mem.heapUsed),
      rss: mb(mem.rss),
      rssBeforeParse: mb(rssBefore),
      gc: gc !== undefined,
    }),
  );
}

if (process.argv[1]?.endsWith('scale-pipeline.js')) main();
