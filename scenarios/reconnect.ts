// The reconnect scenario: N clients receive events at rate R, then a disruption:
// - drop: the server closes every connection (keeps its ring): every event must arrive exactly once;
// - partial: the server closes about `fraction` of them;
// - restart: the server's process group is SIGKILLed and started again on the same port after
//   `downtimeMs`, continuing the seq space: events that died with the old process are reported as
//   lostWithProcess, not as client failures.
// Both protocols reconnect by one policy (retry hint, optional backoff and full jitter).
import { getHealth, postBroadcast, postDrop } from '../harness/control.ts';
import type { ReconnectPolicy } from '../harness/clients/types.ts';
import type { ClientPool } from '../harness/engine/pool.ts';
import { decodeHistogram, summarize } from '../result/histogram.ts';
import { startServer, type RunningServer } from '../harness/lifecycle/server-process.ts';
import type { ReconnectMetrics, ReconnectMode, ReconnectParams, StepOutcome, StepResult, ValidityCheck } from '../result/result.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { repetitionsNow, runStep, type Executor, type ExecutorContext } from './executor.ts';
import type { ReconnectScenario } from './schema.ts';
import { startPool, clientCpuCheck, clientLagCheck, clientSideFrom, outcomeFrom, sleep, unlessServerExited } from './step-common.ts';

export const runReconnect: Executor<ReconnectScenario> = async (scenario, ctx) => {
  const steps: StepResult[] = [];
  for (const clients of scenario.clients) {
    for (const spec of ctx.servers) {
      for (const mode of scenario.modes) {
        for (const { rep, of } of repetitionsNow(scenario.repetitions, ctx)) {
          if (ctx.cancelled()) return { steps, knees: [], extras: {} };
          const params: ReconnectParams = {
            clients,
            rate: scenario.rate,
            bytes: scenario.bytes,
            mode,
            fraction: mode === 'partial' ? scenario.fraction : 1,
            downtimeMs: mode === 'restart' ? scenario.downtimeMs : 0,
            jitter: scenario.jitter,
            backoff: scenario.backoff,
          };
          const title = `reconnect ${spec.name} clients=${clients} mode=${mode} rep ${rep}/${of}`;
          steps.push(await runStep(ctx, title, spec, { kind: 'reconnect', repetition: rep, params }, () => reconnectOutcome(spec, params, scenario, ctx)));
        }
      }
    }
  }
  return { steps, knees: [], extras: {} };
};

export function policyFor(scenario: ReconnectScenario): ReconnectPolicy {
  return {
    enabled: true,
    defaultRetryMs: scenario.retryMs,
    honourServerRetry: true,
    backoff: scenario.backoff,
    jitter: scenario.jitter,
    maxDelayMs: 5000,
    maxAttempts: scenario.maxAttempts,
  };
}

async function reconnectOutcome(spec: ServerSpec, params: ReconnectParams, scenario: ReconnectScenario, ctx: ExecutorContext): Promise<StepOutcome<ReconnectMetrics>> {
  const env = { PUSHBENCH_RETRY_MS: String(scenario.retryMs) };
  let server = null as RunningServer | null;
  let pool = null as ClientPool | null;
  try {
    return await unlessServerExited(
      () => server,
      async (): Promise<StepOutcome<ReconnectMetrics>> => {
        server = await startServer(spec, { host: ctx.engine.serverHost, env });
        pool = await startPool(server, ctx, {
          clients: params.clients,
          rampPerSecond: scenario.rampPerSecond,
          policy: policyFor(scenario),
          // A reconnect storm is handshake-bound on the client side too: two workers (one per core)
          // unless the user chose; measured here, one worker reached 95 % CPU at 2,000 WS clients.
          workers: params.clients >= 1000 ? 2 : 1,
        });
        ctx.progress({ type: 'phase', text: `${spec.name}: opening ${params.clients} connections` });
        const connect = await pool.connectAll();
        if (connect.held < params.clients) throw new Error(`only ${connect.held} of ${params.clients} clients connected`);

        // One schedule long enough to run through the disruption and the recovery window.
        const spanMs = scenario.beforeMs + params.downtimeMs + scenario.afterMs;
        const count = Math.max(1, Math.round((params.rate * spanMs) / 1000));
        const seq0 = (await getHealth(server.baseUrl)).lastSeq ?? 0;
        const lastSeq = seq0 + count;
        await pool.beginWindow({ fromSeq: seq0 + 1, toSeq: lastSeq });
        await postBroadcast(server.baseUrl, { rate: params.rate, count, bytes: params.bytes, event: 'tick' });
        await sleep(scenario.beforeMs);

        ctx.progress({ type: 'phase', text: `${spec.name}: ${params.mode}` });
        const markMs = Date.now();
        await pool.markDisruption();
        if (params.mode === 'restart') {
          const port = server.port;
          await server.kill();
          const seen = await pool.maxSeqSeen();
          // Whatever the old process emitted beyond what any client saw died with it.
          await pool.setLostBelow(seen + 1);
          await sleep(params.downtimeMs);
          server = await startServer(spec, { host: ctx.engine.serverHost, port, env: { ...env, PUSHBENCH_SEQ_START: String(seen + 1) } });
          // The new process continues the schedule where the clients' knowledge ended.
          const remaining = lastSeq - seen;
          if (remaining > 0) await postBroadcast(server.baseUrl, { rate: params.rate, count: remaining, bytes: params.bytes, event: 'tick' });
        } else {
          await postDrop(server.baseUrl, params.fraction);
        }

        const recovered = await pool.waitUntilReconnected(scenario.recoverTimeoutMs);
        const liveSeq = (await getHealth(server.baseUrl)).lastSeq ?? 0;
        const caughtUp = await pool.waitUntilAllReached(liveSeq, scenario.recoverTimeoutMs);
        const catchUpMs = caughtUp ? Date.now() - markMs : null;
        // Let the schedule finish, then every client must hold every event of the window.
        const scheduleEndMs = markMs + (scenario.afterMs + params.downtimeMs);
        if (Date.now() < scheduleEndMs) await sleep(scheduleEndMs - Date.now());
        const reachedAll = await pool.waitUntilAllReached(lastSeq, 5000);
        const window = await pool.endWindow();
        const rec = await pool.reconnectReport();
        const replayLatency = summarize(decodeHistogram(rec.replayLatency), 'us');
        const times = decodeHistogram(rec.reconnectHistogram); // µs since the mark
        const disrupted = rec.disrupted;
        // Time until p % of the disrupted connections were back; null when fewer came back.
        const pct = (p: number): number | null =>
          disrupted > 0 && rec.reconnected >= Math.ceil((disrupted * p) / 100) ? times.getValueAtPercentile((p * disrupted) / Math.max(1, rec.reconnected)) / 1000 : null;
        const timeTo100Ms = disrupted > 0 && rec.reconnected >= disrupted ? times.getValueAtPercentile(100) / 1000 : null;
        const metrics: ReconnectMetrics = {
          clientsConnected: window.connected,
          disrupted,
          timeToFirstMs: rec.reconnected > 0 ? times.getValueAtPercentile(0) / 1000 : null,
          timeTo50Ms: pct(50),
          timeTo90Ms: pct(90),
          timeTo99Ms: pct(99),
          timeTo100Ms,
          reconnectRatePerSecond: timeTo100Ms && timeTo100Ms > 0 ? (disrupted * 1000) / timeTo100Ms : 0,
          attempts: rec.attempts,
          errorsByCause: rec.errorsByCause,
          replayed: rec.replayed,
          gaps: window.gaps,
          duplicates: window.duplicates,
          lostWithProcess: window.lostWithProcess,
          catchUpMs,
          replayLatency,
          timeline: rec.timeline,
          client: clientSideFrom(window.workers, pool.sourceAddresses),
        };
        const checks: ValidityCheck[] = [
          { name: 'every disrupted client came back', ok: recovered && rec.reconnected >= disrupted, detail: `${rec.reconnected} of ${disrupted} reconnected within ${scenario.recoverTimeoutMs} ms` },
          { name: 'disruption reached the clients', ok: disrupted > 0, detail: `${disrupted} connections were closed by the ${params.mode}` },
          { name: 'every client reached the last event', ok: reachedAll, detail: reachedAll ? `all clients reached seq ${lastSeq}` : `not all clients reached seq ${lastSeq}` },
          clientCpuCheck(metrics.client),
          clientLagCheck(metrics.client),
        ];
        return outcomeFrom(metrics, checks);
      },
      'during the step',
    );
  } finally {
    await pool?.close();
    await server?.stop();
  }
}

export type { ReconnectMode };
