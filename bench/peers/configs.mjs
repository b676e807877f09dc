// Config text for the native peers (nginx upstream, nginx + njs, HAProxy). Pure functions.
import { readFileSync } from 'node:fs';

const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

const nginxCommon = (dir) => `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
`;
const nginxHttpCommon = (dir) => `
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
`;

/** TLS 1.2/1.3 on a listener, as every TLS peer of the bench has it (bench/README.md "TLS and HTTP/2"). */
const nginxTls = (tls) => `
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;`;

/**
 * One-worker nginx answering `Hello world!` to everything: the upstream of every scenario. With
 * `tls` ({ port, certFile, keyFile }) also on a TLS port with h2 (ALPN): the direct HTTPS/h2 baseline.
 */
export function upstreamNginxConf({ dir, port, tls }) {
  return `${nginxCommon(dir)}
http {
${nginxHttpCommon(dir)}
  default_type text/plain;
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;${tls ? `
    listen 127.0.0.1:${tls.port} ssl http2 backlog=4096;${nginxTls(tls)}` : ''}
    location / { return 200 "Hello world!"; }
  }
}
`;
}

/** nginx 1 worker + njs: HS256 signature and exp checked in JS (js_set), then proxy_pass with keep-alive. */
export function njsGatewayConf({ dir, port, upstreamPort, njsFile, tls }) {
  return `load_module ${NJS_MODULE};
${nginxCommon(dir)}
http {
${nginxHttpCommon(dir)}
  js_import jwt from ${njsFile};
  js_set $jwt_ok jwt.verify;
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port}${tls ? ' ssl http2' : ''} backlog=4096;${tls ? nginxTls(tls) : ''}
    location / {
      if ($jwt_ok != "1") { return 401 '{"message":"Unauthorized"}'; }
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** The njs module: the credential table is written into the source (key -> secret). */
export function njsModule(credentials) {
  const table = JSON.stringify(Object.fromEntries(credentials.map((c) => [c.key, c.secret])));
  const template = readFileSync(new URL('./njs-jwt.js', import.meta.url), 'utf8');
  return template.replace('/*SECRETS*/{}', table);
}

/**
 * HAProxy 2.6, one thread, jwt_verify HS256. HAProxy 2.6's jwt_verify fails (-3) when the key comes
 * from a variable, so there is one jwt_verify line per credential with its secret written literally.
 */
export function haproxyConf({ port, upstreamPort, credentials, tls }) {
  const perCred = credentials.map((c) =>
    `  http-request set-var(txn.jwt_ok) var(txn.bearer),jwt_verify("HS256","${c.secret}") if { var(txn.iss) -m str ${c.key} }`,
  ).join('\n');
  return `global
  nbthread 1
  maxconn 4096
  log stderr format raw local0 err

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive

frontend gw
  bind 127.0.0.1:${port}${tls ? ` ssl crt ${tls.combinedFile} alpn h2,http/1.1 ssl-min-ver TLSv1.2` : ''}
  http-request set-var(txn.bearer) http_auth_bearer
  http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('$.alg')
  http-request deny deny_status 401 unless { var(txn.alg) -m str HS256 }
  http-request set-var(txn.iss) var(txn.bearer),jwt_payload_query('$.iss')
  http-request set-var(txn.exp) var(txn.bearer),jwt_payload_query('$.exp','int')
  http-request set-var(txn.now) date()
  http-request deny deny_status 401 unless { var(txn.exp),sub(txn.now) -m int gt 0 }
${perCred}
  http-request deny deny_status 401 unless { var(txn.jwt_ok) -m int 1 }
  default_backend up

backend up
  http-reuse always
  server up1 127.0.0.1:${upstreamPort}
`;
}
