import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { getConfig, InvalidConfigError } from '@squall/core';
import { TlsConfigError } from './errors';

/**
 * PEM files that turn on TLS for every Squall gRPC server and client (config keys `squall.tls.ca`,
 * `squall.tls.cert`, `squall.tls.key`). Servers present `cert`/`key`; clients verify servers against `ca`, so a
 * client (the CLI, the UI) needs only `ca`. Certificates must name the addresses daemons advertise (e.g. an IP SAN
 * `127.0.0.1`), since clients check the server's name.
 */
export interface TlsFiles {
  /** CA bundle clients trust. */
  ca: string;
  /** Server certificate chain; required by daemons (nimbus, supervisors, workers), not by clients. */
  cert?: string;
  /** Private key of `cert`. */
  key?: string;
}

const KEYS = { ca: 'squall.tls.ca', cert: 'squall.tls.cert', key: 'squall.tls.key' } as const;

/**
 * The TLS files configured in `conf`, or `undefined` when none of `squall.tls.*` is set (plaintext, the default).
 * @throws TlsConfigError when a key is not a string, only one of cert/key is set, or cert/key are set without a ca
 */
export function tlsFilesFromConfig(conf: Readonly<Record<string, unknown>>): TlsFiles | undefined {
  const read = (k: keyof typeof KEYS): string | undefined => {
    let v: string | null;
    try {
      v = getConfig(conf, KEYS[k]);
    } catch (err) {
      // The key table's check names the key and the wrong type; TLS callers catch one error class.
      if (err instanceof InvalidConfigError) throw new TlsConfigError(err.problems.join('; '));
      throw err;
    }
    return v === null || v === '' ? undefined : v;
  };
  const ca = read('ca');
  const cert = read('cert');
  const key = read('key');
  if (ca === undefined && cert === undefined && key === undefined) return undefined;
  if ((cert === undefined) !== (key === undefined))
    throw new TlsConfigError(`${KEYS.cert} and ${KEYS.key} must be set together`);
  if (ca === undefined)
    throw new TlsConfigError(`${KEYS.ca} must be set when TLS is on (clients verify servers against it)`);
  return { ca, ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
}

function readPem(file: string, what: keyof typeof KEYS): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TlsConfigError(`cannot read ${KEYS[what]} file ${file}: ${(err as Error).message}`);
  }
}

/**
 * Credentials a gRPC server binds with: TLS with `tls.cert`/`tls.key` when TLS is configured, plaintext otherwise.
 * Client certificates are not requested: callers are authenticated by bearer token (nimbus) or topology secret
 * (workers).
 * @throws TlsConfigError when TLS is on but the server certificate or key is missing or unreadable
 */
export function serverCredentials(tls: TlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  if (tls.cert === undefined || tls.key === undefined)
    throw new TlsConfigError(`TLS is on (${KEYS.ca} is set) but a daemon needs ${KEYS.cert} and ${KEYS.key} too`);
  return grpc.ServerCredentials.createSsl(
    readPem(tls.ca, 'ca'),
    [{ cert_chain: readPem(tls.cert, 'cert'), private_key: readPem(tls.key, 'key') }],
    false,
  );
}

/**
 * Credentials a gRPC client dials with: TLS verifying the server against `tls.ca` when TLS is configured,
 * plaintext otherwise.
 * @throws TlsConfigError when the CA file cannot be read
 */
export function channelCredentials(tls: TlsFiles | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const ca = readPem(tls.ca, 'ca');
  muteIpServernameWarning();
  return grpc.credentials.createSsl(ca);
}

let muted = false;

/**
 * grpc-js always passes the target host as the TLS server name, and Node warns (DEP0123) when that is an IP address,
 * which Squall's addresses usually are; the certificate is still checked against the IP. Drop that one warning so
 * every CLI command and daemon log does not carry it; every other warning passes through.
 */
function muteIpServernameWarning(): void {
  if (muted) return;
  muted = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((...args: unknown[]) => {
    if (
      args[2] === 'DEP0123' ||
      (typeof args[1] === 'object' && (args[1] as { code?: string } | null)?.code === 'DEP0123')
    )
      return;
    emit(...args);
  }) as typeof process.emitWarning;
}
