import { stateProviderChoice } from '@squall/api';
import type { Config, Logger } from '@squall/core';
import { createStateProvider as providerFor, type StateProvider } from '@squall/state';

/**
 * The state provider a topology's configuration asks for (`topology.state.provider`): one per worker, shared by its
 * stateful tasks and its checkpoint spout.
 * @throws StateConfigError naming the key when the configuration is wrong
 */
export function createStateProvider(conf: Config, log: Logger): StateProvider {
  return providerFor(stateProviderChoice(conf), { logger: log });
}
