import type { RedisStateOptions } from '@squall/api';
import { silentLogger, type Logger } from '@squall/core';
import { Redis } from 'ioredis';
import type { LoadedState, StateBackend, StateProvider } from './backend';
import { RedisStateError } from './errors';
import { COMMIT_SCRIPT, LOAD_SCRIPT, TOMBSTONE } from './redis-scripts';

/** Options of {@link RedisStateProvider} besides the connection settings. */
export interface RedisStateProviderOptions {
  /** Receives connection losses and recoveries (one warning per outage, never the password). @default silent */
  logger?: Logger;
}

/** The scripts defined on the client with `defineCommand` (run by EVALSHA, falling back to EVAL). */
interface StateScripts {
  squallStateLoadBuffer(
    committed: string,
    prepare: string,
    txid: string,
  ): Promise<[Buffer[], Buffer | null, Buffer | null, Buffer[]]>;
  squallStateCommit(committed: string, prepare: string, txid: string, commitTxid: string): Promise<number>;
}

/** Fields per HSET while writing prepared changes, so one command stays a bounded size. */
const HSET_CHUNK = 1000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const RESERVED_SUFFIXES = ['$prepare', '$txid'];

/**
 * The Redis provider (Storm's `RedisKeyValueStateProvider`): state kept in a Redis server, so it survives the worker.
 * One client (one TCP connection) is shared by every backend it opens; it connects on first use and reconnects by
 * itself after a loss. Every call rejects with a {@link RedisStateError} naming the address and the namespace, and
 * never hangs: when there is no connection within `timeoutMs` (Redis down or unreachable: the call is not sent, and
 * never sent later), when the password is refused (at once), when Redis does not reply within `timeoutMs`, and after
 * {@link close}. A call that was sent and then timed out or lost its connection may still have been applied:
 * `commit` is idempotent and `prepare` replaces, so retrying is always safe.
 *
 * Layout of namespace N with key prefix P (the key and field names of Storm's `RedisKeyValueState`): hash `P N`
 * holds the committed entries (field = the key's JSON, value = the value's JSON); hash `P N$prepare` the prepared
 * changes, a delete stored as the single byte 0xFF; hash `P N$txid` the txids in fields `commit` and `prepare`
 * (decimal). A namespace may not end in `$prepare` or `$txid`, so no two namespaces share a key. Unlike Storm, keys
 * and values are JSON text rather than base64 of Java-serialized bytes (so a Storm topology's Redis data is not read
 * back by Squall, nor the reverse), and a rollback removes the `prepare` txid instead of setting it to the committed one.
 *
 * Each commit and each load is one Lua script, and Redis runs nothing else meanwhile: a checkpoint of very many
 * changes (hundreds of thousands of keys) pauses that Redis for as long as it takes to apply them.
 */
export class RedisStateProvider implements StateProvider {
  readonly name = 'redis';
  /** `host:port db N`, as errors name it. */
  readonly address: string;
  private readonly client: Redis;
  private readonly logger: Logger;
  private closed = false;
  private outage = false;
  /** The last connection error's message (never the error object: it can hold the AUTH command's arguments). */
  private lastError: string | undefined;
  /** Calls waiting for a connection. */
  private readonly waiters = new Set<{ resolve: () => void; reject: (err: Error) => void }>();

  constructor(
    private readonly options: RedisStateOptions,
    providerOptions: RedisStateProviderOptions = {},
  ) {
    this.address = `${options.host}:${options.port} db ${options.database}`;
    this.logger = (providerOptions.logger ?? silentLogger()).child({ component: 'state-redis' });
    this.client = new Redis({
      host: options.host,
      port: options.port,
      password: options.password,
      db: options.database,
      connectTimeout: options.timeoutMs,
      commandTimeout: options.timeoutMs,
      lazyConnect: true,
      // Reconnect for as long as the provider is open, backing off to one attempt a second.
      retryStrategy: (times) => Math.min(times * 100, 1000),
      // No queue of calls made while disconnected (they wait for a connection here, up to timeoutMs, and are dropped
      // on failure), and no resending of calls in flight when a connection drops: a call that failed is not sent later.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: null,
      connectionName: 'squall-state',
    });
    this.client.defineCommand('squallStateLoad', { numberOfKeys: 3, lua: LOAD_SCRIPT });
    this.client.defineCommand('squallStateCommit', { numberOfKeys: 3, lua: COMMIT_SCRIPT });
    // Without a listener an 'error' event would crash the process; the client retries by itself, so one warning per
    // outage is enough. Only the message is kept and logged.
    this.client.on('error', (err: Error) => {
      this.lastError = err.message;
      if (isAuthError(err.message)) for (const w of [...this.waiters]) w.reject(new Error(err.message));
      if (this.outage || this.closed) return;
      this.outage = true;
      this.logger.warn({ address: this.address, error: err.message }, 'Redis state store unreachable; reconnecting');
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
      for (const w of [...this.waiters]) w.resolve();
      if (!this.outage) return;
      this.outage = false;
      this.logger.info({ address: this.address }, 'Redis state store reachable again');
    });
    this.client.on('end', () => {
      for (const w of [...this.waiters]) w.reject(new Error('Connection is closed.'));
    });
  }

  /** The backend of `namespace`; throws a {@link RedisStateError} for a namespace that could share keys with another. */
  async open(namespace: string): Promise<StateBackend> {
    if (this.closed)
      throw new RedisStateError(
        `Redis state store at ${this.address}: provider is closed (namespace ${JSON.stringify(namespace)})`,
      );
    if (namespace === '' || LONE_SURROGATE.test(namespace) || RESERVED_SUFFIXES.some((s) => namespace.endsWith(s)))
      throw new RedisStateError(
        `Redis state store at ${this.address}: invalid namespace ${JSON.stringify(namespace)} (must be non-empty, valid Unicode, and not end in ${RESERVED_SUFFIXES.join(' or ')})`,
      );
    const connection: Connection = {
      client: this.client as Redis & StateScripts,
      address: this.address,
      timeoutMs: this.options.timeoutMs,
      ready: () => this.ready(),
    };
    return new RedisBackend(connection, this.options.keyPrefix + namespace, namespace);
  }

  /** Closes the connection (QUIT, or a plain disconnect when Redis does not answer within `timeoutMs`). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters]) w.reject(new Error('provider is closed'));
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // Fall through: the connection is going away either way.
      }
    }
    this.client.disconnect();
  }

  /** Resolves once connected (connecting on first use); rejects after `timeoutMs`, at once on a refused password. */
  private ready(): Promise<void> {
    const client = this.client;
    if (client.status === 'ready') return Promise.resolve();
    if (this.closed || client.status === 'end') return Promise.reject(new Error('provider is closed'));
    if (client.status === 'wait') client.connect().catch(() => {}); // failures arrive as 'error' events, then retries
    const timeoutMs = this.options.timeoutMs;
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (err: Error) => {
          done();
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`not connected within ${timeoutMs} ms${this.lastError ? ` (last error: ${this.lastError})` : ''}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }
}

/** What every backend of one provider shares. */
interface Connection {
  readonly client: Redis & StateScripts;
  readonly address: string;
  readonly timeoutMs: number;
  /** Resolves once the client is connected; see {@link RedisStateProvider}. */
  ready(): Promise<void>;
}

class RedisBackend implements StateBackend {
  private readonly client: Redis & StateScripts;
  private readonly committedKey: string;
  private readonly prepareKey: string;
  private readonly txidKey: string;

  constructor(
    private readonly connection: Connection,
    key: string,
    private readonly namespace: string,
  ) {
    this.client = connection.client;
    this.committedKey = key;
    this.prepareKey = `${key}$prepare`;
    this.txidKey = `${key}$txid`;
  }

  async load(): Promise<LoadedState> {
    const [committedFlat, commitTxid, prepareTxid, preparedFlat] = await this.call('load', () =>
      this.client.squallStateLoadBuffer(this.committedKey, this.prepareKey, this.txidKey),
    );
    const committed = new Map<string, string>();
    for (let i = 0; i < committedFlat.length; i += 2)
      committed.set(committedFlat[i].toString('utf8'), committedFlat[i + 1].toString('utf8'));
    let prepared: LoadedState['prepared'];
    if (prepareTxid !== null) {
      const changes = new Map<string, string | null>();
      for (let i = 0; i < preparedFlat.length; i += 2) {
        const value = preparedFlat[i + 1];
        changes.set(preparedFlat[i].toString('utf8'), value.equals(TOMBSTONE) ? null : value.toString('utf8'));
      }
      prepared = { txid: this.txid('prepare', prepareTxid), changes };
    }
    return { committed, committedTxid: commitTxid === null ? undefined : this.txid('commit', commitTxid), prepared };
  }

  async prepare(txid: number, changes: ReadonlyMap<string, string | null>): Promise<void> {
    this.checkTxid('prepare', txid);
    const fields: (string | Buffer)[] = [];
    for (const [k, v] of changes) {
      if (LONE_SURROGATE.test(k) || (v !== null && LONE_SURROGATE.test(v)))
        throw this.error(
          'prepare',
          `key ${JSON.stringify(k)} or its value is not valid Unicode (a lone surrogate) and cannot be stored as UTF-8`,
        );
      fields.push(k, v === null ? TOMBSTONE : v);
    }
    const multi = this.client.multi().del(this.prepareKey);
    for (let i = 0; i < fields.length; i += 2 * HSET_CHUNK)
      multi.hset(this.prepareKey, ...fields.slice(i, i + 2 * HSET_CHUNK));
    multi.hset(this.txidKey, 'prepare', String(txid));
    await this.exec('prepare', multi);
  }

  async commit(txid: number): Promise<void> {
    this.checkTxid('commit', txid);
    await this.call('commit', () =>
      this.client.squallStateCommit(this.committedKey, this.prepareKey, this.txidKey, String(txid)),
    );
  }

  async rollback(): Promise<void> {
    await this.exec('rollback', this.client.multi().del(this.prepareKey).hdel(this.txidKey, 'prepare'));
  }

  private async exec(what: string, multi: ReturnType<Redis['multi']>): Promise<void> {
    const results = await this.call(what, () => multi.exec());
    if (results === null) throw this.error(what, 'the transaction was aborted');
    for (const [err] of results) if (err) throw this.error(what, describe(err, this.connection.timeoutMs), err);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      await this.connection.ready();
      return await fn();
    } catch (err) {
      throw this.error(what, describe(err as Error, this.connection.timeoutMs), err);
    }
  }

  private checkTxid(what: string, txid: number): void {
    if (!Number.isSafeInteger(txid) || txid < 0)
      throw this.error(what, `txid must be a non-negative safe integer, got ${String(txid)}`);
  }

  private txid(field: string, raw: Buffer): number {
    const n = Number(raw.toString('utf8'));
    if (!Number.isSafeInteger(n))
      throw this.error(
        'load',
        `field '${field}' of hash ${this.txidKey} is not a txid: ${JSON.stringify(raw.toString('utf8').slice(0, 40))}`,
      );
    return n;
  }

  private error(what: string, problem: string, cause?: unknown): RedisStateError {
    const safeCause =
      cause instanceof Error ? Object.assign(new Error(cause.message), { name: cause.name }) : undefined;
    return new RedisStateError(
      `Redis state store at ${this.connection.address}, namespace ${JSON.stringify(this.namespace)}: ${what} failed: ${problem}`,
      {
        cause: safeCause,
      },
    );
  }
}

/** The client's error message, with what to check for the usual causes. */
function describe(err: Error, timeoutMs: number): string {
  const m = err.message;
  if (/NOAUTH/.test(m)) return `${m} (Redis wants a password: set 'password' in topology.state.provider.config)`;
  if (/WRONGPASS|invalid password/i.test(m)) return `${m} (the password in topology.state.provider.config was refused)`;
  if (/Command timed out/.test(m))
    return `no reply within ${timeoutMs} ms (the 'timeout' of topology.state.provider.config); is Redis running and reachable?`;
  if (/not connected within/.test(m)) return `Redis unreachable: ${m}`;
  if (/Stream isn't writeable/.test(m)) return 'the connection was lost';
  return m;
}

function isAuthError(message: string): boolean {
  return /NOAUTH|WRONGPASS|invalid password/i.test(message);
}
