import type { Config } from '@squall/core';
import type { AnyBolt, SpoutLike } from './components';
import type { ComponentDeclaration } from './component-declaration';
import type { Topology } from './topology';
import { TopologyBuilder } from './topology-builder';
import { DEFAULT_STREAM } from './tuple';

/**
 * The declarative form, in the spirit of streamparse's Topology class:
 * ```ts
 * export default topology('wordcount', {
 *   word: WordSpout.spec(),
 *   count: WordCountBolt.spec({ inputs: { word: fields('word') }, par: 2 }),
 * });
 * ```
 * Input keys are `"component"` (its default stream) or `"component:stream"`.
 */
export function topology(name: string, components: Record<string, ComponentDeclaration>, conf: Config = {}): Topology {
  const builder = new TopologyBuilder();
  for (const [id, decl] of Object.entries(components)) {
    const par = decl.options.par ?? 1;
    const bolt = decl.kind === 'bolt' ? builder.setBolt(id, decl.factory as () => AnyBolt, par) : undefined;
    const configurer = bolt ?? builder.setSpout(id, decl.factory as () => SpoutLike, par);
    if (decl.options.numTasks !== undefined) configurer.setNumTasks(decl.options.numTasks);
    if (decl.options.config) configurer.addConfigurations(decl.options.config);
    if (bolt) {
      for (const [key, grouping] of Object.entries(decl.options.inputs ?? {})) {
        const colon = key.indexOf(':');
        const [source, stream] = colon < 0 ? [key, DEFAULT_STREAM] : [key.slice(0, colon), key.slice(colon + 1)];
        bolt.grouping(source, stream, grouping);
      }
    }
  }
  return builder.createTopology(name, conf);
}
