import { squall } from './generated/squall';

/**
 * The generated message classes and enums of package `squall.v1` (from `proto/squall/*.proto`). Each message `X`
 * comes as an interface `pb.IX` (plain objects to send; all fields optional) and a class `pb.X` with static
 * `encode`/`decode`/`create`/`verify`/`fromObject`/`toObject` (what you receive; unset fields read as their
 * defaults). Field names are lowerCamelCase. 64-bit integers are JS numbers (see protobuf-runtime.ts). A proto3
 * `optional` field is `null` or `undefined` when unset; a oneof's chosen field is named by its virtual property
 * (`message.kind === 'hello'`).
 */
export import pb = squall.v1;
