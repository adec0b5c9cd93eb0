// The push scenario: the server's own fixed-rate broadcast to N connected clients. Latency is
// receive − t0 (the intended send time: coordinated-omission safe) and receive − t1 (transport only).
// Per (server, N) the server starts once and the clients connect once; each (rate, bytes,
// repetition) is one broadcast whose warm-up events are excluded by seq.
import { decodeHistogram, summarize } from '../result/histogram.ts';
import { startTarget, type StepTarget } from '../harness/broker/step-target.ts';
import type { KneeResult, PushMetrics, PushParams, StepOutcome, StepResult, ValidityCheck } from '../result/result.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { ADDITIONS, PATHS } from '../servers/contract.ts';
import { getHealth } from '../harness/control.ts';
import { repetitionsNow, runStep, type Executor, type ExecutorContext, type ScenarioOutput } from './executor.ts';
import type { PushScenario } from './schema.ts';
import { reasonHeadline } from '../result/reason.ts';
import { closeStreamSession, openStreamSession, SessionAcrossSteps, type StreamSession, agentClockChecks, unlessServerExited, clientCpuCheck, clientLagCheck, clientSideFrom, outcomeFrom, serverCores, sleep, deliveryCounts } from './step-common.ts';

/** Time allowed after the last event is due for every client to receive it. */
const DRAIN_MS = 5000;

type Session = StreamSession<StepTarget>;
const closeSession = closeStreamSession;

export const runPush: Executor<PushScenario> = async (scenario, ctx) => {
  if (scenario.repetitions > 1 && !scenario.findKnee && !ctx.round) return runPushInterleaved(scenario, ctx);
  const steps: StepResult[] = [];
  const knees: KneeResult[] = [];
  for (const clients of scenario.clients) {
    for (const spec of ctx.servers) {
      if (ctx.cancelled()) return { steps, knees, extras: {} };
      const sessions = await SessionAcrossSteps.start(() => openSession(spec, clients, scenario, ctx));
      try {
        for (const bytes of scenario.bytes) {
          for (const rate of scenario.rates) {
            for (const { rep, of } of repetitionsNow(scenario.repetitions, ctx)) {
              if (ctx.cancelled()) return { steps, knees, extras: {} };
              const step = await titledStep(await sessions.forNextStep(), spec, clients, rate, bytes, rep, of, scenario, ctx);
              steps.push(step);
              sessions.after(step);
            }
          }
          if (scenario.findKnee && !ctx.cancelled()) {
            const session = await sessions.forNextStep();
            if (!(session instanceof Error)) knees.push(await findKnee(session, bytes, scenario, ctx, steps));
          }
        }
      } finally {
        await sessions.close();
      }
    }
  }
  return { steps, knees, extras: {} };
};

/**
 * Repetitions interleaved across servers (ABAB, not AABB): repetition r of every server runs before
 * repetition r + 1 of any, each round starting one server further along, so a machine that slows
 * down during the scenario slows every server's repetitions alike. Each repetition gets a fresh
 * server and fresh clients: two processes of one server differed by up to ±20 % in CPU per event
 * here, which repetitions in one process cannot show, so a gate comparing one process with another
 * missed a +30 % CPU change 1–3 times in 10 (README, "The CI gate").
 */
async function runPushInterleaved(scenario: PushScenario, ctx: ExecutorContext): Promise<ScenarioOutput> {
  const steps: StepResult[] = [];
  const n = ctx.servers.length;
  for (const clients of scenario.clients) {
    for (const bytes of scenario.bytes) {
      for (const rate of scenario.rates) {
        for (let rep = 1; rep <= scenario.repetitions; rep++) {
          for (let k = 0; k < n; k++) {
            if (ctx.cancelled()) return { steps, knees: [], extras: {} };
            const spec = ctx.servers[(k + rep - 1) % n]!;
            const session = await openSession(spec, clients, scenario, ctx).catch((err: unknown) => err as Error);
            try {
              steps.push(await titledStep(session, spec, clients, rate, bytes, rep, scenario.repetitions, scenario, ctx));
            } finally {
              if (!(session instanceof Error)) await closeSession(session);
            }
          }
        }
      }
    }
  }
  return { steps, knees: [], extras: {} };
}

async function titledStep(
  session: Session | Error,
  spec: ServerSpec,
  clients: number,
  rate: number,
  bytes: number,
  rep: number,
  of: number,
  scenario: PushScenario,
  ctx: ExecutorContext,
  titlePrefix = 'push',
): Promise<StepResult> {
  const params: PushParams = { clients, rate, bytes, durationMs: scenario.durationMs, warmupMs: scenario.warmupMs, coalesce: scenario.coalesce, ...(scenario.payload === 'binary' ? { payload: 'binary' as const } : {}) };
  const title = `${titlePrefix} ${spec.name} clients=${clients} rate=${rate}/s bytes=${bytes}${scenario.payload === 'binary' ? ' binary' : ''} rep ${rep}/${of}`;
  const s = session;
  return runStep(ctx, title, spec, { kind: 'push', repetition: rep, params }, s instanceof Error ? s : () => unlessServerExited(() => s.server, () => pushWindow(s, params, ctx)));
}

function openSession(spec: ServerSpec, clients: number, scenario: PushScenario, ctx: ExecutorContext): Promise<Session> {
  const start = () => startTarget(spec, { host: ctx.engine.serverHost, env: { PUSHBENCH_COALESCE: scenario.coalesce ? '1' : '0' }, workDir: ctx.workDir });
  return openStreamSession(spec, start, ctx, { clients, rampPerSecond: scenario.rampPerSecond, ...(scenario.payload === 'binary' ? { ready: requireBinary } : {}) });
}

/** A binary step needs a contract server that advertises the binary addition; a v1 server would send text. */
async function requireBinary(server: StepTarget): Promise<void> {
  if (server.spec.broker) throw new Error(`${server.spec.name} is a broker target: the harness publishes text to it (the binary addition is for contract servers)`);
  const health = await getHealth(server.baseUrl);
  if ((health.additions?.binary ?? 0) < ADDITIONS.binary) {
    throw new Error(`${server.spec.name} does not advertise the binary addition (v${ADDITIONS.binary}) in ${PATHS.health}: a contract v1 server sends text only`);
  }
}

async function pushWindow(s: Session, params: PushParams, ctx: ExecutorContext): Promise<StepOutcome<PushMetrics>> {
  const beforeSeq = await s.server.lastSeq();
  const warmup = Math.round((params.rate * params.warmupMs) / 1000);
  const measured = Math.max(1, Math.round((params.rate * params.durationMs) / 1000));
  const firstSeq = beforeSeq + warmup + 1;
  const lastSeq = beforeSeq + warmup + measured;
  await s.pool.beginWindow({ fromSeq: firstSeq, toSeq: lastSeq });
  ctx.progress({ type: 'phase', text: `${s.spec.name}: ${params.rate}/s for ${params.warmupMs + params.durationMs} ms` });
  const windowStart = Date.now();
  await s.server.broadcast({ rate: params.rate, count: warmup + measured, bytes: params.bytes, event: 'tick', ...(params.payload === 'binary' ? { payload: 'binary' as const } : {}) });
  const scheduleMs = ((warmup + measured) * 1000) / params.rate;
  await sleep(scheduleMs);
  const reached = await s.pool.waitUntilAllReached(lastSeq, DRAIN_MS);
  const window = await s.pool.endWindow();
  const windowEnd = Date.now();
  const server = s.sampler.window(windowStart + params.warmupMs, windowEnd);
  const expected = measured * window.connected;
  const measuredSeconds = (windowEnd - windowStart - params.warmupMs) / 1000;
  const serverCpuMs = (server.cpuPercent / 100) * measuredSeconds * 1000;
  const latencyFromT0 = summarize(decodeHistogram(window.latencyFromT0), 'us');
  // The workers' self-samples cover begin-window to end-window, warm-up and drain included: per event
  // over every event received since begin-window, the same span.
  const clientCpuMs = (window.workers.reduce((n, w) => n + w.cpuPercent, 0) / 100) * (windowEnd - windowStart);
  const metrics: PushMetrics = {
    ...deliveryCounts(window, expected),
    // Complete delivery: over the schedule's own span (exact by construction). Incomplete: over the
    // time actually taken, drain included, so a server that fell behind is not flattered.
    deliveredPerSecond: window.received / (window.received >= expected ? params.durationMs / 1000 : Math.max(params.durationMs / 1000, measuredSeconds)),
    latencyFromT0,
    latencyFromT1: summarize(decodeHistogram(window.latencyFromT1), 'us'),
    // The byte count starts at begin-window, before the warm-up: divide by every event it carried.
    wireBytesPerEvent: window.receivedSinceBegin > 0 ? window.wireBytes / window.receivedSinceBegin : 0,
    server,
    serverCpuMsPer1kEvents: window.received > 0 ? (serverCpuMs / window.received) * 1000 : 0,
    clientCpuMsPer1kEvents: window.receivedSinceBegin > 0 ? (clientCpuMs / window.receivedSinceBegin) * 1000 : 0,
    payloadBytesPerEvent: window.received > 0 ? window.payloadBytes / window.received : 0,
    client: clientSideFrom(window.workers, s.pool.sourceAddresses),
  };
  const checks: ValidityCheck[] = [
    { name: 'clients connected', ok: window.connected === params.clients, detail: `${window.connected} of ${params.clients} connected through the window` },
    {
      name: 'delivery complete',
      ok: window.received === expected && window.gaps === 0,
      detail: `${window.received} of ${expected} events received, ${window.gaps} gaps${reached ? '' : `, not all clients reached seq ${lastSeq} within ${DRAIN_MS} ms of the schedule's end`}`,
    },
    ...(params.payload === 'binary'
      ? [
          {
            name: 'binary payload decoded',
            ok: window.payloadErrors === 0 && window.payloadBytes === window.received * params.bytes,
            detail: `${window.payloadBytes} payload bytes decoded from ${window.received} events (want ${params.bytes} each), ${window.payloadErrors} did not decode`,
          },
        ]
      : []),
    clientCpuCheck(metrics.client),
    clientLagCheck(metrics.client),
    ...agentClockChecks(s.pool),
    ...(await s.server.windowChecks()),
  ];
  return outcomeFrom(metrics, checks, { clientCpuPercentMax: metrics.client.cpuPercentMax, clientLagP90Ms: metrics.client.eventLoopLagP90Ms, serverCpuPercent: server.cpuPercent, serverCores: serverCores(s.spec.processes) });
}

/**
 * Raises the rate by `factor` from the scenario's highest rate until p99 from t0 exceeds the
 * threshold, delivery drops below 100 % or the step is invalid; reports the last good rate.
 */
async function findKnee(s: Session, bytes: number, scenario: PushScenario, ctx: ExecutorContext, steps: StepResult[]): Promise<KneeResult> {
  const knee = scenario.findKnee!;
  const thresholdUs = knee.thresholdMs * 1000;
  let rate = Math.min(...scenario.rates);
  let lastGood: number | null = null;
  let reason = `reached the maximum rate ${knee.maxRate}/s`;
  let firstBad: number | null = null;
  for (let i = 0; i < 40 && rate <= knee.maxRate; i++) {
    const step = await titledStep(s, s.spec, s.clients, rate, bytes, 1, 1, { ...scenario, repetitions: 1 }, ctx, 'knee');
    steps.push(step);
    const verdict = kneeVerdict(step, thresholdUs);
    if (verdict !== null) {
      firstBad = rate;
      reason = verdict;
      break;
    }
    lastGood = rate;
    rate = Math.round(rate * knee.factor);
  }
  return { server: s.spec.name, protocol: s.spec.protocol, clients: s.clients, bytes, thresholdMs: knee.thresholdMs, lastGoodRate: lastGood, firstBadRate: firstBad, reason };
}

/** Null when the step is within the knee's bounds, else why not. */
export function kneeVerdict(step: StepResult, thresholdUs: number): string | null {
  if (step.kind !== 'push') return 'not a push step';
  const o = step.outcome;
  if (o.state === 'failed') return `failed: ${reasonHeadline(o.reason)}`;
  const m = o.metrics;
  if (m.received < m.expected || m.gaps > 0) return `delivery ${((100 * m.received) / Math.max(1, m.expected)).toFixed(1)} % at ${step.params.rate}/s`;
  if (m.latencyFromT0.p99 > thresholdUs) return `p99 ${(m.latencyFromT0.p99 / 1000).toFixed(1)} ms > ${thresholdUs / 1000} ms at ${step.params.rate}/s`;
  if (o.state === 'invalid') return `invalid at ${step.params.rate}/s: ${o.reasons.join('; ')}`;
  return null;
}
