#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GATEWAY_FLAGS, gatewayOptions } from './cli/gateway-options.js';
import { INGRESS_FLAGS, ingressOption, type IngressFlagValues } from './cli/ingress-options.js';
import { KIC_FLAGS, kicOption } from './cli/kic-option.js';
import { UsageError } from './model/usage-error.js';
import { errorText } from './observability/error-text.js';
import { tokenCommand, type TokenFlags } from './cli/token-command.js';
import { COMMAND_HELP, OVERVIEW } from './cli/help.js';
import { packageVersion } from './cli/version.js';
import { relaunchWithHeapLimit } from './cli/heap-relaunch.js';

const gatewayFlagOptions = Object.fromEntries(
  Object.keys(GATEWAY_FLAGS).map((name) => [name, { type: 'string' as const }]),
) as Record<keyof typeof GATEWAY_FLAGS, { type: 'string' }>;

const COMMANDS: Record<string, ParseArgsConfig['options']> = {
  standalone: { ...gatewayFlagOptions, config: { type: 'string', short: 'c' } },
  controller: {
    ...gatewayFlagOptions,
    namespace: { type: 'string', short: 'n' },
    kubeconfig: { type: 'string' },
    'admin-expose-secrets': { type: 'boolean' },
    'lease-name': { type: 'string' },
    'watch-idle-timeout': { type: 'string' },
    'host-policy': { type: 'string' },
    ...INGRESS_FLAGS,
    ...KIC_FLAGS,
    'gateway-api': { type: 'boolean' },
    'api-write-qps': { type: 'string' },
    'api-write-burst': { type: 'string' },
    'gateway-http-port': { type: 'string' },
    'gateway-https-port': { type: 'string' },
    'gateway-service-per-gateway': { type: 'boolean' },
    'gateway-service-type': { type: 'string' },
    'gateway-pod-ports': { type: 'string' },
    'gateway-pod-selector': { type: 'string' },
  },
  convert: {
    kic: { type: 'boolean' },
    namespace: { type: 'string', short: 'n' },
  },
  validate: {
    output: { type: 'string', short: 'o' },
    strict: { type: 'boolean' },
  },
  explain: {
    config: { type: 'string', short: 'c' },
    manifests: { type: 'string' },
    'host-policy': { type: 'string' },
    header: { type: 'string', short: 'H', multiple: true },
    json: { type: 'boolean' },
    now: { type: 'string' },
  },
  token: {
    key: { type: 'string' },
    secret: { type: 'string' },
    'secret-file': { type: 'string' },
    'private-key': { type: 'string' },
    alg: { type: 'string' },
    exp: { type: 'string' },
    nbf: { type: 'string' },
    claim: { type: 'string', multiple: true },
    'key-claim': { type: 'string' },
    kid: { type: 'string' },
  },
};

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer (seconds), got '${value}'`);
  return n;
}

/** A command's own usage page; undefined for anything else (including "toString" and friends). */
function commandHelp(name: string | undefined): string | undefined {
  return name !== undefined && Object.hasOwn(COMMAND_HELP, name) ? COMMAND_HELP[name] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(OVERVIEW);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command === 'help') {
    const topic = rest[0];
    const page = topic === undefined ? OVERVIEW : commandHelp(topic);
    if (page === undefined) throw new UsageError(`help: unknown command '${topic}'`);
    process.stdout.write(page);
    return 0;
  }
  const options = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!options) throw new UsageError(`unknown command '${command}'`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(COMMAND_HELP[command]!);
    return 0;
  }
  const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: command === 'validate' || command === 'explain' || command === 'convert', strict: true });

  switch (command) {
    case 'token':
      process.stdout.write(`${tokenCommand(values as TokenFlags)}\n`);
      return 0;
    case 'convert': {
      if (positionals.length !== 1) throw new UsageError('convert: exactly one kong.yml (or - for stdin) is required');
      const { convertCommand } = await import('./modes/convert.js');
      const namespace = values.namespace as string | undefined;
      return convertCommand(positionals[0]!, { target: values.kic === true ? 'kic' : 'portcullis', ...(namespace !== undefined && { namespace }) });
    }
    case 'validate': {
      if (positionals.length === 0) throw new UsageError('validate: give at least one file (or - for standard input)');
      if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('validate: - (standard input) can be given once');
      const output = (values.output as string | undefined) ?? 'text';
      if (output !== 'text' && output !== 'json') throw new UsageError(`--output: expected text or json, got '${output}'`);
      const { validateFiles } = await import('./modes/validate.js');
      return validateFiles(positionals, { output, strict: values.strict === true });
    }
    case 'explain': {
      const now = values.now as string | undefined;
      if (now !== undefined && !/^\d{1,12}$/.test(now)) throw new UsageError(`--now: expected seconds since the epoch, got '${now}'`);
      const { explainCommand } = await import('./modes/explain.js');
      const { hostPolicyOption } = await import('./cli/host-policy-option.js');
      const hostPolicy = hostPolicyOption(values['host-policy'] as string | undefined);
      return explainCommand({
        ...(hostPolicy !== undefined && { hostPolicy }),
        config: values.config as string | undefined,
        manifests: values.manifests as string | undefined,
        request: positionals,
        headers: (values.header as string[] | undefined) ?? [],
        json: values.json === true,
        ...(now !== undefined && { now: Number(now) }),
      });
    }
    case 'standalone': {
      const config = values.config ?? process.env.PORTCULLIS_CONFIG;
      if (typeof config !== 'string') throw new UsageError('standalone: --config kong.yml is required');
      const relaunched = await relaunchWithHeapLimit();
      if (relaunched !== undefined) return relaunched;
      const { runStandalone } = await import('./modes/standalone.js');
      return runStandalone({ configPath: config, gateway: gatewayOptions(values) });
    }
    case 'controller': {
      const relaunched = await relaunchWithHeapLimit();
      if (relaunched !== undefined) return relaunched;
      const { runController } = await import('./modes/controller.js');
      const { hostPolicyOption } = await import('./cli/host-policy-option.js');
      const hostPolicy = hostPolicyOption((values['host-policy'] as string | undefined) ?? process.env.PORTCULLIS_HOST_POLICY);
      const kic = kicOption(values);
      // KIC's Ingresses carry its class: --kic-resources serves them, and publishes their
      // status.loadBalancer as --ingress does (docs/kong-ingress-controller.md#status).
      let ingress = ingressOption(values as IngressFlagValues, process.env, kic !== undefined);
      if (kic !== undefined && ingress !== undefined) {
        if (!ingress.settings.classNames.includes(kic.className)) ingress = { ...ingress, settings: { ...ingress.settings, classNames: [...ingress.settings.classNames, kic.className] } };
      }
      const { gatewayApiOption } = await import('./cli/gateway-api-option.js');
      const gatewayApi = gatewayApiOption(values);
      const publishService = (values['publish-service'] as string | undefined) ?? (process.env.PORTCULLIS_PUBLISH_SERVICE || undefined);
      if (publishService !== undefined && ingress === undefined && gatewayApi === undefined) {
        throw new UsageError('--publish-service needs --ingress or --gateway-api');
      }
      const { namespacesOption, writeBudgetOption } = await import('./cli/controller-scale-options.js');
      const namespaces = namespacesOption((values.namespace as string | undefined) ?? process.env.PORTCULLIS_NAMESPACE);
      const writeBudget = writeBudgetOption(values);
      return runController({
        ...(hostPolicy !== undefined && { hostPolicy }),
        ...(namespaces !== undefined && { namespaces }),
        ...(writeBudget !== undefined && { writeBudget }),
        ...(ingress !== undefined && { ingress }),
        ...(gatewayApi !== undefined && { gatewayApi }),
        ...(kic !== undefined && { kic }),
        gateway: gatewayOptions(values),
        kubeconfig: (values.kubeconfig as string | undefined) ?? process.env.KUBECONFIG,
        adminExposeSecrets: values['admin-expose-secrets'] === true,
        leaseName: (values['lease-name'] as string | undefined) ?? process.env.PORTCULLIS_LEASE_NAME ?? 'portcullis-leader',
        watchIdleTimeoutSeconds: positiveInt(
          (values['watch-idle-timeout'] as string | undefined) ?? process.env.PORTCULLIS_WATCH_IDLE_TIMEOUT ?? '30',
          '--watch-idle-timeout',
        ),
      });
    }
  }
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Serving modes resolve only when they have shut down; everything else exits right away.
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const usage = commandHelp(process.argv[2]) ?? OVERVIEW;
      process.stderr.write(`portcullis: ${(err as Error).message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`portcullis: ${errorText(err)}\n`);
    // Exit now: a serving mode that failed to start (a listener that cannot bind) may already have
    // opened others, which would keep the process alive, unready, instead of failing (stderr is
    // synchronous for files, pipes and terminals on Linux: the message is out).
    process.exit(1);
  },
);
