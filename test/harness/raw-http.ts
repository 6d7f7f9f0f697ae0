import { connect } from 'node:net';

/**
 * Sends `request` (raw bytes, so malformed on purpose if need be) on a fresh TCP connection to 127.0.0.1:`port` and
 * resolves with everything the server sends back until it closes the connection, or `waitMs` after the last byte
 * written: enough for a keep-alive answer. Rejects only if the connection fails before any answer.
 */
export function rawHttp(
  port: number,
  request: string | Buffer,
  { waitMs = 3000, endAfterWrite = false } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks).toString('latin1'));
    const timer = setTimeout(() => {
      socket.destroy();
      done();
    }, waitMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => (chunks.length > 0 ? undefined : reject(err)));
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    socket.write(request, () => {
      if (endAfterWrite) socket.end();
    });
  });
}

/** The status code of a raw HTTP answer (0 when there is none). */
export function rawStatus(answer: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
}
