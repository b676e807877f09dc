#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GATEWAY_FLAGS, gatewayOptions } from './cli/gateway-options.js';
import { UsageError } from './model/usage-error.js';
import { errorText } from './observability/error-text.js';
import { tokenCommand, type TokenFlags } from './cli/token-command.js';

const USAGE = `Usage: portcullis <command> [options]

Commands:
  standalone --config kong.yml     serve from a Kong DB-less declarative file, reloaded on change
  controller [--namespace NS] [--kubeconfig FILE] [--admin-expose-secrets] [--lease-name NAME]
             [--watch-idle-timeout SECONDS] [--host-policy POLICY|@FILE]
                                   serve from the Kubernetes watch (in-cluster config by default);
                                   a watch silent that long (default 30, PORTCULLIS_WATCH_IDLE_TIMEOUT)
                                   is restarted; the host policy (YAML/JSON, env PORTCULLIS_HOST_POLICY)
                                   says which namespaces may claim which Route hosts
  validate FILE...                 check kong.yml files or CR manifests offline; exit 1 on errors
  token --key K (--secret S | --private-key FILE) [--alg HS256] [--exp 1h] [--nbf 0]
        [--claim name=value]... [--key-claim iss|kid]
                                   mint a test JWT

Listener options (standalone and controller; flag, then env var, then default):
  --proxy-listen  HOST:PORT   PORTCULLIS_PROXY_LISTEN   0.0.0.0:8000
  --admin-listen  HOST:PORT   PORTCULLIS_ADMIN_LISTEN   127.0.0.1:8001
  --status-listen HOST:PORT   PORTCULLIS_STATUS_LISTEN  0.0.0.0:8100
  --admin-allowed-hosts NAMES PORTCULLIS_ADMIN_ALLOWED_HOSTS  (none) comma-separated Host names the
                                                        admin and status listeners also answer;
                                                        always: localhost and the listener's IPs
  --access-log on|off         PORTCULLIS_ACCESS_LOG     on
  --log-level LEVEL           PORTCULLIS_LOG_LEVEL      info
  --drain-seconds N           PORTCULLIS_DRAIN_SECONDS  10
  --shutdown-delay N          PORTCULLIS_SHUTDOWN_DELAY 0 (seconds after SIGTERM during which new
                                                        connections are still answered, with
                                                        connection: close, before the drain)
  --workers N                 PORTCULLIS_WORKERS        0 (N > 0: N proxy worker processes;
                                                        the source, admin and status stay in one primary)
  --underscore-headers drop|keep  PORTCULLIS_UNDERSCORE_HEADERS  drop (keep: forward request header
                                                        names with "_", except spellings of X-Consumer-*,
                                                        X-Forwarded-* and the other headers the gateway sets)
  --token-cache-bytes N|auto  PORTCULLIS_TOKEN_CACHE_BYTES  auto (heap bytes of verified tokens cached by
                                                        the whole pod, split evenly across the workers;
                                                        auto = 1/8 of the V8 heap limit, 1-64 MiB; 0 = off)
`;

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
  },
  validate: {},
  token: {
    key: { type: 'string' },
    secret: { type: 'string' },
    'private-key': { type: 'string' },
    alg: { type: 'string' },
    exp: { type: 'string' },
    nbf: { type: 'string' },
    claim: { type: 'string', multiple: true },
    'key-claim': { type: 'string' },
  },
};

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer (seconds), got '${value}'`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const options = COMMANDS[command];
  if (!options) throw new UsageError(`unknown command '${command}'`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: command === 'validate', strict: true });

  switch (command) {
    case 'token':
      process.stdout.write(`${tokenCommand(values as TokenFlags)}\n`);
      return 0;
    case 'validate': {
      if (positionals.length === 0) throw new UsageError('validate: give at least one file');
      const { validateFiles } = await import('./modes/validate.js');
      return validateFiles(positionals);
    }
    case 'standalone': {
      const config = values.config ?? process.env.PORTCULLIS_CONFIG;
      if (typeof config !== 'string') throw new UsageError('standalone: --config kong.yml is required');
      const { runStandalone } = await import('./modes/standalone.js');
      return runStandalone({ configPath: config, gateway: gatewayOptions(values) });
    }
    case 'controller': {
      const { runController } = await import('./modes/controller.js');
      const { hostPolicyOption } = await import('./cli/host-policy-option.js');
      const hostPolicy = hostPolicyOption((values['host-policy'] as string | undefined) ?? process.env.PORTCULLIS_HOST_POLICY);
      return runController({
        ...(hostPolicy !== undefined && { hostPolicy }),
        gateway: gatewayOptions(values),
        namespace: (values.namespace as string | undefined) ?? process.env.PORTCULLIS_NAMESPACE,
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
      process.stderr.write(`portcullis: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`portcullis: ${errorText(err)}\n`);
    process.exitCode = 1;
  },
);
