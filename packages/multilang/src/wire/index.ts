export * from './wire-codec';
export * from './json-codec';
export * from './msgpack-codec';
export { topLevelMemberText, stringifyJson } from './raw-json';
