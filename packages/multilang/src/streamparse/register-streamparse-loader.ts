import { registerProjectLoader } from '@squall/packager';
import { streamparseProjectLoader } from './load-streamparse-project';

/**
 * Teaches `squall local` and `squall submit` to take a streamparse project directory (`config.json`, `topologies/`,
 * `src/`, `virtualenvs/`). Workers need nothing more than the YAML loader: a package holds the generated topology.
 */
export function registerStreamparseLoader(): void {
  registerProjectLoader(streamparseProjectLoader);
}
