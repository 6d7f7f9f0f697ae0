import type { Logger } from '@squall/core';
import type { Transport, TransportListeners, TupleImpl } from '@squall/engine';
import type { TlsFiles } from '@squall/protocol';
import { PeerSender } from './peer-sender';
import type { WireConverter } from './wire';

/** Options of {@link GrpcTransport}. */
export interface GrpcTransportOptions {
  topologyId: string;
  secret: string;
  /** "host:port" of this worker. */
  self: string;
  /** Task id → "host:port" of the worker running it. */
  taskAddresses: ReadonlyMap<number, string>;
  converter: WireConverter;
  batchSize: number;
  maxBuffered: number;
  maxTupleBytes: number;
  /** `squall.tls.*` of the cluster; plaintext when undefined. */
  tls?: TlsFiles | undefined;
  log: Logger;
  /** Called when a tuple has no route (its task is not assigned to any worker). */
  onSendError: (task: number, sourceTask: number, err: unknown) => void;
}

/**
 * The engine's {@link Transport} across workers: one {@link PeerSender} per destination worker, tuples batched per
 * destination, written when a batch fills and flushed when the runtime asks (see {@link Transport}).
 */
export class GrpcTransport implements Transport {
  private readonly peers = new Map<string, PeerSender>();
  private byTask: Array<PeerSender | undefined> = [];
  private taskAddresses: ReadonlyMap<number, string>;
  private listeners: TransportListeners | undefined;

  constructor(private readonly opts: GrpcTransportOptions) {
    this.taskAddresses = opts.taskAddresses;
    this.route();
  }

  /** Points tasks at new workers (after a reassignment); senders to workers no longer used are closed. */
  updateRoutes(taskAddresses: ReadonlyMap<number, string>): void {
    this.taskAddresses = taskAddresses;
    this.route();
  }

  private route(): void {
    const byTask: Array<PeerSender | undefined> = [];
    const used = new Set<string>();
    for (const [task, address] of this.taskAddresses) {
      if (address === this.opts.self) continue;
      used.add(address);
      let peer = this.peers.get(address);
      if (!peer) {
        peer = new PeerSender({
          ...this.opts,
          address,
          onPressure: (d) => this.listeners?.onPressure(d),
          onWritable: () => this.listeners?.onWritable(),
        });
        this.peers.set(address, peer);
      }
      byTask[task] = peer;
    }
    for (const [address, peer] of this.peers)
      if (!used.has(address)) {
        peer.close();
        this.peers.delete(address);
      }
    this.byTask = byTask;
  }

  send(task: number, tuple: TupleImpl): void {
    this.sendValues(task, tuple.sourceTask, tuple.sourceStreamId, tuple.anchors, tuple.values);
  }

  sendValues(task: number, sourceTask: number, stream: string, anchors: number[] | null, values: unknown[]): void {
    const peer = this.byTask[task];
    if (!peer) {
      this.opts.onSendError(task, sourceTask, new Error(`no worker is assigned task ${task}`));
      return;
    }
    // Encoding errors (a tuple over topology.max.tuple.bytes, an unsupported value) propagate: they surface in the
    // emitting component's emit call, where the author can act on them.
    peer.add(this.opts.converter.toWire(task, sourceTask, stream, anchors, values));
  }

  flush(maxWaitMs: number): void {
    for (const p of this.peers.values()) p.flush(maxWaitMs);
  }

  setListeners(listeners: TransportListeners): void {
    this.listeners = listeners;
  }

  /** Tuples written to peers so far. */
  get sentTuples(): number {
    let n = 0;
    for (const p of this.peers.values()) n += p.sentTuples;
    return n;
  }

  close(): void {
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
    this.byTask = [];
  }
}
