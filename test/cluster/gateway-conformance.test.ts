// The Gateway API project's own conformance suite (sigs.k8s.io/gateway-api/conformance, pinned in
// test/harness/go-conformance) against Portcullis on the single-node cluster: the chart with
// gatewayAPI enabled and its GatewayClass, the suite's GATEWAY-HTTP profile, and every core test
// must pass. Per-test results and timings go to the figures (docs/gateway-api.md#conformance).
import { spawn, execFile } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importImage } from '../harness/cluster/cluster.js';
import { figures, printFigures } from './support/figures.js';
import { chartDir, cluster, helm, kubectl, localImageSets, repoRoot } from './support/context.js';
import { readyPods } from './support/pods.js';

const RELEASE = 'gwc';
const RELEASE_NS = 'portcullis-conformance';
const GATEWAY_CLASS = 'portcullis-conformance';
/** The extended features Portcullis declares (docs/gateway-api.md#conformance): each one's tests pass. */
export const SUPPORTED_EXTENDED = [
  'HTTPRouteQueryParamMatching',
  'HTTPRouteMethodMatching',
  'HTTPRouteResponseHeaderModification',
  'HTTPRoutePathRewrite',
  'HTTPRouteHostRewrite',
  'HTTPRoutePathRedirect',
  'HTTPRouteSchemeRedirect',
  'HTTPRoutePortRedirect',
  'HTTPRoute303RedirectStatusCode',
  'HTTPRoute307RedirectStatusCode',
  'HTTPRoute308RedirectStatusCode',
  'HTTPRouteRequestTimeout',
  'HTTPRouteBackendTimeout',
  'HTTPRouteBackendProtocolWebSocket',
  'HTTPRouteBackendProtocolH2C',
  'HTTPRouteNamedRouteRule',
  // One Service and pod ports per Gateway (docs/gateway-api.md#one-address-per-gateway).
  'GatewayPort8080',
  'HTTPRouteParentRefPort',
  'GatewayHTTPListenerIsolation',
];
/**
 * Core tests that fail by design today, each with its reason in docs/gateway-api.md#conformance;
 * any other core failure fails this test, and so does one of these starting to pass (update both).
 */
export const KNOWN_CORE_FAILURES: string[] = [];
const SUITE_TIMEOUT_MS = 45 * 60_000;

interface Built { dir: string; binary: string; images: Array<{ archive: string; refs: string[] }>; crds: string }

/** scripts/build-gateway-conformance.sh: cached after the first build (minutes on 2 cores). */
async function buildSuite(): Promise<Built> {
  const { stdout } = await promisify(execFile)('bash', [join(repoRoot, 'scripts/build-gateway-conformance.sh')], { timeout: 30 * 60_000, maxBuffer: 16 << 20 });
  const dir = stdout.trim().split('\n').at(-1)!;
  const images = readFileSync(join(dir, 'images.txt'), 'utf8').trim().split('\n').map((l) => {
    const [archive, ...refs] = l.split(' ');
    return { archive: join(dir, archive!), refs };
  });
  return { dir, binary: join(dir, 'bin/gateway-conformance.test'), images, crds: join(dir, 'crds') };
}

type Outcome = 'PASS' | 'FAIL' | 'SKIP';
interface ProfileReport {
  name: string;
  core: { result: string; statistics: { Passed: number; Failed: number; Skipped: number }; failedTests?: string[]; skippedTests?: string[] };
  extended?: { result: string; statistics: { Passed: number; Failed: number; Skipped: number }; failedTests?: string[]; supportedFeatures?: string[] };
}

/** Runs the suite binary; resolves with each top-level test's outcome and seconds, and the report. */
function runSuite(binary: string, workDir: string): Promise<{ exitCode: number; tests: Record<string, { outcome: Outcome; seconds: number }>; profiles: ProfileReport[]; logPath: string }> {
  const reportPath = join(workDir, 'report.yaml');
  const logPath = join(workDir, 'conformance.log');
  const log = createWriteStream(logPath);
  const args = [
    '-test.v',
    '-test.timeout=50m',
    '-test.run=^TestConformance$',
    `-gateway-class=${GATEWAY_CLASS}`,
    '-conformance-profiles=GATEWAY-HTTP',
    `-supported-features=${['Gateway', 'HTTPRoute', 'ReferenceGrant', ...SUPPORTED_EXTENDED].join(',')}`,
    `-report-output=${reportPath}`,
    '-organization=portcullis',
    '-project=portcullis',
    '-url=https://portcullis.dev',
    '-version=0.1.0',
    '-contact=portcullis maintainers',
    '-mode=default',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: workDir, env: { ...process.env, KUBECONFIG: cluster().kubeconfig } });
    const tests: Record<string, { outcome: Outcome; seconds: number }> = {};
    let partial = '';
    const onData = (d: Buffer) => {
      log.write(d);
      partial += d.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const m = /^\s*--- (PASS|FAIL|SKIP): TestConformance\/([A-Za-z0-9]+) \(([\d.]+)s\)/.exec(line);
        if (m) {
          tests[m[2]!] = { outcome: m[1] as Outcome, seconds: Number(m[3]) };
          process.stderr.write(`[conformance] ${m[1]} ${m[2]} ${m[3]}s\n`);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => log.write(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), SUITE_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      log.end();
      let profiles: ProfileReport[] = [];
      try {
        profiles = (parse(readFileSync(reportPath, 'utf8')) as { profiles?: ProfileReport[] }).profiles ?? [];
      } catch { /* no report: the run failed before writing it; the log says why */ }
      resolve({ exitCode: code ?? -1, tests, profiles, logPath });
    });
  });
}

describe('Gateway API conformance (GATEWAY-HTTP profile) on the cluster', () => {
  let built: Built;
  let workDir: string;
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (name: string, since: number) => { timings[name] = Date.now() - since; };

  beforeAll(async () => {
    let t = Date.now();
    built = await buildSuite();
    mark('build suite, echo-basic and coredns images (cached after the first run)', t);
    t = Date.now();
    for (const image of built.images) await importImage(image.archive);
    mark('import images', t);
    t = Date.now();
    // The release's standard-channel CRDs (the suite refuses mixed versions); server-side apply:
    // some exceed the client-side annotation limit.
    const crdFiles = readdirSync(built.crds).filter((f) => f.endsWith('.yaml')).flatMap((f) => ['-f', join(built.crds, f)]);
    await kubectl(['apply', '--server-side', '--force-conflicts', ...crdFiles]);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crdFiles]);
    await helm([
      'install', RELEASE, chartDir, '--namespace', RELEASE_NS, '--create-namespace', ...localImageSets(),
      '--set', 'replicaCount=1',
      // No load balancer on this node: Gateways report the Service's ClusterIP, which the host reaches.
      '--set', 'service.type=ClusterIP',
      // HTTPRouteBackendProtocolH2C's client speaks h2c with prior knowledge to the Gateway.
      '--set', 'http2.h2c=true',
      '--set', 'gatewayAPI.enabled=true',
      // The chart's default: one Service per Gateway (docs/gateway-api.md#one-address-per-gateway), ClusterIP here too.
      '--set', 'gatewayAPI.servicePerGateway.enabled=true',
      '--set', 'gatewayAPI.servicePerGateway.type=ClusterIP',
      '--set', `gatewayAPI.gatewayClass.name=${GATEWAY_CLASS}`,
      '--wait', '--timeout', '3m',
    ]);
    await readyPods(RELEASE_NS, `app.kubernetes.io/instance=${RELEASE}`, 1);
    mark('CRDs + helm install', t);
    workDir = await mkdtemp(join(tmpdir(), 'portcullis-conformance-'));
  }, 35 * 60_000);

  afterAll(async () => {
    await helm(['uninstall', RELEASE, '--namespace', RELEASE_NS, '--wait', '--timeout', '2m']).catch(() => undefined);
    await kubectl(['delete', 'namespace', RELEASE_NS, '--wait=false']).catch(() => undefined);
    figures['gateway conformance: timings (ms)'] = { ...timings, total: Date.now() - t0 };
    printFigures();
  }, 180_000);

  it('passes every core test of GATEWAY-HTTP; per-test results in the figures', async () => {
    const t = Date.now();
    const run = await runSuite(built.binary, workDir);
    mark('suite run', t);
    const byOutcome = (o: Outcome) => Object.entries(run.tests).filter(([, r]) => r.outcome === o).map(([n, r]) => `${n} (${r.seconds}s)`);
    const profile = run.profiles.find((p) => p.name === 'GATEWAY-HTTP');
    figures['gateway conformance: tests'] = { passed: byOutcome('PASS'), failed: byOutcome('FAIL'), skipped: byOutcome('SKIP') };
    figures['gateway conformance: GATEWAY-HTTP report'] = profile ?? `no report (exit ${run.exitCode}, log ${run.logPath})`;
    expect(profile, `no GATEWAY-HTTP report; see ${run.logPath}`).toBeDefined();
    expect([...(profile!.core.failedTests ?? [])].sort(), `core failures; log ${run.logPath}`).toEqual(KNOWN_CORE_FAILURES);
    expect(profile!.core.statistics.Skipped).toBe(0);
    expect(profile!.core.statistics.Passed).toBeGreaterThanOrEqual(36);
    expect(profile!.extended?.failedTests ?? [], `failures of declared extended features; log ${run.logPath}`).toEqual([]);
    expect(profile!.extended?.statistics.Passed).toBeGreaterThanOrEqual(SUPPORTED_EXTENDED.length);
    // The suite exits non-zero exactly when some test failed.
    expect(run.exitCode).toBe(KNOWN_CORE_FAILURES.length === 0 ? 0 : 1);
  }, SUITE_TIMEOUT_MS + 60_000);
});
