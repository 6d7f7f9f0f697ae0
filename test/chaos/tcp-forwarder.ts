import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/**
 * Forwards TCP connections from `listenHost:port` to `targetHost:targetPort`: lets processes in a network namespace
 * reach a server that only listens on this machine's loopback (the test ZooKeeper). When either side closes or fails,
 * the other is closed too, so clients see the same disconnects as without the forwarder.
 */
export class TcpForwarder {
  private constructor(
    private readonly server: net.Server,
    private readonly sockets: Set<net.Socket>,
    readonly port: number,
  ) {}

  static async start(listenHost: string, port: number, targetHost: string, targetPort: number): Promise<TcpForwarder> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const upstream = net.connect(targetPort, targetHost);
      for (const [s, other] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        sockets.add(s);
        s.on('error', () => other.destroy());
        s.on('close', () => {
          sockets.delete(s);
          other.destroy();
        });
        s.pipe(other);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, listenHost, () => resolve());
    });
    return new TcpForwarder(server, sockets, (server.address() as net.AddressInfo).port);
  }

  /** Stops listening and closes every forwarded connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Runs a {@link TcpForwarder} in its own process, so a parent that blocks (spawnSync of the CLI) does not stall the
 * traffic it forwards. The child prints its port and exits when the parent goes away (its stdin closes).
 */
export class ForwarderProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(listenHost: string, targetHost: string, targetPort: number): Promise<ForwarderProcess> {
    const child = spawn(process.execPath, [__filename, listenHost, targetHost, String(targetPort)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) =>
        reject(new Error(`the TCP forwarder exited with code ${code} before listening on ${listenHost}`)),
      );
    });
    return new ForwarderProcess(child, port);
  }

  /** Stops the forwarder process. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

if (require.main === module) {
  const [listenHost, targetHost, targetPort] = process.argv.slice(2);
  void TcpForwarder.start(listenHost!, 0, targetHost!, Number(targetPort)).then((f) => {
    process.stdout.write(`listening ${f.port}\n`);
    process.stdin.on('data', () => undefined);
    process.stdin.on('end', () => process.exit(0));
    process.on('SIGTERM', () => process.exit(0));
  });
}
