import { SquallError } from '@squall/core';

/** Thrown when a downloaded package does not match its digest or size (corrupt or truncated). */
export class PackageVerificationError extends SquallError {
  constructor(topologyId: string, problem: string) {
    super('PACKAGE_VERIFICATION', `package of ${topologyId} failed verification: ${problem}`);
  }
}

/** Thrown when no nimbus can be reached to download from or heartbeat to. */
export class NimbusUnavailableError extends SquallError {
  constructor(detail: string) {
    super('NIMBUS_UNAVAILABLE', `no nimbus reachable: ${detail}`);
  }
}
