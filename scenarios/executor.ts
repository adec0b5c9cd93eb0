// What every scenario executor gets and gives: a plain map from kind to executor lives in run.ts.
import type { EngineOptions } from './schema.ts';
import type { ProgressSink } from '../harness/progress.ts';
import type { KneeResult, StepResult } from '../result/result.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import type { AgentClock, RunExtras } from '../result/extras.ts';
import { boundedReason } from '../result/reason.ts';

export interface ExecutorContext {
  /** The servers of this scenario that can run here, in the order asked. */
  servers: ServerSpec[];
  /** Folder for files a step writes beside the result (the run folder: nginx configs and logs). */
  workDir: string;
  engine: EngineOptions;
  progress: ProgressSink;
  /**
   * Announces the next step (its identity: what its result holds but the outcome); returns its
   * index for the step-end event. An interrupted run records the step begun and not ended as
   * failed "interrupted".
   */
  beginStep(title: string, step: StepStart): number;
  endStep(index: number, title: string, step: StepResult): void;
  /** Set once a SIGINT/SIGTERM arrived: executors stop starting new steps. */
  cancelled(): boolean;
  /** Load agents: each pool's measured clocks, recorded in RunResult.extras.agents. */
  noteAgentClocks?(clocks: AgentClock[]): void;
  /**
   * Set when the run interleaves repetitions (run.ts): the executor runs only this repetition of
   * each of its steps, and the run calls it once per repetition, so every server's repetition r
   * is measured in the same round as the others' (ABAB), not all of one server's back to back.
   */
  round?: { repetition: number; of: number };
}

/** A step before it has an outcome: its result without `outcome` and `durationMs`. */
export type StepStart = StepResult extends infer S ? (S extends StepResult ? Omit<S, 'outcome' | 'durationMs'> : never) : never;

export interface ScenarioOutput {
  steps: StepResult[];
  knees: KneeResult[];
  /** Scenario-level findings that are not steps (e.g. browser checks), merged into result.extras. */
  extras: RunExtras;
}

export type Executor<S> = (scenario: S, ctx: ExecutorContext) => Promise<ScenarioOutput>;

/** The repetitions an executor runs now: all of them, or only the round's (see ExecutorContext.round). */
export function repetitionsNow(repetitions: number, ctx: Pick<ExecutorContext, 'round'>): { rep: number; of: number }[] {
  if (ctx.round) return [{ rep: ctx.round.repetition, of: ctx.round.of }];
  return Array.from({ length: repetitions }, (_, i) => ({ rep: i + 1, of: repetitions }));
}

/** A stable group key: the scenario kind, server and every parameter but the repetition. */
export function groupKey(kind: string, server: string, params: object): string {
  const parts = Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return `${kind}/${server}/${parts}`;
}

/** A thrown error as a failed step's reason: its whole message (a server's output follows its first line), bounded. */
export function errorReason(err: unknown): string {
  return boundedReason(err instanceof Error ? err.message : String(err));
}
