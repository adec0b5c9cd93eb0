// A client worker process: opens its share of connections at the asked rate, accounts for every
// event (worker-state.ts), and answers the coordinator over IPC. It exits when the coordinator
// goes away, so no worker outlives a run.
import { openStreamFor } from '../clients/index.ts';
import { MessageBytes, newTally, PostSender, WsFrameSender, type MessageSender } from '../clients/message-sender.ts';
import type { StreamConnection, StreamTarget } from '../clients/types.ts';
import { encodeHistogram } from '../../result/histogram.ts';
import { SelfSampler } from '../metrics/self-sampler.ts';
import type { ConnectReport, Envelope, InitRequest, Places, Reply, Request, StatusCount } from './protocol.ts';
import { SendRun, type SendPlan } from './send-run.ts';
import { DialBucket } from './dial-bucket.ts';
import { ConnectPhase, WorkerState, type ConnState } from './worker-state.ts';

const state = new WorkerState();
const streams: StreamConnection[] = [];
/** Each stream's target (its source address), for the POST connections of the upstream scenario. */
const targets: StreamTarget[] = [];
let sendRun: SendRun | null = null;
const self = new SelfSampler();
let init: InitRequest | null = null;
let windowBytesStart = 0;

function send(id: number, body: Reply): void {
  process.send?.({ id, body } satisfies Envelope<Reply>);
}

function gcAndRss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage.rss();
}

function totalBytesRead(): number {
  let n = 0;
  for (const s of streams) n += s.bytesRead();
  return n;
}

async function connect(cfg: InitRequest): Promise<ConnectReport> {
  const open = openStreamFor(cfg.target.protocol);
  const want = cfg.shard.clients;
  const n = Math.min(want, cfg.cap);
  const rssBefore = gcAndRss();
  const phase = new ConnectPhase(n);
  state.connecting = phase;
  state.burnUs = cfg.burnUsPerEvent;
  const started = Date.now();
  const firstStream = streams.length;
  self.reset();
  // Target of connection i: the shard's source-address blocks in order. One target object per
  // block, shared: each stream keeps its target for reconnects.
  const targetOf: StreamTarget[] = [];
  for (const a of cfg.shard.addresses) {
    const target: StreamTarget = { ...cfg.target, localAddress: a.address };
    for (let k = 0; k < a.count; k++) targetOf.push(target);
  }

  const conns: ConnState[] = [];
  const bucket = new DialBucket(cfg.rampPerSecond, performance.now());
  let next = 0;
  // The pending limit waits on answers, which a silent server may never give: it stops holding the
  // ramp back once nothing settled for the connect timeout (the stragglers then time out below).
  let lastSettled = phase.settled;
  let lastProgressMs = performance.now();
  while (next < n) {
    let allowed = bucket.take(performance.now());
    if (cfg.maxPendingConnects > 0) {
      if (phase.settled !== lastSettled) [lastSettled, lastProgressMs] = [phase.settled, performance.now()];
      if (performance.now() - lastProgressMs < cfg.connectTimeoutMs) allowed = Math.min(allowed, cfg.maxPendingConnects - (next - phase.settled));
      if (allowed <= 0) {
        await sleep(2);
        continue;
      }
    }
    const until = Math.min(n, next + allowed);
    for (; next < until; next++) {
      const c: ConnState = state.add();
      c.dialNs = state.now();
      conns.push(c);
      const target = targetOf[next] ?? { ...cfg.target, localAddress: null };
      targets.push(target);
      streams.push(open(target, cfg.policy, c, 0, placeQuery(cfg.places, streams.length)));
    }
    // Yield so handshakes progress; sleep until the next token when ahead of the rate.
    if (next < n) await sleep(bucket.waitMs(performance.now()));
  }
  const timedOut = await Promise.race([phase.done.then(() => false), sleep(cfg.connectTimeoutMs, true)]);
  if (timedOut) {
    // Give up on the stragglers for good, so what this worker holds is what it reports.
    for (let i = 0; i < conns.length; i++) {
      if (conns[i]!.settled) continue;
      streams[firstStream + i]!.close();
      conns[i]!.finished = true;
      phase.failures.timeout = (phase.failures.timeout ?? 0) + 1;
    }
  }
  state.connecting = null;
  return {
    held: phase.held,
    failuresByCause: phase.failures,
    connectHistogram: encodeHistogram(phase.connectUs),
    durationMs: Date.now() - started,
    capHit: want > cfg.cap,
    rssBeforeBytes: rssBefore,
    cpuPercent: self.read().cpuPercent,
    rssAfterBytes: gcAndRss(),
    httpStatuses: statusCounts(),
  };
}

/** The status of every stream's last response head, counted. */
function statusCounts(): StatusCount[] {
  const by = new Map<number, number>();
  for (const s of streams) if (s.lastHttpStatus !== null) by.set(s.lastHttpStatus, (by.get(s.lastHttpStatus) ?? 0) + 1);
  return [...by].sort((a, b) => a[0] - b[0]).map(([status, count]) => ({ status, count }));
}

/** Client id of this worker's stream i under the messages addition. */
function clientId(places: Places, i: number): string {
  return `c${places.firstClient + i}`;
}

/** Stream i's own query: its client id and room (the upstream scenario), else none. */
function placeQuery(places: Places | null, i: number): string {
  if (places === null) return '';
  return `client=${clientId(places, i)}&room=r${Math.floor((places.firstClient + i) / places.roomSize)}`;
}

/** One sender per stream: WS frames on the stream, or an SSE client's POSTs. */
function sendersFor(cfg: InitRequest, plan: SendPlan, tally: ReturnType<typeof newTally>): MessageSender[] {
  const msg = new MessageBytes(plan.to, plan.bytes);
  const places = cfg.places;
  if (places === null) throw new Error('begin-send: this worker was not started with places (client ids and rooms)');
  return streams.map((s, i) => (plan.transport === 'socket' ? new WsFrameSender(s, msg, tally) : new PostSender(targets[i]!, clientId(places, i), msg, tally, plan.transport)));
}

function sleep<T = void>(ms: number, value?: T): Promise<T> {
  return new Promise((r) => setTimeout(() => r(value as T), ms).unref());
}

async function handle(req: Request): Promise<Reply> {
  switch (req.type) {
    case 'init':
      init = req;
      state.setClockOffset(req.clockOffsetNs);
      return { type: 'ok' };
    case 'connect':
      if (!init) return { type: 'error', message: 'connect before init' };
      return { type: 'connected', report: await connect(init) };
    case 'begin-window':
      if (req.gc) (globalThis as { gc?: () => void }).gc?.();
      state.beginWindow(req.fromSeq, req.toSeq);
      self.reset();
      windowBytesStart = totalBytesRead();
      return { type: 'ok' };
    case 'end-window': {
      const report = state.endWindow(totalBytesRead() - windowBytesStart, self.read());
      return report ? { type: 'window', report } : { type: 'error', message: 'end-window without begin-window' };
    }
    case 'mark-disruption':
      state.mark(Number(req.markNs));
      return { type: 'ok' };
    case 'reconnect-report':
      return { type: 'reconnect-report', report: state.reconnectReport(Number(req.untilNs)) };
    case 'status':
      return { type: 'status', status: state.status(req.reachedSeq) };
    case 'lost-below':
      return { type: 'lost', count: state.setLostBelow(req.belowSeq) };
    case 'begin-send': {
      if (!init) return { type: 'error', message: 'begin-send before init' };
      if (sendRun !== null) sendRun.stop();
      const tally = newTally();
      const senders = sendersFor(init, req.plan, tally);
      state.freshTrackers();
      state.beginWindow(req.fromSeq, req.toSeq);
      self.reset();
      windowBytesStart = totalBytesRead();
      sendRun = new SendRun(req.plan, senders, init.places?.firstClient ?? 0, tally, () => state.now());
      sendRun.start();
      return { type: 'ok' };
    }
    case 'end-send': {
      if (sendRun === null) return { type: 'error', message: 'end-send without begin-send' };
      const send = sendRun.stop();
      sendRun = null;
      const window = state.endWindow(totalBytesRead() - windowBytesStart, self.read());
      return window ? { type: 'sent', report: { window, send } } : { type: 'error', message: 'end-send without a window' };
    }
    case 'close':
      sendRun?.stop();
      for (const s of streams) s.close();
      self.stop();
      setTimeout(() => process.exit(0), 20);
      return { type: 'ok' };
  }
}

process.on('message', (msg: Envelope<Request>) => {
  handle(msg.body).then(
    (reply) => send(msg.id, reply),
    (err: unknown) => send(msg.id, { type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
// The coordinator is gone (finished, crashed or killed): so are we.
process.on('disconnect', () => process.exit(0));
