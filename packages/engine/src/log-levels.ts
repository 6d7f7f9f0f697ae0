import type { Logger } from '@squall/core';

/** The logger name of `squall set-log-level` that stands for the whole topology (Storm's ROOT). */
export const ROOT_LOGGER = 'ROOT';

/** Levels `squall set-log-level` accepts: pino's. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One logger's level setting; `expiresAtMs` (wall clock) is when it reverts, if ever. */
export interface LogLevelSetting {
  level: string;
  expiresAtMs?: number | undefined;
}

/**
 * The pino levels of a worker's loggers, changed at run time (Storm's set_log_level): every task's logger is
 * registered by component, and a setting for a component (or {@link ROOT_LOGGER}, every component and the worker's
 * own lines) overrides the configured level until it expires or is reset.
 */
export class LogLevels {
  private readonly byComponent = new Map<string, Logger[]>();
  private settings: Record<string, LogLevelSetting> = {};
  private readonly baseLevel: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly root: Logger,
    private readonly wallMs: () => number = Date.now,
  ) {
    this.baseLevel = root.level;
  }

  /** Registers a task's logger under its component, at the level in force. */
  register(component: string, log: Logger): void {
    let list = this.byComponent.get(component);
    if (!list) this.byComponent.set(component, (list = []));
    list.push(log);
    log.level = this.levelOf(component);
  }

  /** The level in force for `component` (its own setting, else ROOT's, else the configured one). */
  levelOf(component: string): string {
    return this.settings[component]?.level ?? this.settings[ROOT_LOGGER]?.level ?? this.baseLevel;
  }

  /** The settings in force (expired ones dropped). */
  current(): Record<string, LogLevelSetting> {
    return { ...this.settings };
  }

  /**
   * Replaces every setting with `settings` (as nimbus stores them); expired ones are ignored, and each of the others
   * reverts by itself when its time comes.
   */
  apply(settings: Readonly<Record<string, LogLevelSetting>>): void {
    const now = this.wallMs();
    const next: Record<string, LogLevelSetting> = {};
    for (const [name, s] of Object.entries(settings)) {
      if (!(LOG_LEVELS as readonly string[]).includes(s.level)) continue;
      if (s.expiresAtMs !== undefined && s.expiresAtMs > 0 && s.expiresAtMs <= now) continue;
      next[name] = { level: s.level, ...(s.expiresAtMs ? { expiresAtMs: s.expiresAtMs } : {}) };
    }
    this.settings = next;
    this.root.level = next[ROOT_LOGGER]?.level ?? this.baseLevel;
    for (const [component, logs] of this.byComponent) {
      const level = this.levelOf(component);
      for (const l of logs) l.level = level;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = Math.min(...Object.values(this.settings).map((s) => s.expiresAtMs ?? Infinity));
    if (next === Infinity) return;
    // Timers hold at most 2^31-1 ms; a later expiry is rescheduled when this one fires.
    this.timer = setTimeout(
      () => this.apply(this.settings),
      Math.min(2 ** 31 - 1, Math.max(0, next - this.wallMs()) + 5),
    );
    this.timer.unref?.();
  }

  /** Stops the revert timer. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
