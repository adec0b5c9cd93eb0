// Runs a resolved plan: checks it can run before touching anything, executes each scenario through
// its executor, and writes one RunResult (plus reports) into a new run folder.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { shardClients } from '../harness/engine/shards.ts';
import { onInterrupted, onShutdown } from '../harness/lifecycle/cleanup.ts';
import type { ProgressSink } from '../harness/progress.ts';
import type { KneeResult, RunResult, StepResult } from '../result/result.ts';
import { createRunFolder, writeResult, type RunRecord } from '../harness/result-store.ts';
import { getServer } from '../harness/servers/registry.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { planAvailability } from './availability.ts';
import type { Executor, ExecutorContext, StepStart } from './executor.ts';
import { runIdle } from './idle.ts';
import { runPush } from './push.ts';
import { runReconnect } from './reconnect.ts';
import { runSideload } from './sideload.ts';
import { runPath } from './path.ts';
import { runBrowser } from './browser.ts';
import { runUpstream, transportsFor, upstreamSkipReason } from './upstream.ts';
import type { Plan, Scenario } from './schema.ts';
import { UserError } from '../harness/errors.ts';
import { brokersExtra } from '../harness/broker/extra.ts';
import { listProfiles, PROFILES_FOLDER, profiledSpec, profilingUnsupportedReason } from '../harness/profiling/clinic.ts';
import type { AgentClock, ProfilesExtra, RunExtras } from '../result/extras.ts';
import type { Profiler } from '../result/profilers.ts';

const EXECUTORS: { [K in Scenario['kind']]: Executor<Extract<Scenario, { kind: K }>> } = {
  idle: runIdle,
  push: runPush,
  reconnect: runReconnect,
  sideload: runSideload,
  path: runPath,
  browser: runBrowser,
  upstream: runUpstream,
};

export interface RunOptions {
  command: string;
  progress: ProgressSink;
  /**
   * Changes each server's launch before the run (the gate's calibration injects PUSHBENCH_FAULT
   * into the servers under test this way, keeping their names so the groups match a clean run).
   */
  adjustServer?: (spec: ServerSpec) => ServerSpec;
  /** Called with the finished result before it is written (reports hook in here). */
  afterRun?: (result: RunResult, runDir: string) => Promise<void>;
}

export interface RunOutcome {
  runDir: string;
  resultPath: string;
  result: RunResult;
}

/** Steps a scenario will take (for the progress bar; a knee search adds its own). */
function stepCount(s: Scenario, specs: ServerSpec[]): number {
  // The browser scenario's findings are checks in extras.browser, not steps.
  if (s.kind === 'browser') return 0;
  const servers = specs.length;
  const reps = s.repetitions * servers * s.clients.length;
  switch (s.kind) {
    case 'idle':
      return reps;
    case 'push':
      return reps * s.rates.length * s.bytes.length;
    case 'reconnect':
      return reps * s.modes.length;
    case 'sideload':
      return s.repetitions * servers * (s.clients.length + 1);
    case 'path':
      return reps * s.paths.length;
    case 'upstream': {
      const perServer = specs.map((spec) => (upstreamSkipReason(spec) === null ? transportsFor(spec, s).length : 0));
      return s.repetitions * s.clients.length * s.rates.length * s.bytes.length * s.modes.length * perServer.reduce((a, b) => a + b, 0);
    }
  }
}

export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunOutcome> {
  // Everything that can be checked is checked before a folder is made or a process started.
  const resolved = plan.scenarios.map((s) => ({ scenario: s, specs: s.servers.map(getServer) }));
  for (const { scenario, specs } of resolved) {
    // Every server of the scenario must hold every client count: the one with the fewest processes decides.
    const serverProcesses = specs.length === 0 ? 1 : Math.min(...specs.map((s) => s.processes));
    // browser opens a few clients in Chromium, never through the engine's workers.
    if (scenario.kind !== 'browser') for (const n of scenario.clients) shardClients(n, { maxPerWorker: plan.engine.maxPerWorker, serverProcesses });
  }
  // A usage error first: it holds whatever this machine has installed.
  const unprofiled = plan.profile === 'none' ? [] : unprofiledServers(resolved.flatMap((r) => r.specs));
  if (plan.profile !== 'none' && resolved.every((r) => r.specs.every((s) => unprofiled.includes(s.name)))) {
    throw new UserError(`--profile ${plan.profile}: profiling supports Node servers only, and none of the servers asked for is one (see \`pushbench servers\`)`);
  }
  const { runnable, skipped, pathSkips: plannedPathSkips } = planAvailability(resolved);
  if (runnable.every((r) => r.servers.length === 0)) {
    throw new UserError(`none of the servers asked for can run here: ${[...skipped].map(([n, r]) => `${n}: ${r}`).join('; ')}`, 1);
  }

  if (opts.adjustServer) for (const r of runnable) r.servers = r.servers.map(opts.adjustServer);

  const { dir: runDir, runId } = createRunFolder(plan.resultsDir, plan.label);
  const startedAt = new Date().toISOString();
  const totalSteps = runnable.reduce((sum, r) => sum + stepCount(r.scenario, r.servers), 0);
  opts.progress({ type: 'run-start', runDir, totalSteps });
  for (const [server, reason] of skipped) opts.progress({ type: 'skip', server, reason });
  for (const k of plannedPathSkips) opts.progress({ type: 'notice', text: `path ${k.path} skipped for ${k.server}: ${k.reason}` });
  const profilesDir = join(runDir, PROFILES_FOLDER);
  if (plan.profile !== 'none') {
    const profiler = plan.profile;
    for (const name of unprofiled) opts.progress({ type: 'notice', text: `profiling supports Node servers only: ${name} runs unprofiled` });
    for (const r of runnable) r.servers = r.servers.map((spec) => (unprofiled.includes(spec.name) ? spec : profiledSpec(spec, profiler, profilesDir)));
  }

  let cancelled = false;
  let nextIndex = 0;
  const steps: StepResult[] = [];
  const knees: KneeResult[] = [];
  const extras: RunExtras = {};
  // One entry per agent per pool started (every step re-measures): offsets drift, so each is kept.
  const agentClocks: AgentClock[] = [];
  // Every step as it ends, and the one under way: what an interrupt keeps (the executors hand
  // their steps back only when a whole scenario is done).
  const ended: StepResult[] = [];
  let underway: { start: StepStart; title: string } | null = null;

  const resultPath = join(runDir, 'results.json');
  const recordOf = (finalSteps: StepResult[]): RunRecord => ({
    runId,
    label: plan.label,
    startedAt,
    command: opts.command,
    plan,
    steps: finalSteps,
    knees,
    skipped: [...skipped].map(([server, reason]) => ({ server, reason })),
    extras: plan.profile === 'none' ? extras : { ...extras, profiles: profilesExtra(plan.profile, profilesDir, unprofiled) },
  });
  let extrasComplete = false;
  const completeExtras = (): void => {
    if (extrasComplete) return;
    extrasComplete = true;
    if (agentClocks.length > 0) extras.agents = agentClocks;
    const brokers = brokersExtra(resolved.flatMap((r) => r.specs), skipped);
    if (brokers) extras.brokers = brokers;
    // The paths of servers that could not run at all, beside those the path executor skipped.
    if (plannedPathSkips.length > 0) {
      extras.paths = { ...extras.paths, skips: [...plannedPathSkips, ...(extras.paths?.skips ?? [])] };
    }
  };
  // Written once, by whichever comes first: the run's end or an interrupt's hook.
  let writing: Promise<RunResult> | null = null;
  const write = (finalSteps: StepResult[]): Promise<RunResult> =>
    (writing ??= (async () => {
      const result = writeResult(runDir, recordOf(finalSteps));
      if (opts.afterRun) await opts.afterRun(result, runDir);
      return result;
    })());

  // Ctrl-C / SIGTERM: executors stop starting steps; cleanup.ts ends every child, then this keeps
  // what was measured: every finished step, the one under way failed "interrupted".
  const stopListening = onShutdown(async () => {
    cancelled = true;
  });
  const stopInterrupt = onInterrupted(async (signal) => {
    cancelled = true;
    let interrupted: StepResult | null = null;
    if (underway !== null && writing === null) {
      const { start, title } = underway;
      const durationMs = Math.max(0, Date.now() - Date.parse(start.startedAt));
      interrupted = { ...start, durationMs, outcome: { state: 'failed', reason: `interrupted by ${signal} before the step finished` } } as StepResult;
      opts.progress({ type: 'step-end', index: nextIndex - 1, title, state: 'failed', note: `interrupted by ${signal}` });
    }
    if (writing === null && ended.length === 0 && interrupted === null) {
      // Nothing was measured: the new folder holds nothing worth keeping.
      rmSync(runDir, { recursive: true, force: true });
      opts.progress({ type: 'run-end', runDir });
      process.stderr.write(`pushbench: run interrupted by ${signal} before its first step: nothing measured, no run folder kept\n`);
      return;
    }
    completeExtras();
    const result = await write(interrupted === null ? [...ended] : [...ended, interrupted]);
    opts.progress({ type: 'run-end', runDir });
    const finished = result.steps.length - (interrupted === null ? 0 : 1);
    process.stderr.write(
      `pushbench: run interrupted by ${signal}: ${resultPath} (with report.html and summary.md) keeps the ${finished} finished step${finished === 1 ? '' : 's'}${interrupted === null ? '' : ' and the interrupted one, as failed'}\n`,
    );
  });
  try {
    for (const { scenario, servers, round } of roundsOf(runnable)) {
      if (servers.length === 0 || cancelled) continue;
      const ctx: ExecutorContext = {
        ...(round ? { round } : {}),
        servers,
        workDir: runDir,
        engine: plan.engine,
        progress: opts.progress,
        beginStep: (title, start) => {
          const index = nextIndex++;
          // After a signal nothing new is recorded: the step under way is the interrupted one.
          if (!cancelled) underway = { start, title };
          opts.progress({ type: 'step-start', index, title });
          return index;
        },
        endStep: (index, title, step) => {
          // A step that ends after the signal ended because its processes were stopped: it stays "interrupted".
          if (cancelled) return;
          ended.push(step);
          underway = null;
          const o = step.outcome;
          const note = o.state === 'failed' ? o.reason : o.state === 'invalid' ? o.reasons.join('; ') : '';
          opts.progress({ type: 'step-end', index, title, state: o.state, note });
        },
        cancelled: () => cancelled,
        noteAgentClocks: (clocks) => agentClocks.push(...clocks),
      };
      const executor = EXECUTORS[scenario.kind] as Executor<Scenario>;
      // After a signal an executor may throw for the processes stopped under it: nothing to report.
      const out = await executor(scenario, ctx).catch((err: unknown) => {
        if (cancelled) return null;
        throw err;
      });
      if (out === null || cancelled) break;
      steps.push(...out.steps);
      knees.push(...out.knees);
      Object.assign(extras, out.extras);
    }
    if (!cancelled) completeExtras();
  } finally {
    stopListening();
  }
  // A signal arrived: cleanup.ts is ending the children, then the hook above writes what was
  // measured and the process exits with 128+signal. Nothing more happens here.
  if (cancelled) return new Promise<never>(() => undefined);

  const result = await write(steps);
  stopInterrupt();
  opts.progress({ type: 'run-end', runDir });
  return { runDir, resultPath, result };
}

/**
 * Kinds whose executors run one repetition at a time when asked (ExecutorContext.round): each of
 * their steps starts a fresh server anyway. Push interleaves its repetitions itself, within
 * sessions kept open (scenarios/push.ts).
 */
const INTERLEAVED_KINDS: ReadonlySet<Scenario['kind']> = new Set(['idle', 'reconnect']);

interface Pass<S> {
  scenario: Scenario;
  servers: S[];
  round?: { repetition: number; of: number };
}

/**
 * The order the run measures in. Repetitions are interleaved: round r runs repetition r of every
 * scenario and server before any repetition r + 1 (ABAB, not AABB), so a machine that slows down
 * during the run slows every server's repetitions alike instead of all of one server's; each
 * round also starts one server further along the list, so no server always runs first or right
 * after another. A scenario with one repetition, a kind whose executor cannot run one repetition
 * alone (push interleaves its own), run whole in the first round.
 * Exported for its test.
 */
export function roundsOf<S>(runnable: { scenario: Scenario; servers: S[] }[]): Pass<S>[] {
  const repetitions = (s: Scenario): number => (s.kind === 'browser' ? 1 : s.repetitions);
  const interleaved = (s: Scenario): boolean => repetitions(s) > 1 && INTERLEAVED_KINDS.has(s.kind);
  const rounds = Math.max(1, ...runnable.map((r) => (interleaved(r.scenario) ? repetitions(r.scenario) : 1)));
  const passes: Pass<S>[] = [];
  for (let r = 1; r <= rounds; r++) {
    for (const { scenario, servers } of runnable) {
      if (!interleaved(scenario)) {
        if (r === 1) passes.push({ scenario, servers });
        continue;
      }
      if (r > repetitions(scenario)) continue;
      const shift = servers.length === 0 ? 0 : (r - 1) % servers.length;
      passes.push({ scenario, servers: [...servers.slice(shift), ...servers.slice(0, shift)], round: { repetition: r, of: repetitions(scenario) } });
    }
  }
  return passes;
}

function unprofiledServers(specs: ServerSpec[]): string[] {
  return [...new Set(specs.filter((s) => profilingUnsupportedReason(s) !== null).map((s) => s.name))];
}

function profilesExtra(profiler: Profiler, profilesDir: string, unprofiled: string[]): ProfilesExtra {
  return { profiler, folder: PROFILES_FOLDER, records: listProfiles(profilesDir), unprofiled };
}
