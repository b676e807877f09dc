import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisConfig } from '../../model/rate-limiting-config.js';
import { closeRedisSyncers } from './redis-sync.js';

/**
 * One round trip per request for every configured period: INCR each key, give a new key its TTL
 * (the period's length, as Kong's redis policy does), and return the counts BEFORE this request.
 * Atomic on the server, so gateways sharing the Redis never lose an increment.
 */
const INCREMENT_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('EXPIRE', KEYS[i], ARGV[i]) end
  out[i] = n - 1
end
return out
`;

/**
 * sync_rate > 0 (redis-sync.ts): add each key's local delta (ARGV[i], may be 0 to only read), give
 * a key without a TTL the period's length (ARGV[#KEYS + i]), and return the shared totals AFTER it.
 */
const ADD_SCRIPT = `
local n = #KEYS
local out = {}
for i = 1, n do
  local v = redis.call('INCRBY', KEYS[i], ARGV[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[n + i]) end
  out[i] = v
end
return out
`;

/** Where state changes go (the proxy's logger, set by proxy/server.ts): once per change, never per request. */
export interface StoreLog {
  error(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
}

let log: StoreLog = {
  error: (fields, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', ...fields, msg })}\n`),
  info: () => {},
};

export function setRateLimitStoreLog(l: StoreLog): void {
  log = l;
}

/** A client unused this long is closed; the next request opens it again. */
const IDLE_CLOSE_MS = 5 * 60_000;

type IncrementClient = Redis & {
  portcullisRateIncrement(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
  portcullisRateAdd(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
};

/**
 * One Redis connection per distinct connection config (host, port, database, user, password, TLS),
 * shared by every plugin instance and snapshot that names it. Requests never wait beyond `timeout`:
 * the first connect queues them for at most that long; once a connection was lost (or the first
 * one failed), requests fail at once until ioredis reconnects (fault_tolerant decides what follows).
 */
export class RedisCounterStore {
  #client: IncrementClient | undefined;
  #firstConnect = false;
  #healthy = true;
  #lastUse = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly config: RedisConfig) {}

  /** Where, for logs (never the password). */
  get where(): Record<string, unknown> {
    return { redis: `${this.config.host}:${this.config.port}`, database: this.config.database };
  }

  increment(keys: readonly string[], ttls: readonly number[]): Promise<number[]> {
    return this.#run((client) => client.portcullisRateIncrement(keys.length, ...keys, ...ttls));
  }

  /** Adds `deltas` to `keys` (sync_rate > 0) and returns the shared totals after the addition. */
  add(keys: readonly string[], deltas: readonly number[], ttls: readonly number[]): Promise<number[]> {
    return this.#run((client) => client.portcullisRateAdd(keys.length, ...keys, ...deltas, ...ttls));
  }

  async #run(call: (client: IncrementClient) => Promise<number[]>): Promise<number[]> {
    this.#lastUse = Date.now();
    const client = this.#client ?? this.#open();
    if (client.status !== 'ready' && !this.#firstConnect) throw new Error(`Redis connection is ${client.status}`);
    try {
      const out = await call(client);
      if (!this.#healthy) {
        this.#healthy = true;
        log.info(this.where, 'rate-limiting: Redis reachable again, limits enforced');
      }
      return out;
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /** Logged once per outage. */
  failed(err: unknown): void {
    if (!this.#healthy) return;
    this.#healthy = false;
    log.error({ ...this.where, err: err instanceof Error ? err.message : String(err) }, 'rate-limiting: Redis unreachable; fault_tolerant plugins proxy without limits, the others answer 500, until it is back');
  }

  #open(): IncrementClient {
    const c = this.config;
    const client = new Redis({
      host: c.host!,
      port: c.port,
      db: c.database,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined && c.password !== '' ? { password: c.password } : {}),
      connectTimeout: Math.max(1, c.timeout),
      commandTimeout: Math.max(1, c.timeout),
      maxRetriesPerRequest: 0,
      enableOfflineQueue: true,
      // Reconnect quickly, then at most every 2 s: requests in between fail at once.
      retryStrategy: (times: number) => Math.min(times * 100, 2000),
      lazyConnect: true,
      ...(c.ssl ? { tls: { rejectUnauthorized: c.sslVerify, servername: c.serverName ?? c.host! } } : {}),
    }) as IncrementClient;
    client.defineCommand('portcullisRateIncrement', { lua: INCREMENT_SCRIPT });
    client.defineCommand('portcullisRateAdd', { lua: ADD_SCRIPT });
    // Until the first connect ends, requests queue (bounded by commandTimeout); afterwards only a ready client is used.
    this.#firstConnect = true;
    client.on('ready', () => (this.#firstConnect = false));
    client.on('error', (err: Error) => {
      this.#firstConnect = false;
      this.failed(err);
    });
    client.on('end', () => (this.#firstConnect = false));
    client.connect().catch(() => {});
    this.#client = client;
    this.#timer ??= setInterval(() => this.#closeIfIdle(), IDLE_CLOSE_MS).unref();
    return client;
  }

  #closeIfIdle(): void {
    if (this.#client === undefined || Date.now() - this.#lastUse < IDLE_CLOSE_MS) return;
    this.#client.disconnect();
    this.#client = undefined;
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#client?.disconnect();
    this.#client = undefined;
  }
}

const stores = new Map<string, RedisCounterStore>();

/** The shared store for a connection config (the password enters the map key only as a hash). */
export function redisStore(config: RedisConfig): RedisCounterStore {
  const { password, ...rest } = config;
  const key = JSON.stringify({ ...rest, pw: password === undefined ? '' : createHash('sha256').update(password).digest('hex') });
  let s = stores.get(key);
  if (s === undefined) {
    s = new RedisCounterStore(config);
    stores.set(key, s);
  }
  return s;
}

/** Closes every Redis connection (the proxy's shutdown, after the drain): nothing keeps the process alive. */
export function closeRedisStores(): void {
  closeRedisSyncers();
  for (const s of stores.values()) s.close();
  stores.clear();
}
