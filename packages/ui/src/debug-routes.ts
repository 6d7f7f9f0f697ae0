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
import { NimbusService, type pb } from '@squall/protocol';
import { forbiddenKeyProblems } from '@squall/core';
import { HttpError } from './errors';
import type { NimbusGateway } from './nimbus-gateway';
import type { RouteHandler, RouteRequest, Router } from './router';

/** What the debug routes need. */
export interface DebugRouteOptions {
  nimbus: NimbusGateway;
  /** Checks a POST's credentials; throws HttpError 401 when they are missing or wrong. */
  authorize(req: RouteRequest): void;
}

const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

function idParam(req: RouteRequest, name: string, what: string): string {
  const raw = req.params[name] ?? '';
  if (!ID_PATTERN.test(raw)) throw new HttpError(400, `${what} '${raw.slice(0, 100)}' is not a valid id: ids are 1 to 255 letters, digits, '_', '-' and '.', not starting with '-' or '.'`);
  return raw;
}

/**
 * Storm's `:action/:spct` pair.
 * @throws HttpError 400 for an action other than enable/disable, or a percentage outside (0, 100] when enabling
 */
export function parseDebugAction(action: string | undefined, spct: string | undefined): { enable: boolean; samplingPct: number } {
  if (action !== 'enable' && action !== 'disable') throw new HttpError(400, `debug action must be 'enable' or 'disable', got '${(action ?? '').slice(0, 100)}'`);
  const pct = Number(spct);
  if (action === 'enable' && !(/^\d+(\.\d+)?$/.test(spct ?? '') && pct > 0 && pct <= 100)) throw new HttpError(400, `sampling percentage must be a number in (0, 100], got '${(spct ?? '').slice(0, 100)}'`);
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
    throw new HttpError(400, 'logconfig body must be JSON like {"namedLoggerLevels": {"ROOT": {"target_level": "DEBUG", "timeout": 30}}}');
  }
  const levels = parsed?.namedLoggerLevels;
  if (typeof levels !== 'object' || levels === null || Array.isArray(levels)) throw new HttpError(400, 'logconfig body needs a namedLoggerLevels object');
  const problems = forbiddenKeyProblems(parsed, 'logconfig body');
  if (problems.length > 0) throw new HttpError(400, problems.join('; '));
  const set: pb.ILogLevelSetting[] = [];
  const reset: string[] = [];
  for (const [logger, v] of Object.entries(levels)) {
    const level = v?.target_level;
    if (level === null || level === undefined || level === '') reset.push(logger);
    else {
      const timeout = v.timeout === undefined || v.timeout === null ? 0 : Number(v.timeout);
      if (typeof level !== 'string') throw new HttpError(400, `namedLoggerLevels.${logger}.target_level must be a level name`);
      if (!(Number.isInteger(timeout) && timeout >= 0)) throw new HttpError(400, `namedLoggerLevels.${logger}.timeout must be whole seconds >= 0`);
      set.push({ logger, level: level.toLowerCase(), timeoutSecs: timeout });
    }
  }
  return { set, reset };
}

/** The handlers of the debug routes, by pattern (register them with {@link registerDebugRoutes}). */
export function debugRouteHandlers(options: DebugRouteOptions): Array<{ pattern: string; handler: RouteHandler }> {
  const { nimbus } = options;
  const debug =
    (withComponent: boolean): RouteHandler =>
    async (req) => {
      options.authorize(req);
      const topology = idParam(req, 'id', 'topology');
      const component = withComponent ? idParam(req, 'component', 'component') : '';
      const { enable, samplingPct } = parseDebugAction(req.params.action, req.params.spct);
      const res = await nimbus.call(NimbusService.setDebug, { topology, component, enable, samplingPct });
      return { json: { topologyOperation: 'debug', topologyId: res.topologyId, ...(component ? { component } : {}), debug: enable, samplingPct, status: 'success' } };
    };
  const logconfig: RouteHandler = async (req) => {
    options.authorize(req);
    const topology = idParam(req, 'id', 'topology');
    const { set, reset } = parseLogConfig(req.body);
    const res = await nimbus.call(NimbusService.setLogLevel, { topology, set, reset });
    return { json: { topologyOperation: 'logconfig', topologyId: res.topologyId, namedLoggerLevels: Object.fromEntries([...set.map((s) => [s.logger, { target_level: s.level, timeout: s.timeoutSecs }]), ...reset.map((r) => [r, null])]), status: 'success' } };
  };
  return [
    { pattern: '/api/v1/topology/:id/debug/:action/:spct', handler: debug(false) },
    { pattern: '/api/v1/topology/:id/component/:component/debug/:action/:spct', handler: debug(true) },
    { pattern: '/api/v1/topology/:id/logconfig', handler: logconfig },
  ];
}

/** Adds the debug routes (all POST) to `router`. */
export function registerDebugRoutes(router: Router, options: DebugRouteOptions): void {
  for (const { pattern, handler } of debugRouteHandlers(options)) router.add('POST', pattern, handler);
}
