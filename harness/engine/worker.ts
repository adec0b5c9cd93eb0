// A client worker process: opens its share of connections at the asked rate, accounts for every
// event (worker-state.ts), and answers the coordinator over IPC. It exits when the coordinator
// goes away, so no worker outlives a run.
import { openStreamFor } from '../clients/index.ts';
import { nowNs } from '../clients/resuming-stream.ts';
import type { StreamConnection } from '../clients/types.ts';
import { encodeHistogram } from '../metrics/histogram.ts';
import { SelfSampler } from '../metrics/self-sampler.ts';
import type { ConnectReport, Envelope, InitRequest, Reply, Request } from './protocol.ts';
import { ConnectPhase, WorkerState, type ConnState } from './worker-state.ts';

const state = new WorkerState();
const streams: StreamConnection[] = [];
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
  self.reset();
  // Source address for connection i: the shard's address blocks in order.
  const addressOf: (string | null)[] = [];
  for (const a of cfg.shard.addresses) for (let k = 0; k < a.count; k++) addressOf.push(a.address);

  // Token bucket: dial in small batches every 10 ms to hold the asked rate.
  const perTick = Math.max(1, Math.round(cfg.rampPerSecond / 100));
  let next = 0;
  while (next < n) {
    const until = Math.min(n, next + perTick);
    for (; next < until; next++) {
      const c: ConnState = state.add();
      c.dialNs = nowNs();
      streams.push(open({ ...cfg.target, localAddress: addressOf[next] ?? null }, cfg.policy, c, 0));
    }
    if (next < n) await new Promise((r) => setTimeout(r, 10));
  }
  const timedOut = await Promise.race([phase.done.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), cfg.connectTimeoutMs).unref())]);
  if (timedOut) phase.failures.timeout = (phase.failures.timeout ?? 0) + (n - phase.settled);
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
  };
}

async function handle(req: Request): Promise<Reply> {
  switch (req.type) {
    case 'init':
      init = req;
      return { type: 'ok' };
    case 'connect':
      if (!init) return { type: 'error', message: 'connect before init' };
      return { type: 'connected', report: await connect(init) };
    case 'begin-window':
      state.beginWindow(req.fromSeq, req.toSeq);
      self.reset();
      windowBytesStart = totalBytesRead();
      return { type: 'ok' };
    case 'end-window': {
      const w = state.window;
      if (!w) return { type: 'error', message: 'end-window without begin-window' };
      const report = {
        connected: state.openCount(),
        received: w.received,
        duplicates: w.duplicates,
        outOfOrder: w.outOfOrder,
        gaps: state.windowGaps(),
        lostWithProcess: state.lostWithProcess(),
        wireBytes: totalBytesRead() - windowBytesStart,
        latencyFromT0: encodeHistogram(w.t0),
        latencyFromT1: encodeHistogram(w.t1),
        self: self.read(),
      };
      state.window = null;
      return { type: 'window', report };
    }
    case 'mark-disruption':
      state.mark(Number(req.markNs));
      return { type: 'ok' };
    case 'reconnect-report':
      return { type: 'reconnect-report', report: state.reconnectReport() };
    case 'status': {
      const disrupted = state.conns.filter((c) => c.disrupted).length;
      const reconnected = state.conns.filter((c) => c.reconnected).length;
      return { type: 'status', status: { open: state.openCount(), total: state.conns.length, behind: state.behind(req.reachedSeq), maxSeq: state.maxSeq(), disrupted, reconnected } };
    }
    case 'lost-below':
      state.setLostBelow(req.belowSeq);
      return { type: 'ok' };
    case 'close':
      for (const s of streams) s.close();
      state.stop();
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
