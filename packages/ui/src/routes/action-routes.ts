import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { NimbusService } from '@squall/protocol';
import { FORBIDDEN_CONFIG_KEYS, forbiddenKeyProblems } from '@squall/core';
import { HttpError } from '../errors';
import { ActionResultSchema, responses, type ActionResult } from '../rest-schema';
import { statusName } from '../storm-json';
import { idParam, requireToken, type Params, type RouteContext } from './route-context';

function waitParam(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw))
    throw new HttpError(400, `wait time must be a whole number of seconds, got '${raw ?? ''}'`);
  return Number(raw);
}

/** Largest worker or executor count a rebalance body may carry (nimbus's own limits are far lower). */
const MAX_COUNT = 2 ** 31 - 1;

interface RebalanceBody {
  rebalanceOptions?: { numWorkers?: unknown; executors?: Record<string, unknown> };
}

/**
 * A rebalance body: empty, or JSON like `{"rebalanceOptions": {"numWorkers": 2, "executors": {"count": 2}}}`.
 * @throws HttpError 400 naming what is wrong
 */
export function parseRebalance(body: string): { numWorkers?: number; componentExecutors: Record<string, number> } {
  if (body.trim() === '') return { componentExecutors: {} };
  let parsed: RebalanceBody;
  try {
    parsed = JSON.parse(body) as RebalanceBody;
  } catch {
    throw new HttpError(
      400,
      'rebalance body must be JSON like {"rebalanceOptions": {"numWorkers": 2, "executors": {"count": 2}}}',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new HttpError(400, 'rebalance body must be a JSON object like {"rebalanceOptions": {"numWorkers": 2}}');
  const o = parsed.rebalanceOptions ?? {};
  const keyProblems = forbiddenKeyProblems(parsed, 'rebalance body');
  if (keyProblems.length > 0) throw new HttpError(400, keyProblems.join('; '));
  // Null prototype: component ids are keys here, and no key may reach a prototype.
  const out: { numWorkers?: number; componentExecutors: Record<string, number> } = {
    componentExecutors: Object.create(null) as Record<string, number>,
  };
  if (o.numWorkers !== undefined) {
    const w = Number(o.numWorkers);
    if (!Number.isInteger(w) || w < 1 || w > MAX_COUNT)
      throw new HttpError(
        400,
        `rebalanceOptions.numWorkers must be a whole number from 1 to ${MAX_COUNT}, got ${JSON.stringify(o.numWorkers)}`,
      );
    out.numWorkers = w;
  }
  const executors = o.executors ?? {};
  if (typeof executors !== 'object' || executors === null || Array.isArray(executors))
    throw new HttpError(
      400,
      `rebalanceOptions.executors must be an object of component: executors, got ${JSON.stringify(executors)}`,
    );
  for (const [component, v] of Object.entries(executors)) {
    if (FORBIDDEN_CONFIG_KEYS.includes(component))
      throw new HttpError(400, `rebalanceOptions.executors: key '${component}' is not allowed`);
    const e = Number(v);
    if (!Number.isInteger(e) || e < 1 || e > MAX_COUNT)
      throw new HttpError(
        400,
        `rebalanceOptions.executors.${component} must be a whole number from 1 to ${MAX_COUNT}, got ${JSON.stringify(v)}`,
      );
    out.componentExecutors[component] = e;
  }
  return out;
}

/**
 * Storm's topology actions (under /api/v1): activate, deactivate, rebalance, kill. Each needs the token when one is
 * set (checked before the body is read); the server refuses them from another origin before that. An action acts on
 * the id the name resolves to now (so the answer names the topology acted on, and a topology submitted under the same
 * name meanwhile is not touched); an unknown name goes to nimbus as is, for its 404. Parameters are checked (prepare)
 * before nimbus is asked anything.
 */
export const actionRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { nimbus } = ctx;
  const action = (
    path: string,
    operation: string,
    prepare: (req: FastifyRequest) => (id: string) => Promise<unknown>,
  ) =>
    app.post(
      path,
      { schema: { response: responses(ActionResultSchema) }, onRequest: requireToken(ctx) },
      async (req): Promise<ActionResult> => {
        const ref = idParam(req.params, 'id', 'topology');
        const run = prepare(req);
        const { topologies } = await nimbus.call(NimbusService.listTopologies, {});
        const live = topologies.filter((t) => statusName(t.status) !== 'KILLED');
        const id = (live.find((t) => t.id === ref) ?? live.find((t) => t.name === ref))?.id || ref;
        await run(id);
        return { topologyOperation: operation, topologyId: id, status: 'success' };
      },
    );

  action('/topology/:id/activate', 'activate', () => (name) => nimbus.call(NimbusService.activate, { name }));
  action('/topology/:id/deactivate', 'deactivate', () => (name) => nimbus.call(NimbusService.deactivate, { name }));
  action('/topology/:id/rebalance/:wait', 'rebalance', (req) => {
    const waitSecs = waitParam((req.params as Params).wait);
    const { numWorkers, componentExecutors } = parseRebalance(typeof req.body === 'string' ? req.body : '');
    return (name) =>
      nimbus.call(NimbusService.rebalance, {
        name,
        waitSecs,
        ...(numWorkers !== undefined ? { numWorkers } : {}),
        componentExecutors,
      });
  });
  action('/topology/:id/kill/:wait', 'kill', (req) => {
    const waitSecs = waitParam((req.params as Params).wait);
    return (name) => nimbus.call(NimbusService.killTopology, { name, waitSecs });
  });
};
