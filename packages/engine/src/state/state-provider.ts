import { stateProviderChoice } from '@squall/api';
import type { Config } from '@squall/core';
import { MemoryStateProvider, type StateProvider } from '@squall/state';

/**
 * The state provider a topology's configuration asks for (`topology.state.provider`).
 * @throws StateConfigError naming the key when the configuration is wrong
 */
export function createStateProvider(conf: Config): StateProvider {
  const choice = stateProviderChoice(conf);
  if (choice.name === 'memory') return new MemoryStateProvider();
  throw new Error(`${'topology.state.provider'} '${choice.name}' is not available in this build`);
}
