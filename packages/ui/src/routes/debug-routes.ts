// Storm's debug and log-level REST routes (Storm UI's), served from Nimbus.SetDebug and Nimbus.SetLogLevel:
// POST /api/v1/topology/:id/debug/:action/:spct
// POST /api/v1/topology/:id/component/:component/debug/:action/:spct
//                                   action is `enable` or `disable`; spct the percentage of emits sampled while
//                                   enabled, in (0, 100]. Sampled tuples go to the workers' logs as event-log lines
//                                   (and taps see everything anyway). → {topologyOperation: "debug", topologyId,
//                                   component?, debug, samplingPct, status: "success"}
// POST /api/v1/topology/:id/logconfig
//                                   Storm's body {"namedLoggerLevels": {"<component or ROOT>": {"target_level":
//                                   "DEBUG", "timeout": 30}}}; a target_level of null or "" resets that logger.
//                                   → {topologyOperation: "logconfig", topologyId, namedLoggerLevels, status}
// Like every POST, refused from another origin and, with nimbus.auth.token set, without `Authorization: Bearer`.
import type { FastifyPluginAsync } from 'fastify';
import { NimbusService, type pb } from '@squall/protocol';
import { forbiddenKeyProblems } from '@squall/core';
import { HttpError } from '../errors';
import {
  DebugResultSchema,
  LogConfigResultSchema,
  responses,
  type DebugResult,
  type LogConfigResult,
} from '../rest-schema';
import { idParam, requireToken, type Params, type RouteContext } from './route-context';

/**
 * Storm's `:action/:spct` pair.
 * @throws HttpError 400 for an action other than enable/disable, or a percentage outside (0, 100] when enabling
 */
export function parseDebugAction(
  action: string | undefined,
  spct: string | undefined,
): { enable: boolean; samplingPct: number } {
  if (action !== 'enable' && action !== 'disable')
    throw new HttpError(400, `debug action must be 'enable' or 'disable', got '${(action ?? '').slice(0, 100)}'`);
  const pct = Number(spct);
  if (action === 'enable' && !(/^\d+(\.\d+)?$/.test(spct ?? '') && pct > 0 && pct <= 100))
    throw new HttpError(400, `sampling percentage must be a number in (0, 100], got '${(spct ?? '').slice(0, 100)}'`);
  return { enable: action === 'enable', samplingPct: action === 'enable' ? pct : 0 };
}

/**
 * Storm's logconfig body as SetLogLevel settings.
 * @throws HttpError 400 for a body that is not Storm's shape
 */
export function parseLogConfig(body: string): { set: pb.ILogLevelSetting[]; reset: string[] } {
  let parsed: { namedLoggerLevels?: Record<string, { target_level?: unknown; timeout?: unknown }> };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new HttpError(
      400,
      'logconfig body must be JSON like {"namedLoggerLevels": {"ROOT": {"target_level": "DEBUG", "timeout": 30}}}',
    );
  }
  const levels = parsed?.namedLoggerLevels;
  if (typeof levels !== 'object' || levels === null || Array.isArray(levels))
    throw new HttpError(400, 'logconfig body needs a namedLoggerLevels object');
  const problems = forbiddenKeyProblems(parsed, 'logconfig body');
  if (problems.length > 0) throw new HttpError(400, problems.join('; '));
  const set: pb.ILogLevelSetting[] = [];
  const reset: string[] = [];
  for (const [logger, v] of Object.entries(levels)) {
    const level = v?.target_level;
    if (level === null || level === undefined || level === '') reset.push(logger);
    else {
      const timeout = v.timeout === undefined || v.timeout === null ? 0 : Number(v.timeout);
      if (typeof level !== 'string')
        throw new HttpError(400, `namedLoggerLevels.${logger}.target_level must be a level name`);
      if (!(Number.isInteger(timeout) && timeout >= 0))
        throw new HttpError(400, `namedLoggerLevels.${logger}.timeout must be whole seconds >= 0`);
      set.push({ logger, level: level.toLowerCase(), timeoutSecs: timeout });
    }
  }
  return { set, reset };
}

/** Storm's debug and logconfig routes (under /api/v1), all POST, each needing the token when one is set. */
export const debugRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { nimbus } = ctx;
  const debug = (path: string, withComponent: boolean) =>
    app.post(
      path,
      { schema: { response: responses(DebugResultSchema) }, onRequest: requireToken(ctx) },
      async (req): Promise<DebugResult> => {
        const topology = idParam(req.params, 'id', 'topology');
        const component = withComponent ? idParam(req.params, 'component', 'component') : '';
        const params = req.params as Params;
        const { enable, samplingPct } = parseDebugAction(params.action, params.spct);
        const res = await nimbus.call(NimbusService.setDebug, { topology, component, enable, samplingPct });
        return {
          topologyOperation: 'debug',
          topologyId: res.topologyId,
          ...(component ? { component } : {}),
          debug: enable,
          samplingPct,
          status: 'success',
        };
      },
    );
  debug('/topology/:id/debug/:action/:spct', false);
  debug('/topology/:id/component/:component/debug/:action/:spct', true);
  app.post(
    '/topology/:id/logconfig',
    { schema: { response: responses(LogConfigResultSchema) }, onRequest: requireToken(ctx) },
    async (req): Promise<LogConfigResult> => {
      const topology = idParam(req.params, 'id', 'topology');
      const { set, reset } = parseLogConfig(typeof req.body === 'string' ? req.body : '');
      const res = await nimbus.call(NimbusService.setLogLevel, { topology, set, reset });
      const levels: LogConfigResult['namedLoggerLevels'] = Object.create(null) as LogConfigResult['namedLoggerLevels'];
      for (const s of set) levels[s.logger ?? ''] = { target_level: s.level ?? '', timeout: s.timeoutSecs ?? 0 };
      for (const r of reset) levels[r] = null;
      return {
        topologyOperation: 'logconfig',
        topologyId: res.topologyId,
        namedLoggerLevels: levels,
        status: 'success',
      };
    },
  );
};
