// What every scenario executor gets and gives: a plain map from kind to executor lives in run.ts.
import type { EngineOptions } from './schema.ts';
import type { ProgressSink } from '../harness/progress.ts';
import type { KneeResult, ScenarioKind, StepResult } from '../result/result.ts';
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

type StepOf<K extends ScenarioKind> = Extract<StepResult, { kind: K }>;

/**
 * One step, the same way in every executor: its identity (what its result holds but the outcome)
 * and the step-start event under `title`; `measure` timed, given the step's index; a thrown error,
 * or a session that never opened (`measure` is then that error, and the step took no time),
 * recorded as failed with its reason; then the step-end event.
 */
export async function runStep<K extends ScenarioKind>(
  ctx: ExecutorContext,
  title: string,
  spec: ServerSpec,
  step: { kind: K; repetition: number; params: StepOf<K>['params'] },
  measure: ((index: number) => Promise<StepOf<K>['outcome']>) | Error,
): Promise<StepResult> {
  const startedAt = new Date();
  const { kind, repetition, params } = step;
  // kind and params come together from the caller, so they agree as StepStart's union asks.
  const identity = { kind, group: groupKey(kind, spec.name, params), server: spec.name, protocol: spec.protocol, pair: spec.pair, repetition, params, startedAt: startedAt.toISOString() } as StepStart;
  const index = ctx.beginStep(title, identity);
  let outcome: StepResult['outcome'];
  try {
    outcome = measure instanceof Error ? { state: 'failed', reason: errorReason(measure) } : await measure(index);
  } catch (err) {
    outcome = { state: 'failed', reason: errorReason(err) };
  }
  const result = { ...identity, durationMs: measure instanceof Error ? 0 : Date.now() - startedAt.getTime(), outcome } as StepResult;
  ctx.endStep(index, title, result);
  return result;
}

/** A thrown error as a failed step's reason: its whole message (a server's output follows its first line), bounded. */
export function errorReason(err: unknown): string {
  return boundedReason(err instanceof Error ? err.message : String(err));
}
