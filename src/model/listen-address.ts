import { UsageError } from './usage-error.js';

/** "host:port", "[::1]:8001" or ":8000" → { host, port }. */
export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListenAddress(value: string, flag: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new UsageError(`${flag}: expected host:port (e.g. 0.0.0.0:8000), got '${value}'`);
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}
