import { EventEmitter } from 'node:events';
import type { Client } from 'node-zookeeper-client';
import { startConnectionWatchdog } from './connection-watchdog';
import { ClusterStateClosedError, ZooKeeperUnavailableError } from './errors';
import { connectWithRetry, destroyClient, hijackSession, type ConnectSettings } from './zk-connect';
import { isConnectionError } from './zk-ops';

/** Settings of a {@link ZkSession}, defaults already applied. */
export interface SessionSettings extends ConnectSettings {
  /** Deadline for the first connection; `undefined` waits forever. */
  connectTimeoutMs: number | undefined;
  /** How long an operation may wait for a usable connection and its answer. */
  operationTimeoutMs: number;
}

/** Connection events, in the order they occur: see `ClusterStateEvents`. */
export interface SessionEvents {
  disconnected: [];
  connected: [];
  expired: [];
  reconnected: [{ newSession: boolean }];
}

/** Run after a new session replaces an expired one, before `reconnected`: re-create ephemerals, re-arm watches. */
export type SessionHook = () => Promise<void>;

interface InFlight {
  client: Client;
  fail(error: unknown): void;
}

/** Marks an operation whose client was replaced; `run()` sends it again on the new session. */
class SessionReplaced extends Error {}

/**
 * One logical ZooKeeper session that outlives the client library's sessions. node-zookeeper-client reconnects after
 * a connection loss but never after an expiry, and queues requests forever while disconnected; this class opens a new
 * client when the session expires, runs the {@link SessionHook}s that restore what the old session owned, and gives
 * every operation a deadline and a transparent retry on connection loss.
 */
export class ZkSession extends EventEmitter<SessionEvents> {
  private client: Client | null = null;
  private connected = false;
  private closed = false;
  private generation = 0;
  private readonly hooks = new Set<SessionHook>();
  private readonly inFlight = new Set<InFlight>();
  private readonly waiters = new Set<() => void>();
  private readonly stopping = new AbortController();
  private stopWatchdog: () => void = () => undefined;

  private constructor(private readonly settings: SessionSettings) {
    super();
  }

  /** Connects (retrying with back-off until `connectTimeoutMs`) and resolves with a connected session. */
  static async open(settings: SessionSettings): Promise<ZkSession> {
    const session = new ZkSession(settings);
    session.adopt(await connectWithRetry(settings, settings.connectTimeoutMs, session.stopping.signal));
    session.stopWatchdog = startConnectionWatchdog(() => session.client, settings.logger);
    return session;
  }

  /** Whether a connection is up right now. */
  isConnected(): boolean {
    return this.connected && !this.closed;
  }

  /** The current session id as hex, for logs; `undefined` while none is established. */
  get sessionId(): string | undefined {
    return this.client?.getSessionId().toString('hex');
  }

  /** Registers a hook for new sessions; returns its removal. */
  onNewSession(hook: SessionHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /**
   * Runs `op` with the current client once connected. Connection losses and session replacement re-run it (all of
   * Squall's writes are conditional or idempotent, so a repeat is safe); other errors are the caller's. Rejects with
   * {@link ZooKeeperUnavailableError} after `operationTimeoutMs`, {@link ClusterStateClosedError} after `close()`.
   */
  async run<T>(op: (client: Client) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.settings.operationTimeoutMs;
    for (;;) {
      const client = await this.waitForConnection(deadline);
      try {
        return await this.track(client, op(client), deadline);
      } catch (error) {
        if (!(error instanceof SessionReplaced) && !isConnectionError(error)) throw error;
        if (Date.now() >= deadline) throw this.unavailable(error);
      }
    }
  }

  /** Closes the session (its ephemeral nodes disappear at once) and fails waiting operations. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.stopping.abort();
    this.stopWatchdog();
    for (const wake of this.waiters) wake();
    for (const entry of this.inFlight) entry.fail(new ClusterStateClosedError());
    const client = this.client;
    this.client = null;
    if (client) await destroyClient(client, true);
  }

  /**
   * Ends the current session from a second connection, exactly as the server would on expiry, and resolves once this
   * session has noticed. For chaos tests; the recovery that follows is the real one.
   */
  async simulateExpiry(): Promise<void> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const client = await this.waitForConnection(Date.now() + this.settings.operationTimeoutMs);
      let onExpired = (): void => undefined;
      const expired = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.max(2000, this.settings.sessionTimeoutMs));
        onExpired = () => {
          clearTimeout(timer);
          resolve(true);
        };
        this.once('expired', onExpired);
      });
      await hijackSession(this.settings, client);
      const ok = await expired;
      this.removeListener('expired', onExpired);
      if (ok) return;
    }
    throw new ZooKeeperUnavailableError('could not expire the session');
  }

  private unavailable(cause?: unknown): ZooKeeperUnavailableError {
    return new ZooKeeperUnavailableError(
      `ZooKeeper at ${this.settings.connectString} did not answer within ${this.settings.operationTimeoutMs} ms`,
      { cause },
    );
  }

  private waitForConnection(deadline: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.closed) reject(new ClusterStateClosedError());
        else if (this.connected && this.client) resolve(this.client);
        else if (Date.now() >= deadline) reject(this.unavailable());
        else return false;
        return true;
      };
      if (check()) return;
      const wake = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      const timer = setTimeout(wake, deadline - Date.now() + 1);
      this.waiters.add(wake);
    });
  }

  private track<T>(client: Client, op: Promise<T>, deadline: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // A request sent just before a network partition gets no answer and no error from the library.
      const timer = setTimeout(() => entry.fail(this.unavailable()), Math.max(0, deadline - Date.now()));
      const entry: InFlight = {
        client,
        fail: (error) => {
          clearTimeout(timer);
          this.inFlight.delete(entry);
          reject(error);
        },
      };
      this.inFlight.add(entry);
      op.then(
        (value) => {
          clearTimeout(timer);
          this.inFlight.delete(entry);
          resolve(value);
        },
        (error: unknown) => entry.fail(error),
      );
    });
  }

  private adopt(client: Client): void {
    this.client = client;
    this.connected = true;
    client.on('connected', () => {
      if (this.client !== client || this.closed || this.connected) return;
      this.connected = true;
      this.settings.logger.info({ sessionId: this.sessionId }, 'reconnected to ZooKeeper; session kept');
      this.wakeWaiters();
      this.emit('connected');
      this.emit('reconnected', { newSession: false });
    });
    client.on('disconnected', () => {
      if (this.client !== client || this.closed || !this.connected) return;
      this.connected = false;
      this.settings.logger.warn(`lost connection to ZooKeeper at ${this.settings.connectString}; reconnecting`);
      this.emit('disconnected');
    });
    client.on('expired', () => {
      if (this.client !== client || this.closed) return;
      void this.replaceExpired(client);
    });
    client.on('authenticationFailed', () => {
      this.settings.logger.error('ZooKeeper rejected the auth credentials');
    });
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private async replaceExpired(expired: Client): Promise<void> {
    const generation = ++this.generation;
    const { logger } = this.settings;
    this.connected = false;
    this.client = null;
    logger.warn({ sessionId: expired.getSessionId().toString('hex') }, 'ZooKeeper session expired; opening a new one');
    this.emit('expired');
    for (const entry of [...this.inFlight]) {
      if (entry.client === expired) entry.fail(new SessionReplaced());
    }
    await destroyClient(expired, false);
    let client: Client;
    try {
      client = await connectWithRetry(this.settings, undefined, this.stopping.signal);
    } catch (error) {
      if (!this.closed) logger.error({ err: error }, 'could not open a new ZooKeeper session');
      return;
    }
    if (this.closed) return destroyClient(client, true);
    this.adopt(client);
    this.emit('connected');
    for (const hook of this.hooks) {
      if (this.closed || generation !== this.generation) return;
      try {
        await hook();
      } catch (error) {
        if (!this.closed) logger.error({ err: error }, 'restoring state after session expiry failed');
      }
    }
    if (this.closed || generation !== this.generation) return;
    logger.info({ sessionId: this.sessionId }, 'new ZooKeeper session ready');
    this.emit('reconnected', { newSession: true });
  }
}
