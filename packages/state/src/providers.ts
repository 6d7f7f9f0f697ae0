import type { StateProviderChoice } from '@squall/api';
import type { StateProvider } from './backend';
import { MemoryStateProvider } from './memory-backend';
import { RedisStateProvider, type RedisStateProviderOptions } from './redis-backend';

/**
 * The provider a topology's configuration asks for (see `stateProviderChoice` in @squall/api): the in-memory one, or
 * a Redis one with its own connection. The caller closes it.
 */
export function createStateProvider(
  choice: StateProviderChoice,
  options: RedisStateProviderOptions = {},
): StateProvider {
  switch (choice.name) {
    case 'memory':
      return new MemoryStateProvider();
    case 'redis':
      return new RedisStateProvider(choice.options, options);
  }
}
