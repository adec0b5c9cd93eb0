// The coordinator's side of the client engine: forks the workers the plan asks for, drives them
// over IPC and merges what they report (counters summed, histograms merged, maxima kept).
import { fork, type ChildProcess } from 'node:child_process';
import type { ReconnectPolicy, StreamTarget } from '../clients/types.ts';
import { onShutdown } from '../lifecycle/cleanup.ts';
import { createHistogram, encodeHistogram, mergeInto } from '../metrics/histogram.ts';
import type { SelfSample } from '../metrics/self-sampler.ts';
import { planShards, type ShardPlan } from './plan.ts';
import { workerBundle } from './worker-bundle.ts';
import type { ConnectReport, Envelope, ReconnectReport, Reply, Request, Status, WindowReport } from './protocol.ts';


export interface PoolOptions {
  target: Omit<StreamTarget, 'localAddress'>;
  clients: number;
  rampPerSecond: number;
  maxPerWorker: number;
  connectTimeoutMs: number;
  policy: ReconnectPolicy;
  /** Force a worker count (tests); default: as many as the plan needs. */
  workers?: number;
  /** Calibration: µs of CPU each worker burns per event (a slow reader). */
  burnUsPerEvent?: number;
}

export interface MergedConnect {
  held: number;
  failuresByCause: Record<string, number>;
  connectHistogram: string;
  ratePerSecond: number;
  durationMs: number;
  capHit: boolean;
  clientRssBeforeBytes: number;
  clientRssAfterBytes: number;
  /** Busiest worker's CPU during the ramp, % of one core. */
  clientCpuPercentMax: number;
}

export interface MergedWindow {
  connected: number;
  received: number;
  duplicates: number;
  outOfOrder: number;
  gaps: number;
  lostWithProcess: number;
  wireBytes: number;
  latencyFromT0: string;
  latencyFromT1: string;
  workers: SelfSample[];
}

export interface MergedReconnect extends Omit<ReconnectReport, 'reconnectHistogram' | 'timeline'> {
  /** Time from the mark to each re-open, µs. */
  reconnectHistogram: string;
  timeline: { tMs: number; connected: number; eventsPerSecond: number }[];
}

class Worker {
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
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        for (const w of this.waiting.values()) w.reject(new Error(`client worker ${child.pid} exited (${signal ?? code})`));
        this.waiting.clear();
        resolve();
      });
    });
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
  private closed = false;
  private readonly unregister: () => void;

  private constructor(
    private readonly workers: Worker[],
    readonly plan: ShardPlan,
  ) {
    this.unregister = onShutdown(() => this.close());
  }

  static async start(opts: PoolOptions): Promise<ClientPool> {
    const plan = planShards(opts.clients, { maxPerWorker: opts.maxPerWorker, workers: opts.workers });
    const bundle = await workerBundle();
    const workers = plan.shards.map(
      () =>
        new Worker(
          fork(bundle, [], {
            execArgv: ['--expose-gc'],
            serialization: 'json',
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          }),
        ),
    );
    const pool = new ClientPool(workers, plan);
    try {
      const perWorkerRate = Math.max(1, Math.round(opts.rampPerSecond / workers.length));
      await Promise.all(
        workers.map((w, i) =>
          w.request(
            {
              type: 'init',
              target: opts.target,
              policy: opts.policy,
              shard: plan.shards[i]!,
              cap: plan.workerCap,
              rampPerSecond: perWorkerRate,
              connectTimeoutMs: opts.connectTimeoutMs,
              burnUsPerEvent: opts.burnUsPerEvent ?? 0,
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
    return this.plan.sourceAddresses;
  }

  workerPids(): number[] {
    return this.workers.map((w) => w.child.pid ?? 0).filter((p) => p > 0);
  }

  async connectAll(): Promise<MergedConnect> {
    const started = Date.now();
    const reports: ConnectReport[] = (await Promise.all(this.workers.map((w) => w.request({ type: 'connect' }, 'connected')))).map((r) => r.report);
    const merged = createHistogram('us');
    for (const r of reports) mergeInto(merged, r.connectHistogram);
    const held = sum(reports.map((r) => r.held));
    const durationMs = Math.max(1, Date.now() - started);
    return {
      held,
      failuresByCause: sumRecords(reports.map((r) => r.failuresByCause)),
      connectHistogram: encodeHistogram(merged),
      ratePerSecond: (held * 1000) / Math.max(1, Math.max(...reports.map((r) => r.durationMs))),
      durationMs,
      capHit: reports.some((r) => r.capHit),
      clientRssBeforeBytes: sum(reports.map((r) => r.rssBeforeBytes)),
      clientRssAfterBytes: sum(reports.map((r) => r.rssAfterBytes)),
      clientCpuPercentMax: Math.max(0, ...reports.map((r) => r.cpuPercent)),
    };
  }

  async beginWindow(range: { fromSeq: number; toSeq: number }): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ type: 'begin-window', ...range }, 'ok')));
  }

  async endWindow(): Promise<MergedWindow> {
    const reports: WindowReport[] = (await Promise.all(this.workers.map((w) => w.request({ type: 'end-window' }, 'window')))).map((r) => r.report);
    const t0 = createHistogram('us');
    const t1 = createHistogram('us');
    for (const r of reports) {
      mergeInto(t0, r.latencyFromT0);
      mergeInto(t1, r.latencyFromT1);
    }
    return {
      connected: sum(reports.map((r) => r.connected)),
      received: sum(reports.map((r) => r.received)),
      duplicates: sum(reports.map((r) => r.duplicates)),
      outOfOrder: sum(reports.map((r) => r.outOfOrder)),
      gaps: sum(reports.map((r) => r.gaps)),
      lostWithProcess: sum(reports.map((r) => r.lostWithProcess)),
      wireBytes: sum(reports.map((r) => r.wireBytes)),
      latencyFromT0: encodeHistogram(t0),
      latencyFromT1: encodeHistogram(t1),
      workers: reports.map((r) => r.self),
    };
  }

  /** Every worker notes the same CLOCK_MONOTONIC instant (hrtime is system-wide on Linux). */
  async markDisruption(): Promise<bigint> {
    const markNs = process.hrtime.bigint();
    await Promise.all(this.workers.map((w) => w.request({ type: 'mark-disruption', markNs: String(markNs) }, 'ok')));
    return markNs;
  }

  async reconnectReport(): Promise<MergedReconnect> {
    const reports = (await Promise.all(this.workers.map((w) => w.request({ type: 'reconnect-report' }, 'reconnect-report')))).map((r) => r.report);
    const times = createHistogram('us');
    const replay = createHistogram('us');
    for (const r of reports) {
      mergeInto(times, r.reconnectHistogram);
      mergeInto(replay, r.replayLatency);
    }
    const buckets = Math.max(0, ...reports.map((r) => r.timeline.length));
    const timeline: MergedReconnect['timeline'] = [];
    for (let i = 0; i < buckets; i++) {
      timeline.push({
        tMs: (i + 1) * 100,
        connected: sum(reports.map((r) => r.timeline[i]?.connected ?? r.timeline[r.timeline.length - 1]?.connected ?? 0)),
        eventsPerSecond: sum(reports.map((r) => r.timeline[i]?.events ?? 0)) * 10,
      });
    }
    return {
      disrupted: sum(reports.map((r) => r.disrupted)),
      reconnected: sum(reports.map((r) => r.reconnected)),
      attempts: sum(reports.map((r) => r.attempts)),
      errorsByCause: sumRecords(reports.map((r) => r.errorsByCause)),
      reconnectHistogram: encodeHistogram(times),
      replayed: sum(reports.map((r) => r.replayed)),
      replayLatency: encodeHistogram(replay),
      timeline,
    };
  }

  async status(reachedSeq = 0): Promise<Status> {
    const all = (await Promise.all(this.workers.map((w) => w.request({ type: 'status', reachedSeq }, 'status')))).map((r) => r.status);
    return {
      open: sum(all.map((s) => s.open)),
      total: sum(all.map((s) => s.total)),
      behind: sum(all.map((s) => s.behind)),
      maxSeq: Math.max(0, ...all.map((s) => s.maxSeq)),
      disrupted: sum(all.map((s) => s.disrupted)),
      reconnected: sum(all.map((s) => s.reconnected)),
    };
  }

  async maxSeqSeen(): Promise<number> {
    return (await this.status()).maxSeq;
  }

  /** Restart mode: window seqs below `belowSeq` died with the old process (reported apart). */
  async setLostBelow(belowSeq: number): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ type: 'lost-below', belowSeq }, 'ok')));
  }

  /** True once every connection still expected to receive has seq ≥ `seq`; false on timeout. */
  async waitUntilAllReached(seq: number, timeoutMs: number): Promise<boolean> {
    return this.poll(timeoutMs, async () => (await this.status(seq)).behind === 0);
  }

  /** True once every disrupted connection is open again and all are open; false on timeout. */
  async waitUntilReconnected(timeoutMs: number): Promise<boolean> {
    return this.poll(timeoutMs, async () => {
      const s = await this.status();
      return s.reconnected >= s.disrupted && s.open === s.total;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    await Promise.all(
      this.workers.map(async (w) => {
        await w.request({ type: 'close' }, 'ok').catch(() => undefined);
        const gone = await Promise.race([w.exited.then(() => true), delay(2000).then(() => false)]);
        if (!gone) w.child.kill('SIGKILL');
        await w.exited;
      }),
    );
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

function sumRecords(records: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
