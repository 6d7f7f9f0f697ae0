// The compact tuple value codec (tuple-codec.ts: tags, limits, batch header) and the size bounds the engine checks at
// every emit (tuple-size.ts). No dependencies: @squall/protocol builds the batch encoder and decoder and the gRPC
// transfer on it, and the engine and local mode use it without loading gRPC or protobufjs. Hot loops import
// `@squall/codec/tuple-codec` directly (plain properties rather than this file's re-export getters).
export * from './tuple-codec';
export * from './tuple-size';
