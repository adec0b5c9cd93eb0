// The upstream scenario: clients that send. Every client sends `rate` messages per second of about
// `bytes` bytes (the messages addition); the server echoes each back to its sender, or relays it to
// every client of the sender's room (a chat room). WS clients send on their stream's socket; SSE
// clients POST beside their stream, on a keep-alive connection or on a connection per message —
// the write-up's advice ("choose WebSockets when the client also sends data frequently") measured:
// send-to-receive latency from the sender's own t0 (one clock: the same host), server and client CPU
// per message, requests and bytes per message, and delivery by seq per receiver.
//
// Per (server, N) the server starts once and the clients connect once, each in its room; each
// (mode, transport, rate, bytes, repetition) is one step: /control/reset (rooms restart at seq 1),
// fresh trackers, then the send schedule, its warm-up excluded by seq.
import type { SendPlan } from '../harness/engine/send-run.ts';
import { getHealth, postReset } from '../harness/control.ts';
import { startServer, type RunningServer } from '../harness/lifecycle/server-process.ts';
import { decodeHistogram, summarize } from '../result/histogram.ts';
import {
  type StepOutcome,
  type StepResult,
  type UpstreamMetrics,
  type UpstreamMode,
  type UpstreamParams,
  type UpstreamTransport,
  type ValidityCheck,
} from '../result/result.ts';
import { ADDITIONS, PATHS, type MessageTarget } from '../servers/contract.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { runStep, type Executor, type ExecutorContext } from './executor.ts';
import type { UpstreamScenario } from './schema.ts';
import { openStreamSession, SessionAcrossSteps, type StreamSession, clientCpuCheck, clientLagCheck, clientSideFrom, outcomeFrom, serverCores, sleep, unlessServerExited, deliveryCounts } from './step-common.ts';

const UPSTREAM_TARGET: Record<UpstreamMode, MessageTarget> = { echo: 'sender', room: 'room' };

/** Time the workers get between the schedule's announcement and its first message. */
const LEAD_MS = 300;
/** After the schedule's end, how long a message may still be sent (a late client's queue) before it counts as not sent. */
const SEND_GRACE_MS = 2000;
/**
 * A message handed to its sender later than this after its t0 means the client stalled (its
 * worker got no CPU, or its loop was blocked): latency from t0 then measures the client, not the
 * server. Measured here on a busy 2-core machine: 12–117 ms in ordinary steps, 1,206 ms in one
 * where the worker's event loop stopped for a second.
 */
export const SEND_LATE_LIMIT_MS = 500;

type Session = StreamSession<RunningServer>;

/** Why a server cannot run the upstream scenario at all (before it starts), else null. */
export function upstreamSkipReason(spec: ServerSpec): string | null {
  if (spec.broker) return 'a broker target speaks no contract: it relays no client messages';
  if (spec.protocol !== 'sse' && spec.protocol !== 'ws') return `${spec.protocol} clients have no message path here (the scenario sends WS frames and SSE POSTs over HTTP/1.1)`;
  return null;
}

/** The transports a server's clients send with: WS on the socket; SSE by the POST modes asked. */
export function transportsFor(spec: ServerSpec, s: UpstreamScenario): UpstreamTransport[] {
  return spec.protocol === 'ws' ? ['socket'] : s.posts;
}

export const runUpstream: Executor<UpstreamScenario> = async (scenario, ctx) => {
  const steps: StepResult[] = [];
  const done = () => ({ steps, knees: [], extras: {} });
  if (ctx.engine.agents.length > 0) {
    ctx.progress({ type: 'notice', text: 'upstream: skipped with --agents (its clients run on this host: a sender and a receiver must read one clock)' });
    return done();
  }
  for (const clients of scenario.clients) {
    for (const spec of ctx.servers) {
      const skip = upstreamSkipReason(spec);
      if (skip !== null) {
        ctx.progress({ type: 'notice', text: `upstream: ${spec.name} skipped: ${skip}` });
        continue;
      }
      for (const mode of scenario.modes) {
        // Rooms are fixed when the clients connect: one session per room size in use.
        const roomSize = mode === 'room' ? scenario.roomSize : 1;
        if (ctx.cancelled()) return done();
        const sessions = await SessionAcrossSteps.start(() => openSession(spec, clients, roomSize, scenario, ctx));
        try {
          for (const transport of transportsFor(spec, scenario)) {
            for (const bytes of scenario.bytes) {
              for (const rate of scenario.rates) {
                for (let rep = 1; rep <= scenario.repetitions; rep++) {
                  if (ctx.cancelled()) return done();
                  const params: UpstreamParams = { clients, rate, bytes, mode, transport, roomSize, durationMs: scenario.durationMs, warmupMs: scenario.warmupMs };
                  const step = await titledStep(await sessions.forNextStep(), spec, params, rep, scenario, ctx);
                  steps.push(step);
                  sessions.after(step);
                }
              }
            }
          }
        } finally {
          await sessions.close();
        }
      }
    }
  }
  return done();
};

async function titledStep(session: Session | Error, spec: ServerSpec, params: UpstreamParams, rep: number, scenario: UpstreamScenario, ctx: ExecutorContext): Promise<StepResult> {
  const title = `upstream ${spec.name} ${params.mode}${params.mode === 'room' ? ` of ${params.roomSize}` : ''} via ${params.transport} clients=${params.clients} rate=${params.rate}/s bytes=${params.bytes} rep ${rep}/${scenario.repetitions}`;
  const s = session;
  return runStep(ctx, title, spec, { kind: 'upstream', repetition: rep, params }, s instanceof Error ? s : () => unlessServerExited(() => s.server, () => sendStep(s, params, scenario, ctx)));
}

function openSession(spec: ServerSpec, clients: number, roomSize: number, scenario: UpstreamScenario, ctx: ExecutorContext): Promise<Session> {
  // A v1 server is never sent a message: it would 404 every POST and ignore every frame.
  const ready = async (server: RunningServer): Promise<void> => {
    const health = await getHealth(server.baseUrl);
    if ((health.additions?.messages ?? 0) < ADDITIONS.messages) {
      throw new Error(`${spec.name} does not advertise the messages addition (v${ADDITIONS.messages}) in ${PATHS.health}: a contract v1 server relays no client messages`);
    }
  };
  return openStreamSession(spec, () => startServer(spec, { host: ctx.engine.serverHost }), ctx, { clients, rampPerSecond: scenario.rampPerSecond, roomSize, ready });
}

/** The window in the receivers' seq space: an echo carries its sender's seq, a room message the room's. */
export function windowRange(mode: UpstreamMode, roomSize: number, count: number, warmup: number): { fromSeq: number; toSeq: number; perClient: number } {
  const k = mode === 'room' ? roomSize : 1;
  return { fromSeq: k * warmup + 1, toSeq: k * count, perClient: k * (count - warmup) };
}

async function sendStep(s: Session, p: UpstreamParams, scenario: UpstreamScenario, ctx: ExecutorContext): Promise<StepOutcome<UpstreamMetrics>> {
  await postReset(s.server.baseUrl);
  const warmup = Math.round((p.rate * p.warmupMs) / 1000);
  const count = warmup + Math.max(1, Math.round((p.rate * p.durationMs) / 1000));
  const range = windowRange(p.mode, p.roomSize, count, warmup);
  const scheduleMs = ((count - 1) * 1000) / p.rate + 1000 / p.rate;
  const startNs = process.hrtime.bigint() + BigInt(LEAD_MS * 1e6);
  const plan: SendPlan = {
    to: UPSTREAM_TARGET[p.mode],
    transport: p.transport,
    rate: p.rate,
    count,
    warmup,
    bytes: p.bytes,
    startNs: String(startNs),
    deadlineNs: String(startNs + BigInt(Math.round((scheduleMs + SEND_GRACE_MS) * 1e6))),
    clients: p.clients,
  };
  ctx.progress({ type: 'phase', text: `${s.spec.name}: ${p.clients} clients × ${p.rate} msg/s (${p.mode}, ${p.transport}) for ${p.warmupMs + p.durationMs} ms` });
  const began = Date.now();
  await s.pool.beginSend(plan, range);
  await sleep(LEAD_MS + scheduleMs);
  const reached = await s.pool.waitUntilAllReached(range.toSeq, scenario.drainMs);
  const { window, send } = await s.pool.endSend();
  const health = await getHealth(s.server.baseUrl);
  // CPU per message over the measured part only (after the warm-up, to the last message due): the
  // rate is steady there, so CPU per message is the CPU's share divided by the message rate. The
  // lead-in and the drain, when nothing is sent, stay out of it.
  const measuredFrom = began + LEAD_MS + p.warmupMs;
  const measuredTo = began + LEAD_MS + scheduleMs;
  const server = s.sampler.window(measuredFrom, measuredTo);
  const messagesPerSecond = p.clients * p.rate;
  const expected = range.perClient * window.connected;
  const perMessage = (v: number) => (send.sent > 0 ? v / send.sent : 0);
  const notSent = send.scheduled - send.issued;
  const metrics: UpstreamMetrics = {
    ...deliveryCounts(window, expected),
    messagesScheduled: send.scheduled,
    messagesSent: send.sent,
    messagesFailed: send.failed + notSent,
    firstFailure: send.firstFailure ?? (notSent > 0 ? `${notSent} messages not sent by the deadline (the client fell behind its schedule)` : null),
    serverMessagesIn: health.messagesIn ?? 0,
    deliveredPerSecond: window.received / (p.durationMs / 1000),
    latencyFromT0: summarize(decodeHistogram(window.latencyFromT0), 'us'),
    latencyFromT1: summarize(decodeHistogram(window.latencyFromT1), 'us'),
    requestsPerMessage: perMessage(send.requests),
    connectionsPerMessage: perMessage(send.connections),
    bytesUpPerMessage: perMessage(send.bytesUp),
    bytesAckPerMessage: perMessage(send.bytesAck),
    bytesDownPerDelivery: window.receivedSinceBegin > 0 ? window.wireBytes / window.receivedSinceBegin : 0,
    serverCpuUsPerMessage: ((server.cpuPercent / 100) * 1e6) / messagesPerSecond,
    clientCpuUsPerMessage: send.measuredMessages > 0 ? send.measuredCpuUs / send.measuredMessages : 0,
    sendLateMaxMs: send.lateMaxMs,
    httpStatuses: s.pool.lastConnect?.httpStatuses ?? [],
    server,
    client: clientSideFrom(window.workers, s.pool.sourceAddresses),
  };
  const checks: ValidityCheck[] = [
    { name: 'clients connected', ok: window.connected === p.clients, detail: `${window.connected} of ${p.clients} connected through the window` },
    {
      name: 'every message sent',
      ok: notSent === 0 && send.failed === 0 && send.sent === send.scheduled,
      detail: `${send.sent} of ${send.scheduled} messages sent, ${send.failed} failed${notSent > 0 ? `, ${notSent} not sent by the deadline` : ''}${metrics.firstFailure ? ` (first: ${metrics.firstFailure})` : ''}`,
    },
    { name: 'server took every message', ok: metrics.serverMessagesIn === send.sent, detail: `the server counted ${metrics.serverMessagesIn} of ${send.sent} messages sent` },
    {
      name: 'delivery complete',
      ok: window.received === expected && window.gaps === 0 && window.duplicates === 0,
      detail: `${window.received} of ${expected} deliveries, ${window.gaps} gaps, ${window.duplicates} duplicates${reached ? '' : `; not every client reached seq ${range.toSeq} within ${scenario.drainMs} ms of the schedule's end`}`,
    },
    {
      name: 'clients sent on schedule',
      ok: send.lateMaxMs <= SEND_LATE_LIMIT_MS,
      detail: `the latest message went to its sender ${send.lateMaxMs.toFixed(0)} ms after its t0 (limit ${SEND_LATE_LIMIT_MS} ms: beyond it the client's own stall is in the latency)`,
    },
    clientCpuCheck(metrics.client),
    clientLagCheck(metrics.client),
  ];
  return outcomeFrom(metrics, checks, { clientCpuPercentMax: metrics.client.cpuPercentMax, clientLagP90Ms: metrics.client.eventLoopLagP90Ms, serverCpuPercent: server.cpuPercent, serverCores: serverCores(s.spec.processes) });
}
