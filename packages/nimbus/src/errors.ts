import * as grpc from '@grpc/grpc-js';
import { SquallError } from '@squall/core';

/** Base of nimbus errors that map to a gRPC status the CLI turns into a clear message. */
export class NimbusError extends SquallError {
  constructor(
    code: string,
    message: string,
    readonly status: grpc.status,
  ) {
    super(code, message);
  }
}

/** Thrown when a mutating call lacks the cluster's auth token. */
export class UnauthenticatedError extends NimbusError {
  constructor() {
    super(
      'UNAUTHENTICATED',
      'unauthenticated: this cluster requires a valid nimbus.auth.token',
      grpc.status.UNAUTHENTICATED,
    );
  }
}

/** Thrown when no running topology has the given name or id. */
export class NotFoundError extends NimbusError {
  constructor(what: string) {
    super('NOT_FOUND', `no running topology named '${what}'`, grpc.status.NOT_FOUND);
  }
}

/** Thrown when a topology exists but has no component with the given id; names the topology and its components. */
export class ComponentNotFoundError extends NimbusError {
  constructor(topology: string, topologyId: string, component: string, known: readonly string[]) {
    const ref = topology === topologyId ? `'${topology}'` : `'${topology}' (${topologyId})`;
    super(
      'NOT_FOUND',
      `topology ${ref} has no component '${component}' (its components: ${known.join(', ') || 'none'})`,
      grpc.status.NOT_FOUND,
    );
  }
}

/** Thrown when a topology with the same name is already running. */
export class AlreadyExistsError extends NimbusError {
  constructor(name: string) {
    super(
      'ALREADY_EXISTS',
      `a topology named '${name}' is already running (kill it first or choose another --name)`,
      grpc.status.ALREADY_EXISTS,
    );
  }
}

/** Thrown when a submitted topology, package or request is invalid; the message lists every problem. */
export class InvalidSubmissionError extends NimbusError {
  constructor(message: string) {
    super('INVALID', message, grpc.status.INVALID_ARGUMENT);
  }
}

/** Thrown when this nimbus is not the leader, or the call cannot be served in the current state. */
export class NotLeaderError extends NimbusError {
  constructor(leader: string | null) {
    super(
      'NOT_LEADER',
      `this nimbus is not the leader${leader ? ` (the leader is ${leader})` : ' (no leader elected yet)'}`,
      grpc.status.FAILED_PRECONDITION,
    );
  }
}

/** Thrown when a request is valid but the topology's state forbids it (e.g. rebalancing a killed topology). */
export class StateError extends NimbusError {
  constructor(message: string) {
    super('FAILED_PRECONDITION', message, grpc.status.FAILED_PRECONDITION);
  }
}

/** The gRPC error object for `err`, keeping nimbus errors' status and hiding internals of unexpected ones. */
export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  if (err instanceof NimbusError) return { code: err.status, details: err.message, message: err.message };
  const message = `internal error: ${(err as Error)?.message ?? String(err)}`;
  return { code: grpc.status.INTERNAL, details: message, message };
}
