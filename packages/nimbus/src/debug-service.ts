import type * as grpc from '@grpc/grpc-js';
import type { NimbusHandlers, pb } from '@squall/protocol';
import { setDebug, setLogLevel, startDebugOptionsPusher } from './debug-options';
import type { NimbusContext } from './nimbus-context';
import { endAllTaps, serveTap } from './tap-fanout';
import { WorkerCalls } from './worker-calls';

/** How often the leader pushes stored debug options to the workers of topologies that have any (ms). */
const DEBUG_PUSH_MS = 3000;

/** The closer of the handler set made for each nimbus context. */
const closers = new Map<NimbusContext, () => void>();

/** Ends the taps of `ctx`'s nimbus and stops its debug options pusher (nimbus calls it when it stops). */
export function closeDebugHandlers(ctx: NimbusContext): void {
  endAllTaps(ctx);
  closers.get(ctx)?.();
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/**
 * Nimbus's debugging calls: Tap (fanned out to the workers), SetDebug and SetLogLevel (stored in ZooKeeper, pushed
 * to the workers, and pushed again now and then so restarted workers get them). `unary` wraps a mutating call
 * (token and leader checked) the way the rest of the service does. Call `close` when nimbus stops.
 */
export function createDebugHandlers(
  ctx: NimbusContext,
  unary: <Req, Res>(name: string, mutating: boolean, fn: (req: Req) => Promise<Res>) => Unary<Req, Res>,
): { handlers: Pick<NimbusHandlers, 'tap' | 'setDebug' | 'setLogLevel'>; close: () => void } {
  const workers = new WorkerCalls(ctx.conf);
  const stopPusher = startDebugOptionsPusher(ctx, workers, DEBUG_PUSH_MS);
  const close = () => {
    closers.delete(ctx);
    stopPusher();
    workers.close();
  };
  closers.set(ctx, close);
  return {
    handlers: {
      tap: (call) => serveTap(ctx, workers, call),
      setDebug: unary('debug', true, (r: pb.SetDebugRequest) => setDebug(ctx, workers, r)),
      setLogLevel: unary('log level', true, (r: pb.SetLogLevelRequest) => setLogLevel(ctx, workers, r)),
    },
    close,
  };
}
