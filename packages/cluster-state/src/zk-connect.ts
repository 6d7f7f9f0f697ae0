import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, State, type Client } from 'node-zookeeper-client';
import type { Logger } from 'pino';
import { backoffDelay, sleep, type RetryOptions } from './backoff';
import { ClusterStateClosedError, ZooKeeperUnavailableError } from './errors';
import { canConnect } from './tcp';

/** What it takes to open a node-zookeeper-client connection. */
export interface ConnectSettings {
  connectString: string;
  sessionTimeoutMs: number;
  /** How long one connection attempt waits for the session to open. @default max(sessionTimeoutMs, 2000) */
  attemptTimeoutMs?: number;
  retry: RetryOptions;
  /** `addAuthInfo` arguments; the library re-sends them on every connection. */
  auth?: { scheme: string; credentials: Buffer };
  logger: Logger;
}

// node-zookeeper-client keeps reconnecting a client forever, even one that was closed while connecting, and offers
// no way to hold a reconnection; these private fields are the only handles on either.
interface ConnectionManagerInternals {
  connect(): void;
  socket?: Socket;
}

function internals(client: Client): ConnectionManagerInternals {
  return (client as unknown as { connectionManager: ConnectionManagerInternals }).connectionManager;
}

/** Creates a client and starts connecting; `extra` reaches the library's options (e.g. a session to resume). */
export function newClient(settings: ConnectSettings, extra: object = {}): Client {
  // The library retries requests itself only with retries > 0; ZkSession.run() does that with a deadline instead.
  const client = createClient(settings.connectString, {
    sessionTimeout: settings.sessionTimeoutMs,
    spinDelay: 250,
    retries: 0,
    ...extra,
  });
  if (settings.auth) client.addAuthInfo(settings.auth.scheme, settings.auth.credentials);
  client.connect();
  return client;
}

/** Resolves `true` once `client` connects, `false` on expiry or after `timeoutMs`. */
export function waitConnected(client: Client, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      client.removeListener('connected', onConnected);
      client.removeListener('expired', onFailed);
      resolve(ok);
    };
    const onConnected = (): void => done(true);
    const onFailed = (): void => done(false);
    const timer = setTimeout(onFailed, timeoutMs);
    client.once('connected', onConnected);
    client.once('expired', onFailed);
  });
}

/**
 * Closes a client for good. Gracefully (close-session request, wait for the server to hang up) when it is connected
 * and `graceful`, so its ephemeral nodes vanish now rather than after the session timeout.
 */
export async function destroyClient(client: Client, graceful: boolean): Promise<void> {
  const manager = internals(client);
  manager.connect = () => undefined;
  if (graceful && client.getState() === State.SYNC_CONNECTED) {
    const hungUp = new Promise<void>((resolve) => client.once('disconnected', resolve));
    client.close();
    await Promise.race([hungUp, delay(2000, undefined, { ref: false })]);
  } else {
    try {
      client.close();
    } catch {
      // Closing a client that never had a socket throws inside the library; there is nothing to close then.
    }
  }
  manager.socket?.destroy();
}

/**
 * Connects a new client, retrying with capped exponential back-off and one log line per failed attempt, until
 * `timeoutMs` (`undefined`: forever). Throws {@link ZooKeeperUnavailableError} at the deadline and
 * {@link ClusterStateClosedError} when `signal` aborts.
 */
export async function connectWithRetry(
  settings: ConnectSettings,
  timeoutMs: number | undefined,
  signal: AbortSignal,
): Promise<Client> {
  const { connectString, sessionTimeoutMs, retry, logger } = settings;
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  const servers = parseServers(connectString);
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new ClusterStateClosedError();
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new ZooKeeperUnavailableError(
        `ZooKeeper at ${connectString} was unreachable for ${timeoutMs} ms (${attempt - 1} attempts)`,
      );
    }
    // A TCP probe first: a client connecting to a dead address would retry on its own, forever, in the background.
    const probes = await Promise.all(servers.map(([host, port]) => canConnect(host, port, Math.min(2000, remaining))));
    if (probes.some(Boolean)) {
      const client = newClient(settings);
      if (
        await waitConnected(client, Math.min(settings.attemptTimeoutMs ?? Math.max(sessionTimeoutMs, 2000), remaining))
      ) {
        if (attempt > 1) logger.info(`connected to ZooKeeper at ${connectString} after ${attempt} attempts`);
        return client;
      }
      await destroyClient(client, false);
    }
    const wait = Math.min(backoffDelay(attempt, retry), Math.max(0, deadline - Date.now()));
    logger.warn(
      { attempt, retryInMs: wait },
      `waiting for ZooKeeper at ${connectString} (attempt ${attempt}), retrying in ${(wait / 1000).toFixed(1)}s`,
    );
    try {
      await sleep(wait, signal);
    } catch {
      throw new ClusterStateClosedError();
    }
  }
}

/**
 * Takes `client`'s session over from a second connection and closes it there, which ends the session exactly as an
 * expiry does; `client` learns of it when it reconnects. The server moves the session to the twin and drops
 * `client`'s connection: `client` must not reconnect before the twin has closed, or it would win the session back.
 */
export async function hijackSession(settings: ConnectSettings, client: Client): Promise<void> {
  const manager = internals(client);
  const connect = manager.connect;
  let reconnectHeld = false;
  manager.connect = () => {
    reconnectHeld = true;
  };
  try {
    const twin = newClient(settings, {
      sessionId: client.getSessionId(),
      sessionPassword: client.getSessionPassword(),
    });
    await destroyClient(twin, await waitConnected(twin, 5000));
  } finally {
    manager.connect = connect;
    if (reconnectHeld) manager.connect();
  }
}

/** `host:port` pairs of a connect string (`h1:2181,h2:2181/chroot`); the port defaults to 2181. */
export function parseServers(connectString: string): Array<[string, number]> {
  const hosts = connectString.split('/')[0] ?? '';
  return hosts
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((server) => {
      const colon = server.lastIndexOf(':');
      if (colon < 0) return [server, 2181];
      return [server.slice(0, colon).replace(/^\[|\]$/g, ''), Number(server.slice(colon + 1)) || 2181];
    });
}
