import { Exception, type ACL, type Client, type Event, type Stat } from 'node-zookeeper-client';

// Promise forms of node-zookeeper-client's callback API. Failures are the library's own exceptions, so the layers
// above can tell a connection loss (retry) from a bad version (conflict) by code; they map to typed errors at the edge.

/** A ZooKeeper watcher callback; one-shot, as ZooKeeper watches are. */
export type Watcher = (event: Event) => void;

/** ZooKeeper's error code of `error` if it is one of the client library's exceptions. */
export function zkErrorCode(error: unknown): number | undefined {
  if (error && typeof (error as { getCode?: unknown }).getCode === 'function') {
    return (error as { getCode(): number }).getCode();
  }
  return undefined;
}

/** The name of a ZooKeeper error code, e.g. `BAD_VERSION`, for messages. */
export function zkErrorName(error: unknown): string {
  return (error as { name?: string })?.name ?? String(error);
}

/** Codes after which the same operation may be sent again once the session is usable. */
export function isConnectionError(error: unknown): boolean {
  const code = zkErrorCode(error);
  return (
    code === Exception.CONNECTION_LOSS || code === Exception.SESSION_EXPIRED || code === Exception.OPERATION_TIMEOUT
  );
}

function settle<T>(resolve: (value: T) => void, reject: (error: unknown) => void, value: T, error: unknown): void {
  if (error) reject(error);
  else resolve(value);
}

/** Data and stat of `path`, or `null` if it does not exist. A watcher is set only if the node exists. */
export function getData(client: Client, path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: Stat } | null> {
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, data: Buffer, stat: Stat): void => {
      if (zkErrorCode(error) === Exception.NO_NODE) resolve(null);
      else settle(resolve, reject, { data, stat }, error);
    };
    if (watcher) client.getData(path, watcher, callback);
    else client.getData(path, callback);
  });
}

/** Child names of `path` (unsorted), or `null` if it does not exist. */
export function getChildren(client: Client, path: string, watcher?: Watcher): Promise<string[] | null> {
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, children: string[]): void => {
      if (zkErrorCode(error) === Exception.NO_NODE) resolve(null);
      else settle(resolve, reject, children, error);
    };
    if (watcher) client.getChildren(path, watcher, callback);
    else client.getChildren(path, callback);
  });
}

/** The stat of `path`, or `null`; a watcher fires on creation, change or deletion either way. */
export function exists(client: Client, path: string, watcher?: Watcher): Promise<Stat | null> {
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, stat: Stat): void => settle(resolve, reject, stat ?? null, error);
    if (watcher) client.exists(path, watcher, callback);
    else client.exists(path, callback);
  });
}

/** Creates `path` and resolves with the created path (which differs for sequential modes). */
export function create(client: Client, path: string, data: Buffer | null, acl: ACL[], mode: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // The library treats null data as "no data" only through its optional-argument shuffling.
    const args: [Buffer | ACL[] | number, ...(Buffer | ACL[] | number)[]] = data ? [data, acl, mode] : [acl, mode];
    (client.create as (...a: unknown[]) => void)(path, ...args, (error: unknown, created: string) =>
      settle(resolve, reject, created, error),
    );
  });
}

/** Sets the data of `path` if its version is `version` (-1: any) and resolves with the new stat. */
export function setData(client: Client, path: string, data: Buffer, version: number): Promise<Stat> {
  return new Promise((resolve, reject) => {
    client.setData(path, data, version, (error, stat) => settle(resolve, reject, stat, error));
  });
}

/** Deletes `path` if its version is `version` (-1: any). */
export function remove(client: Client, path: string, version: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.remove(path, version, (error) => settle(resolve, reject, undefined, error));
  });
}
