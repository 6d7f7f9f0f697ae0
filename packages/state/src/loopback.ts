import net from 'node:net';

export { findFreePort } from '@squall/core';

/** One command in RESP, Redis's wire format (binary-safe, so any password). */
function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Whether the Redis server on `host:port` serves commands: AUTH (when a password is given), PING, QUIT, and true if
 * the reply holds PONG. False on a refused connection, an error reply (LOADING while it reads its data) or a timeout.
 */
export function redisServing(
  host: string,
  port: number,
  password: string | undefined,
  timeoutMs = 1000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.once('connect', () =>
      socket.write((password !== undefined ? resp('AUTH', password) : '') + resp('PING') + resp('QUIT')),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(/^\+PONG\r$/m.test(Buffer.concat(chunks).toString('utf8'))));
  });
}
