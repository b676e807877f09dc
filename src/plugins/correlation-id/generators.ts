import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { CorrelationGenerator } from '../../model/correlation-id-config.js';

/**
 * Kong's correlation-id generators (docs/correlation-id.md#generators):
 * - uuid: a random v4 UUID per request;
 * - uuid#counter: one UUID per process (Kong: per worker), then "#" and a counter from 1;
 * - tracker: server address-server port-pid-connection serial-requests on the connection-seconds
 *   since the epoch with 3 decimals, as nginx's variables spell them.
 */
export type IdGenerator = (socket: Socket) => string;

const processUuid = randomUUID();
let counter = 0;

/** nginx's $connection and $connection_requests, kept per socket only when a tracker is configured. */
const connections = new WeakMap<Socket, { serial: number; requests: number }>();
let connectionSerial = 0;

function tracker(socket: Socket): string {
  let c = connections.get(socket);
  if (c === undefined) {
    c = { serial: ++connectionSerial, requests: 0 };
    connections.set(socket, c);
  }
  c.requests++;
  const addr = socket.localAddress ?? '';
  const local = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
  return `${local}-${socket.localPort ?? 0}-${process.pid}-${c.serial}-${c.requests}-${(Date.now() / 1000).toFixed(3)}`;
}

export const GENERATORS: Readonly<Record<CorrelationGenerator, IdGenerator>> = {
  uuid: () => randomUUID(),
  'uuid#counter': () => {
    counter = counter === Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
    return `${processUuid}#${counter}`;
  },
  tracker,
};
