// The idle scenario: what an open, quiet connection costs. Per step a fresh server, a baseline,
// N connections ramped in, a settle, then a hold during which server, kernel and clients are
// sampled. Bytes per connection = (RSS during hold − RSS at baseline) / connections held.
import { getHealth } from '../harness/control.ts';
import type { ClientPool } from '../harness/engine/pool.ts';
import { summarizeAs, decodeHistogram } from '../result/histogram.ts';
import { ProcessTreeSampler } from '../harness/metrics/proc-sampler.ts';
import { readSockstat } from '../harness/metrics/sockstat.ts';
import { startTarget } from '../harness/broker/step-target.ts';
import type { IdleMetrics, IdleParams, StepOutcome, StepResult, ValidityCheck } from '../result/result.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { errorReason, repetitionsNow, runStep, type Executor, type ExecutorContext } from './executor.ts';
import type { IdleScenario } from './schema.ts';
import { clientSideFrom, NO_RECONNECT, outcomeFrom, sleep, startPool, unlessServerExited } from './step-common.ts';
import { rampLimit } from './ramp-limit.ts';

export { rampLimit };

export const runIdle: Executor<IdleScenario> = async (scenario, ctx) => {
  const steps: StepResult[] = [];
  for (const clients of scenario.clients) {
    for (const spec of ctx.servers) {
      for (const { rep, of } of repetitionsNow(scenario.repetitions, ctx)) {
        if (ctx.cancelled()) return { steps, knees: [], extras: {} };
        const params: IdleParams = { clients, rampPerSecond: scenario.rampPerSecond, settleMs: scenario.settleMs, holdMs: scenario.holdMs };
        steps.push(await runStep(ctx, `idle ${spec.name} clients=${clients} rep ${rep}/${of}`, spec, { kind: 'idle', repetition: rep, params }, () => idleOutcome(spec, params, ctx)));
      }
    }
  }
  return { steps, knees: [], extras: {} };
};

async function idleOutcome(spec: ServerSpec, params: IdleParams, ctx: ExecutorContext): Promise<StepOutcome<IdleMetrics>> {
  const server = await startTarget(spec, { host: ctx.engine.serverHost, workDir: ctx.workDir });
  const sampler = new ProcessTreeSampler(server.pid, 200);
  let pool = null as ClientPool | null;
  try {
    return await unlessServerExited(
      () => server,
      async (): Promise<StepOutcome<IdleMetrics>> => {
        sampler.start();
        ctx.progress({ type: 'phase', text: 'baseline' });
        await sleep(500);
        const heapBaseline = spec.reportsHeap ? ((await getHealth(server.baseUrl, 5000, true)).heapUsed ?? null) : null;
        const baseline = sampler.snapshot();
        const sockBaseline = readSockstat();

        ctx.progress({ type: 'phase', text: `opening ${params.clients} connections` });
        pool = await startPool(server, ctx, { clients: params.clients, rampPerSecond: params.rampPerSecond, policy: NO_RECONNECT });
        const rampFrom = Date.now();
        const connect = await pool.connectAll();
        const rampServer = sampler.window(rampFrom, Date.now());
        await sleep(params.settleMs);

        ctx.progress({ type: 'phase', text: `holding for ${params.holdMs} ms` });
        // Garbage collected on both sides before the hold, as before the baseline: what the hold
        // measures is then what the connections keep, not how much garbage the ramp left uncollected
        // (which moved server RSS per connection by over 50 % between identical quick runs).
        if (spec.reportsHeap) await getHealth(server.baseUrl, 5000, true);
        const holdFrom = Date.now();
        // No events flow while idle: the window only frames the client-side samples.
        await pool.beginWindow({ fromSeq: 0, toSeq: 0, gc: true });
        await sleep(params.holdMs);
        const window = await pool.endWindow();
        const hold = sampler.window(holdFrom, Date.now());
        const heapHold = spec.reportsHeap ? ((await getHealth(server.baseUrl, 5000, true)).heapUsed ?? null) : null;
        const sockHold = readSockstat();
        // A thread-per-request server whose threads all hold streams cannot answer /healthz (gunicorn
        // gthread with 4 threads): that is a finding about the server, recorded as a failed check.
        const health = await server.health().catch((err: unknown) => errorReason(err));

        const held = window.connected;
        const perConn = (v: number): number => (held > 0 ? v / held : 0);
        // Client RSS at the end of the hold, like the server's: right after the ramp, V8's young
        // generation is still inflated by the handshakes (measured: up to +18 KB per WS connection).
        const clientRssGrowth = window.workers.reduce((sum, w) => sum + w.rssBytes, 0) - connect.clientRssBeforeBytes;
        const metrics: IdleMetrics = {
          clientsHeld: held,
          connectMs: summarizeAs(decodeHistogram(connect.connectHistogram), 'ms'),
          connectRatePerSecond: connect.ratePerSecond,
          ramp: {
            serverCpuPercent: rampServer.cpuPercent,
            clientCpuPercentMax: connect.clientCpuPercentMax,
            limitedBy: rampLimit(connect.ratePerSecond, Math.min(params.rampPerSecond, spec.broker?.maxRampPerSecond ?? Infinity), rampServer.cpuPercent, connect.clientCpuPercentMax, summarizeAs(decodeHistogram(connect.connectHistogram), 'ms').p99, (spec.broker?.maxPendingConnects ?? 0) > 0),
          },
          failuresByCause: connect.failuresByCause,
          serverBaseline: { ...baseline, heapUsedBytes: heapBaseline },
          serverHold: { ...hold, heapUsedBytes: heapHold },
          serverBytesPerConnection: perConn(hold.rssBytes - baseline.rssBytes),
          serverHeapBytesPerConnection: heapHold !== null && heapBaseline !== null ? perConn(heapHold - heapBaseline) : null,
          // Both ends of every loopback connection live in this kernel: this is per client+server pair.
          kernelSocketBytesPerConnection: perConn(sockHold.memBytes - sockBaseline.memBytes),
          clientBytesPerConnection: perConn(clientRssGrowth),
          streamsPerTcpConnection: typeof health !== 'string' && health.tcpConnections !== undefined && health.tcpConnections > 0 ? health.connections / health.tcpConnections : null,
          client: clientSideFrom(window.workers, pool.sourceAddresses),
        };
        const checks: ValidityCheck[] = [
          { name: 'all connections held', ok: held === params.clients, detail: `${held} of ${params.clients} held during the hold` },
          typeof health === 'string'
            ? { name: 'server counts them', ok: false, detail: `the server did not answer while holding ${held} streams: ${health}` }
            : { name: 'server counts them', ok: health.connections === held, detail: `server reports ${health.connections} connections, clients hold ${held}` },
          { name: 'no worker hit its cap', ok: !connect.capHit, detail: connect.capHit ? 'a client worker reached its connection cap' : 'no cap reached' },
          { name: 'ramp without failures', ok: Object.keys(connect.failuresByCause).length === 0, detail: failureText(connect.failuresByCause) },
          // RSS moves in pages and allocator arenas: with too few connections the growth drowns in
          // that noise and a per-connection figure would be meaningless (even negative).
          {
            name: 'memory growth measurable',
            ok: metrics.serverBytesPerConnection > 0 && metrics.clientBytesPerConnection > 0,
            detail: `server RSS grew ${Math.round(hold.rssBytes - baseline.rssBytes)} B, client RSS ${Math.round(clientRssGrowth)} B for ${held} connections`,
          },
        ];
        return outcomeFrom(metrics, checks);
      },
      'during the step',
    );
  } finally {
    sampler.stop();
    await pool?.close();
    await server.stop();
  }
}

function failureText(failures: Record<string, number>): string {
  const entries = Object.entries(failures);
  return entries.length === 0 ? 'no connect failures' : entries.map(([cause, n]) => `${n} ${cause}`).join(', ');
}
