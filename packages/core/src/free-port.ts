import net from 'node:net';

/**
 * Returns a TCP port that was free on `host` a moment ago, by binding port 0 and closing. Another process can take
 * it before the caller binds, so callers that start servers on it should retry on "address in use".
 * @default host `127.0.0.1`
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error(`could not read the port bound on ${host}`))));
    });
  });
}
