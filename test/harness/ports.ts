import { createServer } from 'node:net';

/** Asks the OS for a free loopback TCP port. The port is released before returning, so a rare race
 * with another process is possible; callers that start servers should surface bind errors clearly. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: unexpected server address'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
