import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { importJWK, SignJWT, type JWK } from 'jose';
import { TestPki } from './upstream-pki.js';

/** What the provider does when asked for its JWKS (discovery always answers unless `down`). */
export type ProviderMode = 'ok' | 'down' | 'garbage' | 'slow' | 'huge' | 'error500';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'PS256' | 'EdDSA';
  privateJwk: JWK;
  publicJwk: JWK;
}

/** A key pair for `alg`, exported as JWKs (the public one carries kid, alg, use). */
export function signingKey(alg: SigningKey['alg'], kid: string = randomUUID()): SigningKey {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  if (alg === 'ES256') ({ privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  else if (alg === 'EdDSA') ({ privateKey, publicKey } = generateKeyPairSync('ed25519'));
  else ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
  return {
    kid,
    alg,
    privateJwk: privateKey.export({ format: 'jwk' }) as JWK,
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' },
  };
}

/** A token signed by jose (an implementation independent of the gateway's). */
export async function signToken(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const priv = await importJWK(key.privateJwk, key.alg);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(priv);
}

/**
 * A real JWKS / OIDC provider for tests: https with a CA the test made (or plain http), serving
 * /.well-known/openid-configuration and /jwks. Its keys rotate, it can go down, answer garbage,
 * answer slowly or too much; it counts every request it receives.
 */
export class JwksProvider {
  keys: SigningKey[] = [];
  mode: ProviderMode = 'ok';
  cacheControl: string | undefined = undefined;
  /** Expires on the JWKS answer: seconds after its Date header (both set from one clock reading), or a raw header value. */
  expires: number | string | undefined = undefined;
  /** Requests received, by path. */
  readonly hits = new Map<string, number>();
  issuer = '';
  caPem = '';

  private constructor(
    private readonly server: http.Server,
    private readonly pki: TestPki | undefined,
  ) {}

  static async start(opts: { tls?: boolean } = {}): Promise<JwksProvider> {
    const tls = opts.tls ?? true;
    let pki: TestPki | undefined;
    let provider!: JwksProvider;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => provider.handle(req, res);
    let server: http.Server;
    let ca = '';
    if (tls) {
      pki = await TestPki.create();
      ca = (await pki.root('jwks-ca')).cert;
      const leaf = await pki.issue('jwks-server', 'jwks-ca', { sans: ['IP:127.0.0.1', 'DNS:localhost'] });
      server = https.createServer({ cert: leaf.cert, key: leaf.key }, handler);
    } else server = http.createServer(handler);
    provider = new JwksProvider(server, pki);
    provider.caPem = ca;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    provider.issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return provider;
  }

  get jwksUrl(): string {
    return `${this.issuer}/jwks`;
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  resetCounts(): void {
    this.hits.clear();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    if (this.mode === 'down') return void req.socket.destroy();
    if (path === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: this.jwksUrl }));
    }
    if (path !== '/jwks') {
      res.statusCode = 404;
      return void res.end();
    }
    switch (this.mode) {
      case 'error500':
        res.statusCode = 500;
        return void res.end('oops');
      case 'garbage':
        res.setHeader('content-type', 'application/json');
        return void res.end('<html>not a jwks</html>');
      case 'slow':
        return void setTimeout(() => res.destroyed || res.end(this.body()), 3_000);
      case 'huge':
        res.setHeader('content-type', 'application/json');
        return void res.end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk), padding: 'x'.repeat(2_000_000) }));
      default:
        res.setHeader('content-type', 'application/json');
        if (this.cacheControl !== undefined) res.setHeader('cache-control', this.cacheControl);
        if (typeof this.expires === 'string') res.setHeader('expires', this.expires);
        else if (this.expires !== undefined) {
          const now = Date.now();
          res.setHeader('date', new Date(now).toUTCString());
          res.setHeader('expires', new Date(now + this.expires * 1000).toUTCString());
        }
        return void res.end(this.body());
    }
  }

  private body(): string {
    return JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.pki?.remove();
  }
}
