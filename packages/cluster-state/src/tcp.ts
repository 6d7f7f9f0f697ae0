import net from 'node:net';

export { findFreePort } from '@squall/core';

/**
 * Sends one of ZooKeeper's four-letter-word commands (`ruok`, `srvr`, `stat`, `mntr`...) and resolves with the full
 * reply (the server closes the connection after answering). Rejects on connection failure or after `timeoutMs`.
 * The server must whitelist the command (`4lw.commands.whitelist`).
 * @default timeoutMs 2000
 */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${word} to ${host}:${port} timed out`)));
    socket.once('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Resolves `true` if a TCP connection to `host:port` opens within `timeoutMs`, `false` otherwise; never rejects. */
export function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
