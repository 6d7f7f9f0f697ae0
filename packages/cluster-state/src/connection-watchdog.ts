import type { Socket } from 'node:net';
import type { Client } from 'node-zookeeper-client';
import type { Logger } from 'pino';

// node-zookeeper-client has no read timeout. A connection that goes silent hangs it forever: a handshake the server
// never answers (seen when connecting while a restarted server is still starting), or a half-open TCP connection
// after a network partition (pings go out, nothing comes back, and the library never notices). This watchdog does
// what the Java client's read timeout does: it closes a silent socket, and the library then reconnects.

interface ManagerView {
  state: number;
  socket?: Socket;
}

// ConnectionManager.STATES in node-zookeeper-client.
const CONNECTING = 1;
const CONNECTED = 2;

/**
 * Longest wait for the answer to a handshake. Far above a healthy server's answer time even across a WAN; a stuck
 * handshake only costs a retry, and waiting the Java client's full session timeout would stall recovery.
 */
export const HANDSHAKE_TIMEOUT_MS = 3000;

/**
 * Watches the current client's socket and destroys it when it has read nothing for 2/3 of the negotiated session
 * timeout while connected (the library pings every third, so that is two unanswered pings: the Java client's read
 * timeout), or for {@link HANDSHAKE_TIMEOUT_MS} while its handshake is unanswered. Returns the function that stops it.
 */
export function startConnectionWatchdog(currentClient: () => Client | null, logger: Logger): () => void {
  let watched: Socket | undefined;
  let lastBytesRead = -1;
  let lastProgressAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const check = (): void => {
    const client = currentClient();
    const manager = client && (client as unknown as { connectionManager: ManagerView }).connectionManager;
    const socket = manager?.socket;
    if (!client || !manager || !socket || socket.destroyed || socket.connecting) {
      watched = undefined;
      return;
    }
    const now = Date.now();
    if (socket !== watched || socket.bytesRead !== lastBytesRead) {
      watched = socket;
      lastBytesRead = socket.bytesRead;
      lastProgressAt = now;
      return;
    }
    const silentMs = now - lastProgressAt;
    const readTimeoutMs = (client.getSessionTimeout() * 2) / 3;
    const stuckHandshake = manager.state === CONNECTING && silentMs > Math.min(HANDSHAKE_TIMEOUT_MS, readTimeoutMs);
    const silentConnection = manager.state === CONNECTED && silentMs > readTimeoutMs;
    if (!stuckHandshake && !silentConnection) return;
    logger.warn(
      { silentMs },
      stuckHandshake
        ? 'ZooKeeper did not answer the handshake; reconnecting'
        : 'ZooKeeper connection went silent; reconnecting',
    );
    watched = undefined;
    socket.destroy();
  };

  const schedule = (): void => {
    if (stopped) return;
    const sessionTimeout = currentClient()?.getSessionTimeout() ?? 3000;
    timer = setTimeout(
      () => {
        check();
        schedule();
      },
      Math.max(100, Math.min(1000, Math.floor(sessionTimeout / 6))),
    );
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
