// A clustered server's primary: forks the workers, answers every contract request a worker passes
// up by commanding all workers and combining their results, and owns the process lifecycle
// (ready when every worker listens; SIGTERM ends all; a dead worker ends the server loudly).
import cluster, { type Worker } from 'node:cluster';
import type { HealthBody, Protocol } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import type { ControlOp, OpResult } from './control-http.ts';
import {
  BROADCAST_LEAD_NS,
  COMMAND_TIMEOUT_MS,
  clusterWorkers,
  isMessage,
  type AnswerMessage,
  type AskMessage,
  type CommandMessage,
  type CommandResult,
  type DoneMessage,
  type WorkerCommand,
} from './cluster-protocol.ts';

/** Stop grace for the workers: the contract gives the whole group 2 s, the primary exits after. */
const STOP_GRACE_MS = 1500;
/**
 * The harness signals the whole group, so a worker may exit from that SIGTERM a moment before the
 * primary handles its own: wait this long before calling a worker's exit a death.
 */
const DEATH_GRACE_MS = 200;

export function runPrimary(name: string, protocol: Protocol): void {
  // Reads (and so validates) the knobs once here: a bad one stops the server before any fork.
  const config = readCoreConfig(protocol);
  const count = clusterWorkers();
  // Round-robin: the primary accepts every connection and passes it to the next worker, so the
  // spread is even (the per-process open-file cap applies to each worker) and, once passed, the
  // primary holds no client socket. (SO_REUSEPORT would leave the spread to the kernel's hash, and
  // Node 20 has no reusePort option.) Set explicitly: it is the default on Linux only.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.setupPrimary({ serialization: 'json' });

  const workers: Worker[] = [];
  const listening = new Set<number>();
  let nextId = 1;
  const waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let stopping = false;

  const command = <K extends WorkerCommand['cmd']>(w: Worker, cmd: Extract<WorkerCommand, { cmd: K }>): Promise<CommandResult[K]> =>
    new Promise((resolve, reject) => {
      if (!w.isConnected()) return reject(new Error(`worker ${w.id} is gone`));
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`worker ${w.id} did not answer ${cmd.cmd} within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      waiting.set(id, { resolve: (r) => resolve(r as CommandResult[K]), reject, timer });
      w.send({ kind: 'do', id, command: cmd } satisfies CommandMessage);
    });
  /** The same command to every worker, results in worker order. */
  const everyWorker = <K extends WorkerCommand['cmd']>(cmd: Extract<WorkerCommand, { cmd: K }>): Promise<CommandResult[K][]> =>
    Promise.all(workers.map((w) => command<K>(w, cmd)));

  const perform = async (op: ControlOp): Promise<OpResult[ControlOp['op']]> => {
    switch (op.op) {
      case 'health': {
        if (listening.size < count) throw new Error(`not ready: ${listening.size} of ${count} workers listening`);
        const all = await everyWorker<'health'>({ cmd: 'health', gc: op.gc });
        const body: HealthBody = {
          ok: true,
          protocol,
          connections: sum(all.map((h) => h.connections)),
          // Every worker emits the same events: the server emitted the most any worker did (a
          // sum would count each event once per worker).
          sent: Math.max(0, ...all.map((h) => h.sent)),
          lastSeq: Math.max(0, ...all.map((h) => h.lastSeq)),
          heapUsed: sum(all.map((h) => h.heapUsed)),
          workers: all.map((h) => h.connections),
        };
        return body;
      }
      case 'broadcast': {
        // Two steps so that every worker continues from the same seq: all stop, the furthest
        // worker's next seq is where the new schedule starts (the others catch up to it), and one
        // start time goes to all. hrtime is CLOCK_MONOTONIC, the same clock in every process.
        const paused = await everyWorker<'pause'>({ cmd: 'pause' });
        const firstSeq = Math.max(...paused.map((p) => p.nextSeq));
        const startNs = process.hrtime.bigint() + BROADCAST_LEAD_NS;
        await everyWorker<'start'>({ cmd: 'start', req: op.req, startNs: String(startNs), firstSeq });
        return {};
      }
      case 'drop': {
        const dropped = await everyWorker<'drop'>({ cmd: 'drop', fraction: op.fraction });
        return { dropped: sum(dropped.map((d) => d.dropped)) };
      }
      case 'reset':
        await everyWorker<'reset'>({ cmd: 'reset' });
        return {};
    }
  };

  // One operation at a time, in arrival order: a broadcast's two steps must not interleave with
  // another broadcast or a reset, and a request sees the effect of every earlier one.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  cluster.on('message', (worker: Worker, msg: unknown) => {
    if (isMessage(msg, 'done')) {
      const done = msg as DoneMessage;
      const w = waiting.get(done.id);
      if (!w) return;
      waiting.delete(done.id);
      clearTimeout(w.timer);
      if (done.ok) w.resolve(done.result);
      else w.reject(new Error(`worker ${worker.id}: ${done.error}`));
    } else if (isMessage(msg, 'ask')) {
      const { id, op } = msg as AskMessage;
      const reply = (m: AnswerMessage): void => {
        if (worker.isConnected()) worker.send(m);
      };
      serialized(() => perform(op)).then(
        (body) => reply({ kind: 'answer', id, ok: true, body }),
        (err: unknown) => reply({ kind: 'answer', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
    }
  });

  cluster.on('listening', (worker: Worker, address) => {
    listening.add(worker.id);
    if (listening.size === count) {
      process.stderr.write(`${name}: ${count} workers listening on ${config.host}:${address.port} (${protocol})\n`);
    }
  });

  const exitWhenAllDead = (): void => {
    if (workers.every((w) => w.isDead())) process.exit(0);
  };

  cluster.on('exit', (worker: Worker, code: number, signal: string | null) => {
    if (stopping) return exitWhenAllDead();
    setTimeout(() => {
      if (stopping) return exitWhenAllDead();
      // No silent half-server: one line, every other worker ended, a non-zero exit.
      process.stderr.write(`${name}: worker ${worker.id} (pid ${worker.process.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; stopping the server\n`);
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      process.exit(1);
    }, DEATH_GRACE_MS);
  });

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Usually they have the group's SIGTERM already; this covers a SIGTERM sent to the primary alone.
    for (const w of workers) if (!w.isDead()) w.process.kill('SIGTERM');
    exitWhenAllDead();
    setTimeout(() => {
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      process.exit(0);
    }, STOP_GRACE_MS).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  for (let i = 0; i < count; i++) {
    const w = cluster.fork();
    // A send racing a worker's death emits 'error' on it; the 'exit' handler deals with the death.
    w.on('error', () => undefined);
    workers.push(w);
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
