// Small pieces every executor's step uses: the outcome from validity checks, the client-side
// summary, and the reconnect policies.
import { availableParallelism } from 'node:os';
import type { ReconnectPolicy } from '../harness/clients/types.ts';
import { ClientPool } from '../harness/engine/pool.ts';
import type { MergedWindow } from '../harness/engine/merge.ts';
import type { RunningServer } from '../harness/lifecycle/server-process.ts';
import { ProcessTreeSampler } from '../harness/metrics/proc-sampler.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import type { ExecutorContext } from './executor.ts';
import type { ClientSide, StepOutcome, StepResult, ValidityCheck } from '../result/result.ts';
import { withOutputTail } from '../result/reason.ts';

/** CPU of both ends over a step's window, to say which of them ran out of it. */
export interface CpuSides {
  /** Busiest client worker, % of one core (a worker is one event loop: one core at most). */
  clientCpuPercentMax: number;
  /**
   * Worst client event-loop delay p90: a loop this far behind could not keep up even below 90 % of
   * a core (on a busy machine a worker gets less than one), so the client counts as saturated.
   */
  clientLagP90Ms?: number;
  /** The server's process tree, % of one core. */
  serverCpuPercent: number;
  /** Cores the server can use: its processes, at most the machine's cores. */
  serverCores: number;
}

/**
 * Completed when every check holds; otherwise invalid, naming each failed check and, when `sides`
 * is given, which side saturated, so a reader knows whether a figure is missing because of the
 * instrument (the client) or because of what it measures (the server).
 */
export function outcomeFrom<M>(metrics: M, checks: ValidityCheck[], sides?: CpuSides): StepOutcome<M> {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) return { state: 'completed', metrics, checks };
  const reasons = failed.map((c) => `${c.name}: ${c.detail}`);
  if (sides) reasons.push(saturationText(sides));
  return { state: 'invalid', metrics, checks, reasons };
}

export type SaturatedSide = 'client' | 'server' | 'both' | 'neither';

/** Each side is saturated at CLIENT_CPU_LIMIT_PERCENT of every core it can use. */
export function saturatedSide(s: CpuSides): SaturatedSide {
  const client = s.clientCpuPercentMax >= CLIENT_CPU_LIMIT_PERCENT || (s.clientLagP90Ms ?? 0) > EVENT_LOOP_LAG_LIMIT_MS;
  const server = s.serverCpuPercent >= CLIENT_CPU_LIMIT_PERCENT * Math.max(1, s.serverCores);
  return client && server ? 'both' : client ? 'client' : server ? 'server' : 'neither';
}

export function saturationText(s: CpuSides): string {
  const cores = Math.max(1, s.serverCores);
  const server = `server ${s.serverCpuPercent.toFixed(0)} % of ${cores === 1 ? 'a core' : `${cores} cores (${(s.serverCpuPercent / cores).toFixed(0)} % each)`}`;
  const lag = (s.clientLagP90Ms ?? 0) > EVENT_LOOP_LAG_LIMIT_MS ? `, its event loop p90 ${s.clientLagP90Ms!.toFixed(0)} ms behind` : '';
  const client = `busiest client worker ${s.clientCpuPercentMax.toFixed(0)} % of a core${lag}`;
  switch (saturatedSide(s)) {
    case 'both':
      return `saturated: both sides (${server}, ${client})`;
    case 'server':
      return `saturated: the server (${server}), not the client (${client})`;
    case 'client':
      return `saturated: the client (${client}), not the server (${server})`;
    case 'neither':
      return `saturated: neither side (${server}, ${client})`;
  }
}

/** Cores a server with `processes` processes can use on this machine. */
export function serverCores(processes: number): number {
  return Math.max(1, Math.min(processes, availableParallelism()));
}

export interface WorkerSample {
  cpuPercent: number;
  rssBytes: number;
  eventLoopLagMaxMs: number;
  eventLoopLagP90Ms: number;
}

export function clientSideFrom(workers: WorkerSample[], sourceAddresses: number): ClientSide {
  return {
    workers: workers.length,
    sourceAddresses,
    cpuPercentMax: Math.max(0, ...workers.map((w) => w.cpuPercent)),
    cpuPercentTotal: workers.reduce((s, w) => s + w.cpuPercent, 0),
    rssBytesTotal: workers.reduce((s, w) => s + w.rssBytes, 0),
    eventLoopLagMaxMs: Math.max(0, ...workers.map((w) => w.eventLoopLagMaxMs)),
    eventLoopLagP90Ms: Math.max(0, ...workers.map((w) => w.eventLoopLagP90Ms)),
  };
}

/** The client CPU check of every scenario: a saturated client measures itself, not the server. */
export const CLIENT_CPU_LIMIT_PERCENT = 90;
export const EVENT_LOOP_LAG_LIMIT_MS = 50;

/** The names of the two client checks (tests tell a busy machine's invalid step by them). */
export const CLIENT_LAG_CHECK = 'client event loop responsive';
export const CLIENT_CPU_CHECK = 'client not saturated';

/** A client whose event loop lags over 50 ms for long (p90) timestamps late: its latencies are its own. */
export function clientLagCheck(side: ClientSide): ValidityCheck {
  return {
    name: CLIENT_LAG_CHECK,
    ok: side.eventLoopLagP90Ms <= EVENT_LOOP_LAG_LIMIT_MS,
    detail: `worst client event-loop delay p90 ${side.eventLoopLagP90Ms.toFixed(1)} ms, max ${side.eventLoopLagMaxMs.toFixed(1)} ms (limit p90 ${EVENT_LOOP_LAG_LIMIT_MS} ms)`,
  };
}

export function clientCpuCheck(side: ClientSide): ValidityCheck {
  return {
    name: CLIENT_CPU_CHECK,
    ok: side.cpuPercentMax <= CLIENT_CPU_LIMIT_PERCENT,
    detail: `busiest client worker used ${side.cpuPercentMax.toFixed(0)} % of a core (limit ${CLIENT_CPU_LIMIT_PERCENT} %)`,
  };
}

export const NO_RECONNECT: ReconnectPolicy = {
  enabled: false,
  defaultRetryMs: 1000,
  honourServerRetry: true,
  backoff: false,
  jitter: false,
  maxDelayMs: 30_000,
  maxAttempts: 1,
};

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Above this, an agent's clock offset is too loose for latencies from t0 (push, path). */
export const AGENT_CLOCK_LIMIT_NS = 1_000_000;

/**
 * With load agents, latency from t0 compares the server's clock with each agent's, corrected by the
 * measured offset: it is only as good as that offset. No check without agents (one clock).
 */
export function agentClockChecks(pool: Pick<ClientPool, 'agentClocks'>): ValidityCheck[] {
  const clocks = pool.agentClocks();
  if (clocks.length === 0) return [];
  const worst = Math.max(...clocks.map((c) => c.uncertaintyNs));
  return [
    {
      name: 'agent clocks',
      ok: worst <= AGENT_CLOCK_LIMIT_NS,
      detail: `offset known within ${(worst / 1000).toFixed(0)} µs (limit ${AGENT_CLOCK_LIMIT_NS / 1000} µs; read latency from t0 only within it)`,
    },
  ];
}

/** A client pool aimed at a running server, sized by the run's engine options. */
export async function startPool(
  /** The server, or what stands in front of it (nginx, a delay proxy): where clients connect. */
  server: Pick<RunningServer, 'host' | 'port'> & { path?: string; spec: Pick<RunningServer['spec'], 'name' | 'protocol' | 'processes' | 'broker'> },
  ctx: ExecutorContext,
  opts: { clients: number; rampPerSecond: number; policy: ReconnectPolicy; workers?: number; roomSize?: number },
): Promise<ClientPool> {
  const cap = server.spec.broker?.maxRampPerSecond;
  if (cap !== undefined && cap < opts.rampPerSecond) ctx.progress({ type: 'notice', text: `${server.spec.name}: ramp held to ${cap}/s, the most this broker accepts without refusing connections` });
  const pending = server.spec.broker?.maxPendingConnects ?? 0;
  if (pending > 0) ctx.progress({ type: 'notice', text: `${server.spec.name}: at most ${pending} subscribes wait for an answer at once, the most this broker queues without refusing` });
  const pool = await ClientPool.start({
    target: { protocol: server.spec.protocol, host: server.host, port: server.port, ...(server.path === undefined ? {} : { path: server.path }) },
    clients: opts.clients,
    rampPerSecond: cap === undefined ? opts.rampPerSecond : Math.min(cap, opts.rampPerSecond),
    maxPendingConnects: pending,
    maxPerWorker: ctx.engine.maxPerWorker,
    connectTimeoutMs: ctx.engine.connectTimeoutMs,
    workers: ctx.engine.workers || opts.workers || 0,
    burnUsPerEvent: ctx.engine.clientBurnUsPerEvent,
    serverProcesses: server.spec.processes,
    policy: opts.policy,
    agents: ctx.engine.agents,
    ...(opts.roomSize === undefined ? {} : { roomSize: opts.roomSize }),
  });
  const clocks = pool.agentClocks();
  if (clocks.length > 0) {
    ctx.noteAgentClocks?.(clocks);
    for (const c of clocks.filter((x) => x.uncertaintyNs > AGENT_CLOCK_LIMIT_NS)) {
      ctx.progress({ type: 'notice', text: `agent ${c.address}: clock offset known only within ${(c.uncertaintyNs / 1000).toFixed(0)} µs; latency from t0 will be marked invalid` });
    }
  }
  return pool;
}

/** What a step can see die under it: the server or broker it measures. */
export type WatchedServer = Pick<RunningServer, 'tail' | 'exitedOnItsOwn'>;

/** How long a step that went wrong waits for the exit of its server to be noticed (a crash is seen within ms). */
const EXIT_NOTICE_MS = 300;

/**
 * A step's measurement, unless the server exited by itself before or during it: then the step
 * failed, naming how it exited and its last output. Whatever the clients saw after (0 connected,
 * refused connections, events that never came) is the crash, not a finding about the server.
 * `server` is read after the measurement: a step that restarts its server (reconnect) hands the
 * one that runs now.
 */
export async function unlessServerExited<M>(server: () => WatchedServer | null, measure: () => Promise<StepOutcome<M>>, during = 'during the window'): Promise<StepOutcome<M>> {
  const before = server()?.exitedOnItsOwn() ?? null;
  if (before !== null) return { state: 'failed', reason: withOutputTail(`server exited (${before}) before the step began`, server()!.tail()) };
  let outcome: StepOutcome<M> | null = null;
  let error: unknown = null;
  try {
    outcome = await measure();
  } catch (err) {
    error = err;
  }
  const s = server();
  if (s) {
    if (outcome === null || outcome.state !== 'completed') {
      const deadline = Date.now() + EXIT_NOTICE_MS;
      while (s.exitedOnItsOwn() === null && Date.now() < deadline) await sleep(20);
    }
    const how = s.exitedOnItsOwn();
    if (how !== null) return { state: 'failed', reason: withOutputTail(`server exited (${how}) ${during}`, s.tail()) };
  }
  if (outcome === null) throw error;
  return outcome;
}

/** What a push or upstream window runs on: a server, its /proc sampler, and every client connected. */
export interface StreamSession<T extends SessionServer> {
  spec: ServerSpec;
  server: T;
  pool: ClientPool;
  sampler: ProcessTreeSampler;
  clients: number;
}

type SessionServer = Pick<RunningServer, 'pid' | 'host' | 'port' | 'spec' | 'stop'> & { path?: string };

/**
 * Starts a server (`start`), samples its process tree, checks it (`ready`: an addition it must
 * speak, before any client connects) and connects `clients` clients; throws unless every one is
 * held, with whatever it started stopped again.
 */
export async function openStreamSession<T extends SessionServer>(
  spec: ServerSpec,
  start: () => Promise<T>,
  ctx: ExecutorContext,
  opts: { clients: number; rampPerSecond: number; roomSize?: number; ready?: (server: T) => Promise<void> },
): Promise<StreamSession<T>> {
  const server = await start();
  const sampler = new ProcessTreeSampler(server.pid, 200);
  sampler.start();
  try {
    await opts.ready?.(server);
    const rooms = opts.roomSize !== undefined && opts.roomSize > 1 ? ` in rooms of ${opts.roomSize}` : '';
    ctx.progress({ type: 'phase', text: `${spec.name}: opening ${opts.clients} connections${rooms}` });
    const pool = await startPool(server, ctx, { clients: opts.clients, rampPerSecond: opts.rampPerSecond, policy: NO_RECONNECT, ...(opts.roomSize === undefined ? {} : { roomSize: opts.roomSize }) });
    const connect = await pool.connectAll().catch(async (err: unknown) => {
      await pool.close();
      throw err;
    });
    if (connect.held < opts.clients) {
      await pool.close();
      throw new Error(`only ${connect.held} of ${opts.clients} clients connected (${JSON.stringify(connect.failuresByCause)})`);
    }
    return { spec, server, pool, sampler, clients: opts.clients };
  } catch (err) {
    sampler.stop();
    await server.stop();
    throw err;
  }
}

export async function closeStreamSession(s: StreamSession<SessionServer>): Promise<void> {
  s.sampler.stop();
  await s.pool.close();
  await s.server.stop();
}

/**
 * One stream session across a scenario's steps on one server. An overloaded step leaves a backlog
 * in server and socket buffers that would leak into the next step, so the step after one that did
 * not complete runs on a fresh server and fresh clients; only when a step follows (reopening right
 * after the last one cost a server and its clients for nothing). A session that could not open is
 * kept as its error: every step on it fails with that reason.
 */
export class SessionAcrossSteps<S extends StreamSession<SessionServer>> {
  private stale = false;

  private constructor(
    private readonly open: () => Promise<S | Error>,
    private session: S | Error,
  ) {}

  static async start<S extends StreamSession<SessionServer>>(open: () => Promise<S>): Promise<SessionAcrossSteps<S>> {
    const attempt = () => open().catch((err: unknown) => err as Error);
    return new SessionAcrossSteps(attempt, await attempt());
  }

  /** The session the next step runs on: a fresh one when the last step did not complete. */
  async forNextStep(): Promise<S | Error> {
    if (this.stale && !(this.session instanceof Error)) {
      await closeStreamSession(this.session);
      this.session = await this.open();
    }
    this.stale = false;
    return this.session;
  }

  /** Called with each step's result: one that did not complete spoils the session for the next. */
  after(step: StepResult): void {
    if (step.outcome.state !== 'completed') this.stale = true;
  }

  async close(): Promise<void> {
    if (!(this.session instanceof Error)) await closeStreamSession(this.session);
  }
}

/** The delivery counts push, path and upstream windows report alike, in the result's field names. */
export function deliveryCounts(window: Pick<MergedWindow, 'connected' | 'received' | 'gaps' | 'duplicates' | 'outOfOrder'>, expected: number) {
  return { clientsConnected: window.connected, expected, received: window.received, gaps: window.gaps, duplicates: window.duplicates, outOfOrder: window.outOfOrder };
}
