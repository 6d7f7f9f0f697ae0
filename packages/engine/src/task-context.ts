import type { Config, Logger } from '@squall/core';
import type { Fields, GroupingSpec, TopologyContext } from '@squall/api';
import type { TopologyModel } from './topology-model';

/** The {@link TopologyContext} of one task, backed by the worker's shared model. */
export class TaskContext implements TopologyContext {
  constructor(
    private readonly model: TopologyModel,
    readonly thisComponentId: string,
    readonly thisTaskId: number,
    readonly conf: Config,
    readonly thisWorkerPort: number,
    readonly resourcesDir: string,
    readonly log: Logger,
    private readonly onPressure: (delta: 1 | -1) => void = () => undefined,
  ) {}

  private overloaded = false;

  setOverloaded(overloaded: boolean): void {
    if (overloaded === this.overloaded) return;
    this.overloaded = overloaded;
    this.onPressure(overloaded ? 1 : -1);
  }

  get topologyId(): string {
    return this.model.topologyId;
  }
  get thisTaskIndex(): number {
    return this.model.tasksOf(this.thisComponentId).indexOf(this.thisTaskId);
  }
  get taskToComponent(): ReadonlyMap<number, string> {
    return this.model.layout.taskToComponent;
  }
  getComponentTasks(componentId: string): readonly number[] {
    return this.model.tasksOf(componentId);
  }
  getComponentId(taskId: number): string | undefined {
    return this.model.layout.taskToComponent.get(taskId);
  }
  getComponentOutputFields(componentId: string, streamId: string): Fields | undefined {
    return this.model.streamFields(componentId, streamId);
  }
  getThisStreams(): readonly string[] {
    return this.model.components.get(this.thisComponentId)?.outputs.map((s) => s.id) ?? [];
  }
  getThisSources(): ReadonlyMap<string, ReadonlyMap<string, GroupingSpec>> {
    const out = new Map<string, Map<string, GroupingSpec>>();
    for (const input of this.model.components.get(this.thisComponentId)?.inputs ?? []) {
      const m = out.get(input.component) ?? new Map<string, GroupingSpec>();
      m.set(input.stream, input.grouping);
      out.set(input.component, m);
    }
    return out;
  }
  getThisTargets(): ReadonlyMap<string, ReadonlyMap<string, GroupingSpec>> {
    const out = new Map<string, Map<string, GroupingSpec>>();
    for (const s of this.model.components.get(this.thisComponentId)?.outputs ?? []) {
      const m = new Map<string, GroupingSpec>();
      for (const sub of this.model.subscribersOf(this.thisComponentId, s.id)) m.set(sub.component, sub.grouping);
      out.set(s.id, m);
    }
    return out;
  }
  getComponentIds(): readonly string[] {
    return [...this.model.layout.componentTasks.keys()];
  }
}
