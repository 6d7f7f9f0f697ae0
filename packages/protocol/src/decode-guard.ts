import type { RpcServiceDefinition } from './rpc-method';

/** Told about a request a server could not decode: the method's path, the message's size and the decoder's error. */
export type DecodeFailureListener = (method: string, bytes: number, error: Error) => void;

/** Thrown (into grpc-js, which ends the call) for a request larger than its method's limit; it is never decoded. */
export class MessageTooLargeError extends Error {
  constructor(method: string, bytes: number, limit: number) {
    super(`message of ${bytes} bytes exceeds the ${limit}-byte limit of ${method}`);
    this.name = 'MessageTooLargeError';
  }
}

/**
 * `definition` with every request decoder wrapped so a message that is not valid protobuf, or larger than its
 * method's entry in `maxBytes` (by path), is reported to `onFailure` before grpc-js refuses the call (with INTERNAL
 * "Error deserializing request"); grpc-js itself only answers the client, so without this a server would refuse rogue
 * bytes silently. The size is checked before decoding: protobuf decoding can cost far more memory than the message
 * (a 4 MiB run of empty entries becomes millions of objects). Register the result with `server.addService` in place
 * of the generated definition.
 */
export function withDecodeFailureLog<S extends RpcServiceDefinition>(
  definition: S,
  onFailure: DecodeFailureListener,
  maxBytes: Readonly<Record<string, { maxBytes: number }>> = {},
): S {
  const out: Record<string, S[keyof S]> = {};
  for (const [name, method] of Object.entries(definition) as Array<[string, S[keyof S]]>) {
    const decode = method.requestDeserialize;
    const limit = maxBytes[method.path]?.maxBytes;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          if (limit !== undefined && bytes.length > limit)
            throw new MessageTooLargeError(method.path, bytes.length, limit);
          return decode(bytes) as unknown;
        } catch (err) {
          onFailure(method.path, bytes.length, err as Error);
          throw err;
        }
      },
    };
  }
  return out as unknown as S;
}
