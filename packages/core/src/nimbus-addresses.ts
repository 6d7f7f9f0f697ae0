import { getConfig, type Config } from './config';

/** "host:port" of every `nimbus.seeds` entry, with `nimbus.port` where the entry names no port. */
export function nimbusSeedAddresses(conf: Config): string[] {
  const port = getConfig(conf, 'nimbus.port');
  return getConfig(conf, 'nimbus.seeds').map((s) => withNimbusPort(s, port));
}

/** `host` as "host:port", with `port` (`nimbus.port`) unless it already carries one. */
export function withNimbusPort(host: string, port: number): string {
  return host.includes(':') ? host : `${host}:${port}`;
}
