import type { ComponentError } from './documents';
import { VersionConflictError } from './errors';
import { listNames, readDocument, writeDocument, type StoreContext } from './store';

/** Longest error message kept; a stack trace is plenty, and ZooKeeper nodes must stay small. */
export const MAX_ERROR_MESSAGE_CHARS = 4096;

interface ErrorLogDocument {
  errors: ComponentError[];
}

/**
 * Appends `error` to a component's log, keeping the newest `keep`. One node per component holding a capped array,
 * updated by compare-and-set, so concurrent reporters never lose each other's errors and trimming is atomic.
 */
export async function appendError(
  ctx: StoreContext,
  topologyId: string,
  component: string,
  error: ComponentError,
  keep: number,
): Promise<void> {
  const path = ctx.paths.componentErrors(topologyId, component);
  const entry: ComponentError = { ...error, message: error.message.slice(0, MAX_ERROR_MESSAGE_CHARS) };
  for (let attempt = 1; ; attempt++) {
    const current = await readDocument<ErrorLogDocument>(ctx, path);
    const errors = [...(current?.value.errors ?? []), entry].slice(-keep);
    try {
      await writeDocument(ctx, path, { errors }, current ? current.version : 'absent');
      return;
    } catch (caught) {
      // Many tasks of one component failing at once contend here; each retry makes progress for someone.
      if (!(caught instanceof VersionConflictError) || attempt >= 50) throw caught;
    }
  }
}

/** A component's recent errors, oldest first; `[]` if none. */
export async function readErrors(ctx: StoreContext, topologyId: string, component: string): Promise<ComponentError[]> {
  const found = await readDocument<ErrorLogDocument>(ctx, ctx.paths.componentErrors(topologyId, component));
  return found?.value.errors ?? [];
}

/** Every component's recent errors for a topology, keyed by component id. */
export async function readTopologyErrors(
  ctx: StoreContext,
  topologyId: string,
): Promise<Record<string, ComponentError[]>> {
  const dir = ctx.paths.topologyErrors(topologyId);
  const components = await listNames(ctx, dir);
  const result: Record<string, ComponentError[]> = {};
  for (const component of components) {
    const errors = await readErrors(ctx, topologyId, component);
    if (errors.length > 0) result[component] = errors;
  }
  return result;
}

/** Ids of topologies that have an error log (including ones whose topology is gone, for cleanup). */
export async function listTopologiesWithErrors(ctx: StoreContext): Promise<string[]> {
  return listNames(ctx, ctx.paths.errors);
}
