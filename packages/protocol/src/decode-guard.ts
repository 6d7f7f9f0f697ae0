import type { RpcServiceDefinition } from './rpc-method';

/** Told about a request a server could not decode: the method's path, the message's size and the decoder's error. */
export type DecodeFailureListener = (method: string, bytes: number, error: Error) => void;

/**
 * `definition` with every request decoder wrapped so a message that is not valid protobuf is reported to
 * `onFailure` before grpc-js refuses the call (with INTERNAL "Error deserializing request"); grpc-js itself only
 * answers the client, so without this a server would refuse rogue bytes silently. Register the result with
 * `server.addService` in place of the generated definition.
 */
export function withDecodeFailureLog<S extends RpcServiceDefinition>(definition: S, onFailure: DecodeFailureListener): S {
  const out: Record<string, S[keyof S]> = {};
  for (const [name, method] of Object.entries(definition) as Array<[string, S[keyof S]]>) {
    const decode = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
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
