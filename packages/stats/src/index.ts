// The statistics of a topology in one place. This entry point is pure (no gRPC, no protobufjs) so local mode and the
// engine load it freely; the protobuf mapping is `@squall/stats/wire` and the Prometheus exposition
// `@squall/stats/prometheus`, both for the cluster daemons and the CLI.
export * from './histogram';
export * from './counters';
export * from './summary';
export * from './windows';
export * from './names';
