import { getConfig, SquallError } from '@squall/core';
import { tapRateCap, type TapSubscription, type WorkerRuntime } from '@squall/engine';
import { parseTapTarget, tapLineHuman } from './tap';

/** Tuples a local tap buffers between prints. */
const LOCAL_TAP_BUFFER = 10000;

/**
 * `squall local --tap component[:stream]`: taps on the local runtime, printed through `out` as they come (the
 * format of `squall tap`), each at most `maxRate` tuples/s (`--tap-max-rate`; 0: the topology's
 * `topology.tap.max.tuples.per.sec`, which is also the most allowed). `stop` removes them and prints what was
 * dropped or rate-capped, if anything.
 * @throws SquallError for an unknown component or stream, a bad percentage or a rate over the topology's cap
 */
export function startLocalTaps(
  runtime: WorkerRuntime,
  targets: readonly string[],
  samplePct: number,
  out: (line: string) => void,
  maxRate = 0,
): { stop: () => void } {
  if (!(samplePct > 0 && samplePct <= 100))
    throw new SquallError('BAD_OPTION', `--tap-sample must be a percentage in (0, 100], got '${samplePct}'`);
  if (!(Number.isInteger(maxRate) && maxRate >= 0))
    throw new SquallError('BAD_OPTION', `--tap-max-rate must be a whole number of tuples per second, got '${maxRate}'`);
  const ceiling = getConfig(runtime.conf, 'topology.tap.max.tuples.per.sec');
  if (ceiling > 0 && maxRate > ceiling)
    throw new SquallError(
      'BAD_OPTION',
      `--tap-max-rate ${maxRate} is over the topology's topology.tap.max.tuples.per.sec (${ceiling}): set that higher (-c topology.tap.max.tuples.per.sec=N, 0 for no cap)`,
    );
  const maxPerSec = tapRateCap(maxRate, ceiling);
  const subs: Array<{ target: string; sub: TapSubscription }> = [];
  for (const target of targets) {
    const { component, stream } = parseTapTarget(target);
    const c = runtime.model.components.get(component);
    if (!c)
      throw new SquallError(
        'BAD_OPTION',
        `--tap ${target}: the topology has no component '${component}' (it has ${[...runtime.model.components.keys()].join(', ')})`,
      );
    if (stream && !c.outputs.some((o) => o.id === stream))
      throw new SquallError(
        'BAD_OPTION',
        `--tap ${target}: component '${component}' declares no stream '${stream}' (declared: ${c.outputs.map((o) => o.id).join(', ') || 'none'})`,
      );
    const entry = {
      target,
      sub: runtime.taps.add(
        { component, stream, samplePct, maxPerSec },
        () => {
          for (const t of entry.sub.take(LOCAL_TAP_BUFFER)) out(tapLineHuman({ ...t, fields: [...t.fields] }));
        },
        LOCAL_TAP_BUFFER,
      ),
    };
    subs.push(entry);
  }
  return {
    stop: () => {
      for (const { target, sub } of subs) {
        for (const t of sub.take(LOCAL_TAP_BUFFER)) out(tapLineHuman({ ...t, fields: [...t.fields] }));
        runtime.taps.remove(sub);
        if (sub.dropped > 0) out(`squall: tap ${target}: ${sub.dropped} tuple(s) dropped (printing could not keep up)`);
        if (sub.rateCapped > 0)
          out(
            `squall: tap ${target}: ${sub.rateCapped} tuple(s) rate-capped (over ${maxPerSec} tuples/s; see --tap-max-rate)`,
          );
      }
    },
  };
}
