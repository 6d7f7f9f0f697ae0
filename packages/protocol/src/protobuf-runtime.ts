/**
 * The protobufjs runtime the generated message code loads (pbjs `--dependency`), configured so 64-bit integer fields
 * decode as JS numbers rather than `Long` objects. Squall's 64-bit fields are counters, sizes and timestamps, exact
 * as numbers up to 2^53; larger values lose precision instead of failing.
 *
 * protobufjs keeps this setting in its shared module state, so any other protobufjs user in the same process also
 * sees numbers from then on. Squall has no other; @grpc/proto-loader's conversions accept numbers as well.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- protobufjs/minimal is CommonJS `export =`; this is TypeScript's form for it
import $protobuf = require('protobufjs/minimal');

// Typed as always present, but protobufjs checks it at run time (it is optional in browsers).
($protobuf.util as { Long: unknown }).Long = undefined;
$protobuf.configure();

export = $protobuf;
