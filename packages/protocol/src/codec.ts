// The compact tuple value codec and its size bounds without the gRPC services and protobuf messages, as
// `@squall/protocol/codec`: the engine enforces topology.max.tuple.bytes with it, and local mode must not load
// @grpc/grpc-js or protobufjs (the package's main entry loads both).
export * from './tuple-codec';
export * from './tuple-size';
