/**
 * Usage texts: the overview (`portcullis --help`) and one page per command
 * (`portcullis <command> --help`, `portcullis help <command>`). Options are listed with their
 * env var and default; the README's "Command line" section is the same contract.
 */

const LISTENER_OPTIONS = `Listener options (standalone and controller; flag, then env var, then default):
  --proxy-listen  HOST:PORT   PORTCULLIS_PROXY_LISTEN   0.0.0.0:8000
                  (Kong's "HOST:PORT proxy_protocol": each connection starts with a PROXY v1/v2 header)
  --proxy-listen-tls HOST:PORT|off  PORTCULLIS_PROXY_LISTEN_TLS  0.0.0.0:8443 (TLS listener, docs/tls.md;
                  "HOST:PORT proxy_protocol": a PROXY v1/v2 header before the TLS handshake)
  --default-certificate CERT,KEY  PORTCULLIS_DEFAULT_CERTIFICATE  (self-signed, made at start) PEM files
                                                        served when no certificate matches the SNI
  --admin-listen  HOST:PORT   PORTCULLIS_ADMIN_LISTEN   127.0.0.1:8001
  --status-listen HOST:PORT   PORTCULLIS_STATUS_LISTEN  0.0.0.0:8100
  --admin-allowed-hosts NAMES PORTCULLIS_ADMIN_ALLOWED_HOSTS  (none) comma-separated Host names the
                                                        admin and status listeners also answer;
                                                        always: localhost and the listener's IPs
  --admin-explain on|off      PORTCULLIS_ADMIN_EXPLAIN  on (POST /debug/explain on the admin listener:
                                                        why a request would be refused, docs/explain.md)
  --access-log on|off         PORTCULLIS_ACCESS_LOG     on (one JSON line per request, docs/access-log.md)
  --access-log-sample-success RATIO  PORTCULLIS_ACCESS_LOG_SAMPLE_SUCCESS  1 (share of 2xx/3xx requests
                                                        logged, 0..1, chosen at random; every other
                                                        status and every refusal is always logged)
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
  --websocket-idle-timeout service|DURATION  PORTCULLIS_WEBSOCKET_IDLE_TIMEOUT  service (a WebSocket
                                                        tunnel with no byte either way for this long is
                                                        closed; service = the service's read_timeout,
                                                        as in Kong; 60, 90s, 15m, 1h; 0 = never)
  --upstream-tls-verify on|off  PORTCULLIS_UPSTREAM_TLS_VERIFY  on (verify every https upstream's certificate
                                                        unless its service says tls_verify: false / its Route
                                                        backend.tls.verify: false; off: as Kong, only where asked)
  --proxy-h2c on|off          PORTCULLIS_PROXY_H2C      off (on: the plaintext proxy listener also takes
                                                        HTTP/2 with prior knowledge, e.g. gRPC clients)
  --proxy-http2 on|off        PORTCULLIS_PROXY_HTTP2    on (the TLS proxy listener offers h2 by ALPN)
  --trusted-ips CIDRS         PORTCULLIS_TRUSTED_IPS    (none) comma-separated addresses/CIDR blocks of
                                                        trusted proxies (Kong's trusted_ips; all:
                                                        0.0.0.0/0,::/0): their X-Forwarded-* are kept
                                                        and their real-IP header believed
  --real-ip-header NAME       PORTCULLIS_REAL_IP_HEADER X-Real-IP (a header such as X-Forwarded-For, or
                                                        proxy_protocol: the PROXY header's source)
  --real-ip-recursive on|off  PORTCULLIS_REAL_IP_RECURSIVE  off (on: the last untrusted address of the list)
  --jwks-allow-http on|off    PORTCULLIS_JWKS_ALLOW_HTTP  off (on: JWKS credentials may fetch keys and OIDC
                                                        discovery over plain http; for tests only)
  --otel-endpoint URL|off     PORTCULLIS_OTEL_ENDPOINT  (none; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or
                                                        OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces) OTLP/HTTP
                                                        traces URL: tracing on (docs/tracing.md); unset:
                                                        kong.yml's opentelemetry plugin, if any
  --otel-sampler NAME         PORTCULLIS_OTEL_SAMPLER   parentbased_traceidratio (OTEL_TRACES_SAMPLER values)
  --otel-sample-ratio RATIO   PORTCULLIS_OTEL_SAMPLE_RATIO  1 (OTEL_TRACES_SAMPLER_ARG; share of new traces)
  --otel-service-name NAME    PORTCULLIS_OTEL_SERVICE_NAME  portcullis (OTEL_SERVICE_NAME)
  --otel-headers K=V,...      PORTCULLIS_OTEL_HEADERS   (none; OTEL_EXPORTER_OTLP_HEADERS) export headers
`;

const EXIT_CODES = `Exit codes: 0 ok, 1 failed (invalid input, or a serving mode that could not start), 2 usage error.
`;

export const OVERVIEW = `Usage: portcullis <command> [options]
       portcullis <command> --help     options of one command (also: portcullis help <command>)
       portcullis --version            print the version

Commands:
  standalone --config kong.yml     serve from a Kong DB-less declarative file, reloaded on change
  controller [--namespace NS[,NS]] [--kubeconfig FILE] [--admin-expose-secrets] [--lease-name NAME]
             [--watch-idle-timeout SECONDS] [--host-policy POLICY|@FILE]
             [--ingress] [--ingress-class NAME] [--publish-service NS/NAME | --publish-address ADDR]
             [--gateway-api] [--kic-resources] [--kic-ingress-class NAME]
                                   serve from the Kubernetes watch (in-cluster config by default);
                                   a watch silent that long (default 30, PORTCULLIS_WATCH_IDLE_TIMEOUT)
                                   is restarted; the host policy (YAML/JSON, env PORTCULLIS_HOST_POLICY)
                                   says which namespaces may claim which Route hosts; --ingress
                                   also serves networking.k8s.io/v1 Ingresses of our classes
  convert [--kic] [--namespace NS] kong.yml|-
                                   print the kong.yml as Kubernetes manifests: Portcullis CRs, or
                                   with --kic Kong Ingress Controller's resources and Ingresses
  validate [--strict] [--output text|json] FILE...|-
                                   check kong.yml files or CR manifests offline ("-": stdin);
                                   exit 1 on errors (with --strict: also on skipped objects)
  explain (--config kong.yml | --manifests DIR|FILE) 'METHOD URL' [-H 'Name: value']... [--json]
                                   why a request would be proxied or refused (route, token, checks,
                                   the exact answer); exit 0 proxied, 3 refused
  token --key K (--secret S | --secret-file FILE | --private-key FILE) [--alg HS256] [--exp 1h]
        [--nbf 0] [--claim name=value]... [--key-claim iss|kid] [--kid KID]
                                   mint a test JWT

${LISTENER_OPTIONS}
${EXIT_CODES}`;

const STANDALONE = `Usage: portcullis standalone --config kong.yml [listener options]

Serve from a Kong DB-less declarative file, reloaded on change (in place, atomic rename, or the
symlink swap of a mounted ConfigMap).

Options (flag, then env var, then default):
  -c, --config FILE           PORTCULLIS_CONFIG         (required) the kong.yml to serve

${LISTENER_OPTIONS}
${EXIT_CODES}`;

const CONTROLLER = `Usage: portcullis controller [options] [listener options]

Serve from the Kubernetes watch of KongConsumer, JwtCredential and Route objects (and, with
--ingress, of Ingress and IngressClass objects: docs/ingress.md).

Options (flag, then env var, then default):
  -n, --namespace NS[,NS...]  PORTCULLIS_NAMESPACE      (all namespaces) watch these namespaces only
  --api-write-qps N           PORTCULLIS_API_WRITE_QPS  200 (status patches and Events per second;
                                                        Lease renewals are exempt)
  --api-write-burst N         PORTCULLIS_API_WRITE_BURST  2 x qps (writes allowed at once)
  --kubeconfig FILE           KUBECONFIG                (in-cluster config) cluster to connect to
  --admin-expose-secrets      (flag only)               off (the admin API redacts HMAC secrets; on: shows them)
  --lease-name NAME           PORTCULLIS_LEASE_NAME     portcullis-leader (leader election Lease)
  --watch-idle-timeout N      PORTCULLIS_WATCH_IDLE_TIMEOUT  30 (seconds a silent watch is kept
                                                        before it is restarted)
  --host-policy POLICY|@FILE  PORTCULLIS_HOST_POLICY    (none) YAML/JSON saying which namespaces may
                                                        claim which Route hosts; @FILE reads a file
  --ingress                   PORTCULLIS_INGRESS        off (true: also serve the Ingresses of the
                                                        IngressClasses whose controller is
                                                        portcullis.dev/ingress-controller)
  --ingress-class NAME        PORTCULLIS_INGRESS_CLASS  (none) also serve Ingresses of these class
                                                        names (repeat or comma-separate); implies --ingress
  --publish-service NS/NAME   PORTCULLIS_PUBLISH_SERVICE  (none) the leader writes this Service's
                                                        addresses into served Ingresses' status and
                                                        Gateways' status.addresses
  --publish-address ADDR      PORTCULLIS_PUBLISH_ADDRESS  (none) fixed IPs or host names for that
                                                        status instead (repeat or comma-separate)
  --gateway-api               PORTCULLIS_GATEWAY_API=true  off (on: also serve Gateway API Gateways of
                                                        controllerName portcullis.dev/gateway-controller,
                                                        their HTTPRoutes and JwtPolicies; docs/gateway-api.md)
  --gateway-http-port N       PORTCULLIS_GATEWAY_HTTP_PORT   80 (Gateway HTTP listener port: the Service
                                                        port of the plaintext listener)
  --gateway-https-port N      PORTCULLIS_GATEWAY_HTTPS_PORT  443 (Gateway HTTPS listener port: the Service
                                                        port of the TLS listener)
  --gateway-service-per-gateway  PORTCULLIS_GATEWAY_SERVICE_PER_GATEWAY=true  off (on: one Service and
                                                        address per Gateway, HTTP listeners on any port;
                                                        needs POD_NAMESPACE; docs/gateway-api.md)
  --gateway-service-type T    PORTCULLIS_GATEWAY_SERVICE_TYPE  ClusterIP (or NodePort, LoadBalancer)
  --gateway-pod-ports A-B     PORTCULLIS_GATEWAY_POD_PORTS  20000-20999 (pod ports for Gateway HTTP listeners)
  --gateway-pod-selector S    PORTCULLIS_GATEWAY_POD_SELECTOR  (required with the above) k=v,... the
                                                        labels of the gateway pods
  --kic-resources             PORTCULLIS_KIC_RESOURCES=true  off (on: also read Kong Ingress Controller's
                                                        KongConsumer, KongConsumerGroup, KongPlugin,
                                                        KongClusterPlugin and konghq.com/credential Secrets,
                                                        and serve Ingresses of its class; implies --ingress;
                                                        docs/kong-ingress-controller.md)
  --kic-ingress-class NAME    PORTCULLIS_KIC_INGRESS_CLASS  kong (the class KIC's objects carry in
                                                        kubernetes.io/ingress.class); implies --kic-resources

${LISTENER_OPTIONS}
${EXIT_CODES}`;

const VALIDATE = `Usage: portcullis validate [--strict] [--output text|json] FILE...
       helm template RELEASE CHART | portcullis validate -

Check kong.yml files or Kubernetes manifests offline, with the same parser, schemas and key
loading the gateway uses. A file with _format_version is a kong.yml; anything else is a
multi-document YAML of manifests, where Portcullis resources (portcullis.dev) and Ingress /
IngressClass (networking.k8s.io/v1, with the portcullis.dev/jwt annotation) are checked, and
Secrets a JwtCredential in the same input refers to are loaded. Other objects (Deployments,
Services…) are skipped and listed as skipped.

Arguments:
  FILE...                     files to check; "-" reads standard input

Options:
  -o, --output text|json      text (default): one line per problem and one status line per file;
                              json: one JSON document on stdout (files, diagnostics, skipped kinds,
                              summary)
  --strict                    fail (exit 1) when any object was skipped, not only on errors

Exit codes: 0 ok, 1 an error was found (or, with --strict, an object was skipped),
2 usage error.
`;

const TOKEN = `Usage: portcullis token --key K (--secret S | --secret-file FILE | --private-key FILE) [options]

Mint a test JWT (any of the 13 algorithms). The key goes in the payload's iss and in the header's
kid, unless --key-claim names another claim or --kid sets the kid.

Options:
  --key K                     (required) the credential key (GET :8001/consumers/<name>/jwt)
  --alg ALG                   HS256 (default), HS384, HS512, RS256/384/512, PS256/384/512,
                              ES256/384/512 or EdDSA
  HMAC secret (HS*), exactly one of:
    --secret S                the secret on the command line (visible in ps and shell history)
    --secret-file FILE        the secret read from FILE, byte for byte (a trailing newline is
                              part of it: write it with printf '%s')
    PORTCULLIS_TOKEN_SECRET   env var holding the secret
  --private-key FILE          PEM private key (RS*, PS*, ES*, EdDSA)
  --exp DURATION              (none) lifetime: 3600, 90s, 15m, 1h, 7d; negative as --exp=-1h
  --nbf DURATION              (none) not-before, relative to now
  --claim NAME=VALUE          extra claim, repeatable; VALUE is parsed as JSON when it is valid
                              JSON (n=5 → 5, flag=true → true, aud='["a","b"]' → array), else it
                              is a string (name=alice → "alice"); force a string with n='"5"'
  --key-claim NAME            put the key in this claim instead of iss, and no kid in the header
  --kid KID                   the header's kid: picks one of the credentials sharing a key
                              (docs/key-material.md#rotation)

Exit codes: 0 token printed on stdout, 1 failed (e.g. an unusable key file), 2 usage error.
`;

const EXPLAIN = `Usage: portcullis explain (--config kong.yml | --manifests DIR|FILE) 'METHOD URL' [options]

Say what a gateway serving this configuration would do with one request, offline: the route it
matches and why better-ranked routes do not, where the token is found, its decoded JOSE header and
claims (never its signature), the credential lookup, each check (alg, signature, exp, nbf,
maximum_expiration) with pass/fail, and the exact status, headers and body a refused client gets.
A live gateway answers the same on POST /debug/explain (admin listener). docs/explain.md.

Arguments:
  'METHOD URL'                e.g. 'GET https://api.example.com/orders?x=1' (a lone URL: GET);
                              https:// means the request comes over TLS

Options:
  -c, --config FILE           a kong.yml (standalone mode)
  --manifests DIR|FILE        CR manifests (controller mode): a file, or a folder read recursively
                              (*.yaml, *.yml, *.json); Service endpoints count as unknown unless
                              EndpointSlices are included
  --host-policy POLICY|@FILE  with --manifests: the controller's host policy (docs/multi-tenancy.md)
  -H, --header 'Name: value'  a request header, repeatable (Authorization, Cookie, Host, ...)
  --json                      the JSON document POST /debug/explain answers
  --now SECONDS               the clock for exp/nbf (seconds since the epoch); default: now

Exit codes: 0 the request would be proxied, 3 it would be refused, 1 the configuration cannot be
loaded, 2 usage error.
`;

const CONVERT = `Usage: portcullis convert [--kic] [--namespace NS] kong.yml|-

Print a kong.yml as Kubernetes manifests (multi-document YAML on stdout), after the same checks
the gateway makes: a kong.yml with errors is not converted (exit 1). What the target cannot
express is a warning on stderr. docs/kong-ingress-controller.md#convert.

Options:
  --kic                       Kong Ingress Controller's resources: KongConsumers and credential
                              Secrets (konghq.com/credential), KongPlugins, Ingresses of class
                              kong with konghq.com/plugins, and a Service per upstream (as
                              deck file kong2kic --ingress); default: Portcullis CRs (KongConsumer,
                              JwtCredential and Secret, Route with backend.url)
  -n, --namespace NS          metadata.namespace of every object (default: none; kubectl apply -n)

Exit codes: 0 converted, 1 the kong.yml has errors or cannot be read, 2 usage error.
`;

export const COMMAND_HELP: Record<string, string> = {
  convert: CONVERT,
  explain: EXPLAIN,
  standalone: STANDALONE,
  controller: CONTROLLER,
  validate: VALIDATE,
  token: TOKEN,
};
