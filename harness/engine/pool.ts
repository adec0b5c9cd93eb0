// The coordinator's side of the client engine: forks the workers the layout asks for, drives them
// over IPC and merges what they report (counters summed, histograms merged, maxima kept).
import { fork, type ChildProcess } from 'node:child_process';
import type { ReconnectPolicy, StreamTarget } from '../clients/types.ts';
import { onShutdown } from '../lifecycle/cleanup.ts';
import { mergeConnects, mergeReconnects, mergeSends, mergeWindows, type MergedConnect, type MergedReconnect, type MergedSend, type MergedWindow } from './merge.ts';
import type { SendPlan } from './send-run.ts';
import { MAX_SOURCE_ADDRESSES, shardClients, type ShardLayout } from './shards.ts';
import type { Envelope, Reply, Request, Status } from './protocol.ts';
import { workerBundle } from './worker-bundle.ts';
import type { AgentClock } from '../../result/extras.ts';
import { placeOnAgents, type AgentSession } from './agent-client.ts';

export interface PoolOptions {
  target: Omit<StreamTarget, 'localAddress'>;
  clients: number;
  rampPerSecond: number;
  /** Most handshakes left unanswered at once over the whole pool (a broker's queue); 0: no limit. */
  maxPendingConnects?: number;
  maxPerWorker: number;
  connectTimeoutMs: number;
  policy: ReconnectPolicy;
  /** Force a worker count (tests); default: as many as the layout needs. */
  workers?: number;
  /** Calibration: µs of CPU each worker burns per event (a slow reader). */
  burnUsPerEvent?: number;
  /** Processes the server spreads connections over (ServerSpec.processes; see shardClients). */
  serverProcesses?: number;
  /** Load agents (`host:port`) to run the workers on instead of forking them here (agent-client.ts). */
  agents?: string[];
  /** The upstream scenario: streams subscribe with a client id and a room of this size (messages addition). */
  roomSize?: number;
}

/** A worker as the pool drives it: forked here (Worker) or on a load agent (RemoteWorker). */
export interface PoolWorker {
  request<T extends Reply['type']>(req: Request, expect: T): Promise<Extract<Reply, { type: T }>>;
  /** Resolves once the worker is gone (for a remote one: or its agent connection is). */
  readonly exited: Promise<void>;
  /** Its pid on its own host; undefined when it never started. */
  readonly pid: number | undefined;
  /** SIGKILL, the last resort of close(). */
  kill(): void;
}

/** Forks one client worker; the agent forks its workers with this too, so they match exactly. */
export function forkWorker(bundle: string): ChildProcess {
  return fork(bundle, [], {
    execArgv: ['--expose-gc'],
    serialization: 'json',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export type { MergedConnect, MergedReconnect, MergedSend, MergedWindow } from './merge.ts';

/**
 * Where the next spread run's source addresses start (ShardOptions.firstAddress). It moves past the
 * addresses each run used, so a run does not bind where the last one left ports in TIME_WAIT; it
 * starts from the pid so two coordinators run back to back are unlikely to meet either.
 */
let nextFirstAddress = 1 + (process.pid % MAX_SOURCE_ADDRESSES);

class Worker implements PoolWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (msg: Envelope<Reply>) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.body.type === 'error') w.reject(new Error(`client worker: ${msg.body.message}`));
      else w.resolve(msg.body);
    });
    // A fork that fails (no such file, EAGAIN) emits 'error'; unhandled, it would kill the coordinator.
    child.on('error', (err) => {
      for (const w of this.waiting.values()) w.reject(new Error(`client worker: ${err.message}`));
      this.waiting.clear();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        for (const w of this.waiting.values()) w.reject(new Error(`client worker ${child.pid} exited (${signal ?? code})`));
        this.waiting.clear();
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  request<T extends Reply['type']>(req: Request, expect: T): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, {
        resolve: (r) => (r.type === expect ? resolve(r as Extract<Reply, { type: T }>) : reject(new Error(`client worker answered ${r.type}, expected ${expect}`))),
        reject,
      });
      if (!this.child.connected) {
        this.waiting.delete(id);
        reject(new Error('client worker is not connected'));
        return;
      }
      this.child.send({ id, body: req } satisfies Envelope<Request>);
    });
  }
}

export class ClientPool {
  private closing: Promise<void> | null = null;
  /** What the last connectAll reported (the handshake statuses a step records). */
  lastConnect: MergedConnect | null = null;
  private readonly unregister: () => void;

  private constructor(
    private readonly workers: PoolWorker[],
    readonly layout: ShardLayout,
    private readonly agents: AgentSession | null,
  ) {
    this.unregister = onShutdown(() => this.close());
  }

  static async start(opts: PoolOptions): Promise<ClientPool> {
    if (opts.agents !== undefined && opts.agents.length > 0) {
      // Places need every worker's first client index from one layout, and a sender's t0 and a
      // receiver's clock on one host: upstream steps run their clients here (the scenario says so first).
      if (opts.roomSize !== undefined) throw new Error('the upstream scenario runs its clients on this host, not on load agents');
      const placed = await placeOnAgents(opts.agents, opts);
      return ClientPool.init(new ClientPool(placed.workers, placed.layout, placed.session), opts, placed.caps, placed.clockOffsetsNs);
    }
    const layout = shardClients(opts.clients, { maxPerWorker: opts.maxPerWorker, workers: opts.workers, firstAddress: nextFirstAddress, serverProcesses: opts.serverProcesses });
    if (layout.shards.some((s) => s.addresses.some((a) => a.address !== null))) {
      nextFirstAddress = ((nextFirstAddress - 1 + layout.sourceAddresses) % MAX_SOURCE_ADDRESSES) + 1;
    }
    const bundle = await workerBundle();
    const workers = layout.shards.map(() => new Worker(forkWorker(bundle)));
    const pool = new ClientPool(workers, layout, null);
    return ClientPool.init(pool, opts, workers.map(() => layout.workerCap), workers.map(() => 0));
  }

  /** Sends every worker its init: shard, cap, and the offset of its host's clock (0 here). */
  private static async init(pool: ClientPool, opts: PoolOptions, caps: number[], clockOffsetsNs: number[]): Promise<ClientPool> {
    const { workers, layout } = pool;
    // Global index of each worker's first client: the shards in order.
    const firstClients = layout.shards.map((_, i) => layout.shards.slice(0, i).reduce((n, s) => n + s.clients, 0));
    try {
      const perWorkerRate = Math.max(1, Math.round(opts.rampPerSecond / workers.length));
      await Promise.all(
        workers.map((w, i) =>
          w.request(
            {
              type: 'init',
              target: opts.target,
              policy: opts.policy,
              shard: layout.shards[i]!,
              cap: caps[i]!,
              rampPerSecond: perWorkerRate,
              maxPendingConnects: opts.maxPendingConnects ? Math.max(1, Math.floor(opts.maxPendingConnects / workers.length)) : 0,
              connectTimeoutMs: opts.connectTimeoutMs,
              burnUsPerEvent: opts.burnUsPerEvent ?? 0,
              clockOffsetNs: clockOffsetsNs[i]!,
              places: opts.roomSize === undefined ? null : { firstClient: firstClients[i]!, roomSize: opts.roomSize },
            },
            'ok',
          ),
        ),
      );
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get sourceAddresses(): number {
    return this.layout.sourceAddresses;
  }

  /** Pids on each worker's own host (an agent's workers: on that agent's host). */
  workerPids(): number[] {
    return this.workers.map((w) => w.pid ?? 0).filter((p) => p > 0);
  }

  /** Per agent, its measured clock offset and share; empty when the workers run here. */
  agentClocks(): AgentClock[] {
    return this.agents?.clocks ?? [];
  }

  async connectAll(): Promise<MergedConnect> {
    const started = Date.now();
    const reports = await Promise.all(this.workers.map(async (w) => (await w.request({ type: 'connect' }, 'connected')).report));
    this.lastConnect = mergeConnects(reports, Math.max(1, Date.now() - started));
    return this.lastConnect;
  }

  async beginWindow(range: { fromSeq: number; toSeq: number; gc?: boolean }): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ type: 'begin-window', ...range }, 'ok')));
  }

  async endWindow(): Promise<MergedWindow> {
    return mergeWindows(await Promise.all(this.workers.map(async (w) => (await w.request({ type: 'end-window' }, 'window')).report)));
  }

  /** The upstream scenario: fresh trackers, the window over [fromSeq, toSeq], and every worker's send schedule started. */
  async beginSend(plan: SendPlan, range: { fromSeq: number; toSeq: number }): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ type: 'begin-send', plan, ...range }, 'ok')));
  }

  /** Stops every worker's schedule: the window merged, and the senders' tallies. */
  async endSend(): Promise<{ window: MergedWindow; send: MergedSend }> {
    const reports = await Promise.all(this.workers.map(async (w) => (await w.request({ type: 'end-send' }, 'sent')).report));
    return { window: mergeWindows(reports.map((r) => r.window)), send: mergeSends(reports.map((r) => r.send)) };
  }

  /** Every worker notes the same CLOCK_MONOTONIC instant (hrtime is system-wide on Linux). */
  async markDisruption(): Promise<bigint> {
    const markNs = process.hrtime.bigint();
    await Promise.all(this.workers.map((w) => w.request({ type: 'mark-disruption', markNs: String(markNs) }, 'ok')));
    return markNs;
  }

  /** What happened since the mark, the timeline up to now (the same buckets from every worker). */
  async reconnectReport(): Promise<MergedReconnect> {
    const untilNs = String(process.hrtime.bigint());
    return mergeReconnects(await Promise.all(this.workers.map(async (w) => (await w.request({ type: 'reconnect-report', untilNs }, 'reconnect-report')).report)));
  }

  async status(reachedSeq = 0): Promise<Status> {
    const all = (await Promise.all(this.workers.map((w) => w.request({ type: 'status', reachedSeq }, 'status')))).map((r) => r.status);
    return {
      open: sum(all.map((s) => s.open)),
      total: sum(all.map((s) => s.total)),
      live: sum(all.map((s) => s.live)),
      behind: sum(all.map((s) => s.behind)),
      maxSeq: Math.max(0, ...all.map((s) => s.maxSeq)),
      disrupted: sum(all.map((s) => s.disrupted)),
      reconnected: sum(all.map((s) => s.reconnected)),
    };
  }

  async maxSeqSeen(): Promise<number> {
    return (await this.status()).maxSeq;
  }

  /**
   * Restart mode, once the old process is dead: seqs each connection had not yet received below
   * `belowSeq` (where the new process starts) died with it. They are reported as lostWithProcess,
   * not gaps; returns how many (connection × seq) that is.
   */
  async setLostBelow(belowSeq: number): Promise<number> {
    return sum(await Promise.all(this.workers.map(async (w) => (await w.request({ type: 'lost-below', belowSeq }, 'lost')).count)));
  }

  /** True once every connection still expected to receive has seq ≥ `seq`; false on timeout. */
  async waitUntilAllReached(seq: number, timeoutMs: number): Promise<boolean> {
    return this.poll(timeoutMs, async () => (await this.status(seq)).behind === 0);
  }

  /** True once every disrupted connection is open again and every live one is open; false on timeout. */
  async waitUntilReconnected(timeoutMs: number): Promise<boolean> {
    return this.poll(timeoutMs, async () => {
      const s = await this.status();
      return s.reconnected >= s.disrupted && s.open === s.live;
    });
  }

  /** Ends every connection and every worker (SIGKILL after 2 s); idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unregister();
      await Promise.all(
        this.workers.map(async (w) => {
          await w.request({ type: 'close' }, 'ok').catch(() => undefined);
          const gone = await Promise.race([w.exited.then(() => true), delay(2000).then(() => false)]);
          if (!gone) w.kill();
          // A fork that never started has no exit to wait for.
          if (w.pid !== undefined) await Promise.race([w.exited, delay(2000)]);
        }),
      );
      // The agents end whatever worker is left once their coordinator connection closes.
      await this.agents?.close();
    })();
    return this.closing;
  }

  private async poll(timeoutMs: number, done: () => Promise<boolean>): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await done()) return true;
      if (Date.now() > deadline) return false;
      await delay(25);
    }
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
