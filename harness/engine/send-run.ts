// A worker's share of the upstream scenario's send schedule: every client sends `count` messages
// at `rate` per second, spread evenly over each period across all clients of all workers (client g
// of N sends message k at start + (k−1)/rate + g/(N·rate)), so the server sees a steady stream
// rather than N messages at once. One timer walks the worker's clients in schedule order; t0 of a
// message is its intended time (the coordinated-omission-safe send time: a message the client
// could only send late carries its wait). Bounded in count (count × clients) and in time (the
// deadline: what is not sent by then is counted as not sent).
import type { MessageTarget } from '../../servers/contract.ts';
import type { MessageSender, SendTally } from '../clients/message-sender.ts';

/** The clients' side of sending: a WS frame on the stream, or an SSE POST (keep-alive or per request). */
export type SendTransport = 'socket' | 'keepalive' | 'per-request';

export interface SendPlan {
  to: MessageTarget;
  transport: SendTransport;
  /** Messages per second per client. */
  rate: number;
  /** Messages per client. */
  count: number;
  /** Of those, the first `warmup` per client are the warm-up: the CPU per message is read after them. */
  warmup: number;
  bytes: number;
  /** When message 1 of client 0 is due: CLOCK_MONOTONIC ns on the coordinator's clock, as a string. */
  startNs: string;
  /** Nothing is sent after this (coordinator's clock, ns as a string). */
  deadlineNs: string;
  /** Clients of the whole step (every worker), for the spread. */
  clients: number;
}

export interface SendReport {
  /** Messages the schedule asked this worker's clients for. */
  scheduled: number;
  /** Messages the schedule reached before the deadline (handed to a sender). */
  issued: number;
  tally: SendTally;
  /** The latest a message was handed to its sender after its t0, ms: the sending side's own lag. */
  lateMaxMs: number;
  /**
   * This worker's CPU (user + system, µs) from the first message after the warm-up to the last
   * message, and the messages issued in between: the client's CPU per message, receiving included.
   */
  measuredCpuUs: number;
  measuredMessages: number;
}

export class SendRun {
  private timer: NodeJS.Timeout | null = null;
  /** The next message: its number k (1-based) and the client index i within this worker. */
  private k = 1;
  private i = 0;
  private issued = 0;
  private lateMaxNs = 0;
  /** CPU and issued count when the measured part began (the first message after the warm-up), and at the last message. */
  private cpuFrom: NodeJS.CpuUsage | null = null;
  private issuedFrom = 0;
  private cpuTo: NodeJS.CpuUsage | null = null;
  private issuedTo = 0;
  private readonly startNs: number;
  private readonly deadlineNs: number;
  private readonly stepNs: number;
  private readonly periodNs: number;

  constructor(
    private readonly plan: SendPlan,
    private readonly senders: MessageSender[],
    /** Global index of this worker's first client. */
    private readonly firstClient: number,
    private readonly tally: SendTally,
    /** Now on the coordinator's clock (ns as a double). */
    private readonly now: () => number,
  ) {
    this.startNs = Number(plan.startNs);
    this.deadlineNs = Number(plan.deadlineNs);
    this.periodNs = 1e9 / plan.rate;
    this.stepNs = this.periodNs / Math.max(1, plan.clients);
  }

  /** When message k of this worker's client i is due. */
  dueNs(k: number, i: number): number {
    return this.startNs + (k - 1) * this.periodNs + (this.firstClient + i) * this.stepNs;
  }

  start(): void {
    if (this.senders.length === 0 || this.plan.count === 0) return;
    this.tick();
  }

  /** Stops the schedule and every sender; what was not answered by now counts as failed. */
  stop(): SendReport {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const s of this.senders) s.close();
    const cpu = this.cpuFrom !== null && this.cpuTo !== null ? this.cpuTo.user + this.cpuTo.system - this.cpuFrom.user - this.cpuFrom.system : 0;
    return {
      scheduled: this.plan.count * this.senders.length,
      issued: this.issued,
      tally: this.tally,
      lateMaxMs: this.lateMaxNs / 1e6,
      measuredCpuUs: cpu,
      measuredMessages: this.cpuTo !== null ? this.issuedTo - this.issuedFrom : 0,
    };
  }

  get done(): boolean {
    return this.k > this.plan.count;
  }

  private tick(): void {
    this.timer = null;
    const n = this.senders.length;
    const now = this.now();
    // Every message due by now, in schedule order, up to the deadline.
    while (this.k <= this.plan.count) {
      const due = this.dueNs(this.k, this.i);
      if (due > now) break;
      if (now > this.deadlineNs) {
        this.k = this.plan.count + 1; // the rest is not sent: scheduled − issued says how many
        return;
      }
      if (now - due > this.lateMaxNs) this.lateMaxNs = now - due;
      if (this.i === 0 && this.k === this.plan.warmup + 1) {
        this.cpuFrom = process.cpuUsage();
        this.issuedFrom = this.issued;
      }
      this.senders[this.i]!.send(this.k, due);
      this.issued++;
      if (this.k === this.plan.count && this.i === n - 1) {
        this.cpuTo = process.cpuUsage();
        this.issuedTo = this.issued;
      }
      if (++this.i === n) {
        this.i = 0;
        this.k++;
      }
    }
    if (this.k > this.plan.count) return;
    const waitMs = Math.max(0, (this.dueNs(this.k, this.i) - this.now()) / 1e6);
    this.timer = setTimeout(tickLater, waitMs, this);
  }

  /** For the shared timer callback. */
  run(): void {
    this.tick();
  }
}

function tickLater(r: SendRun): void {
  r.run();
}
