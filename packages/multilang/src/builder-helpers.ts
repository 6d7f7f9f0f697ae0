import type { BoltDeclarer, ComponentConfigurer, TopologyBuilder } from '@squall/api';
import { ShellBolt } from './shell-bolt';
import { toShellSpec, type ShellComponentOptions } from './shell-options';
import { ShellSpout } from './shell-spout';

/**
 * Adds a multi-lang spout to a TopologyBuilder: one {@link ShellSpout} per task, and the command recorded in the
 * spec (`setShell`), so the UI shows it and submit-time checks know it is multi-lang.
 */
export function setShellSpout(
  builder: TopologyBuilder,
  id: string,
  options: ShellComponentOptions,
  parallelism = 1,
): ComponentConfigurer {
  return builder.setSpout(id, () => new ShellSpout(options), parallelism).setShell(toShellSpec(options));
}

/** Adds a multi-lang bolt to a TopologyBuilder (see {@link setShellSpout}); subscribe it with the returned declarer. */
export function setShellBolt(
  builder: TopologyBuilder,
  id: string,
  options: ShellComponentOptions,
  parallelism = 1,
): BoltDeclarer {
  return builder.setBolt(id, () => new ShellBolt(options), parallelism).setShell(toShellSpec(options));
}
