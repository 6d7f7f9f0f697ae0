import { randomUUID } from 'node:crypto';
import { after, afterEach, before } from 'node:test';
import type { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import {
  ZkClusterState,
  ZooKeeperServer,
  type ClusterStateOptions,
  type SnapshotListener,
  type Versioned,
} from '../src';

/** Silent unless SQUALL_TEST_LOG=debug|info... is set, so failures can be replayed with logs. */
export function testLogger(): Logger {
  return pino({ level: process.env.SQUALL_TEST_LOG ?? 'silent' });
}

/** A logger that also keeps every line's `msg`, to assert on what the user would read. */
export function capturingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void messages.push(JSON.parse(line).msg as string) },
  );
  return { logger, messages };
}

export function startZooKeeper(): Promise<ZooKeeperServer> {
  return ZooKeeperServer.start({ logger: testLogger() });
}

/** A fresh root per test, so tests sharing one server never see each other's nodes. */
export function uniqueRoot(): string {
  return `/test-${randomUUID().slice(0, 8)}`;
}

/** Short timeouts: tests exercise recovery paths and must not wait Storm's production defaults. */
export function connect(
  server: { connectString: string },
  options: Partial<ClusterStateOptions> = {},
): Promise<ZkClusterState> {
  return ZkClusterState.create({
    connectString: server.connectString,
    sessionTimeoutMs: 4000,
    operationTimeoutMs: 15_000,
    retry: { initialDelayMs: 100, maxDelayMs: 500 },
    logger: testLogger(),
    ...options,
  });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(25);
  }
}

/**
 * Resolves with the arguments of the next `event` (that satisfies `accept`, if given), or rejects after `timeoutMs`.
 */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  accept: (...args: A) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (...args: unknown[]): void => {
      if (!accept(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve(args as A);
    };
    emitter.on(event, onEvent);
  });
}

/** Records watch deliveries and waits for one that satisfies a predicate. */
export class SnapshotRecorder<T> {
  readonly snapshots: Array<ReadonlyMap<string, Versioned<T>>> = [];
  readonly listener: SnapshotListener<T> = (snapshot) => void this.snapshots.push(snapshot);

  get latest(): ReadonlyMap<string, Versioned<T>> | undefined {
    return this.snapshots.at(-1);
  }

  /** Waits for a snapshot delivered after the `since`-th one that satisfies `predicate`. */
  async until(
    predicate: (snapshot: ReadonlyMap<string, Versioned<T>>) => boolean,
    what: string,
    since = 0,
  ): Promise<ReadonlyMap<string, Versioned<T>>> {
    return waitFor(() => this.snapshots.slice(since).find(predicate), what);
  }
}

/**
 * Registers suite hooks: one ZooKeeper for the suite (stopped after it), and every state opened through `open`
 * shut down after each test, even a failing one.
 */
export function zooKeeperSuite(): {
  server: () => ZooKeeperServer;
  open: (root: string, options?: Partial<ClusterStateOptions>) => Promise<ZkClusterState>;
} {
  let server: ZooKeeperServer | undefined;
  const opened: ZkClusterState[] = [];
  before(async () => {
    server = await startZooKeeper();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((state) => state.shutdown()));
  });
  after(async () => {
    await server?.shutdown();
  });
  return {
    server: () => server!,
    open: async (root, options = {}) => {
      const state = await connect(server!, { root, ...options });
      opened.push(state);
      return state;
    },
  };
}
