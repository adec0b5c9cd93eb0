// The sideload scenario: do held streams slow a server's ordinary HTTP endpoints? autocannon
// (its programmatic API) loads a plain endpoint of the same server process for a fixed time, first
// with no stream held (the baseline), then with N streams held, idle or receiving a push.
import { postBroadcast, getHealth } from '../harness/control.ts';
import type { ClientPool } from '../harness/engine/pool.ts';
import { ProcessTreeSampler } from '../harness/metrics/proc-sampler.ts';
import { startServer, type RunningServer } from '../harness/lifecycle/server-process.ts';
import type { SideloadMetrics, SideloadParams, StepResult, ValidityCheck } from '../result/result.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { runStep, type Executor, type ExecutorContext } from './executor.ts';
import type { SideloadScenario } from './schema.ts';
import { startPool, clientCpuCheck, clientSideFrom, NO_RECONNECT, outcomeFrom, unlessServerExited } from './step-common.ts';

export const runSideload: Executor<SideloadScenario> = async (scenario, ctx) => {
  const steps: StepResult[] = [];
  for (const spec of ctx.servers) {
    for (let rep = 1; rep <= scenario.repetitions; rep++) {
      if (ctx.cancelled()) return { steps, knees: [], extras: {} };
      steps.push(...(await serverSteps(spec, scenario, rep, ctx)));
    }
  }
  return { steps, knees: [], extras: {} };
};

async function serverSteps(spec: ServerSpec, scenario: SideloadScenario, rep: number, ctx: ExecutorContext): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  const params = (clients: number): SideloadParams => ({ clients, pushRate: scenario.pushRate, durationMs: scenario.durationMs, connections: scenario.connections, path: scenario.path });
  const title = (clients: number) => `sideload ${spec.name} streams=${clients}${scenario.pushRate > 0 ? ` push=${scenario.pushRate}/s` : ''} rep ${rep}/${scenario.repetitions}`;
  let session: { server: RunningServer; sampler: ProcessTreeSampler } | Error = await startWarm(spec, scenario, ctx);
  try {
    let baseline: number | null = null;
    for (const n of [0, ...scenario.clients]) {
      if (ctx.cancelled()) break;
      const p = params(n);
      const s = session;
      const measure = async ({ server, sampler }: Exclude<typeof s, Error>) => {
        const m = await loadedStep(server, sampler, p, baseline, ctx);
        if (n === 0) baseline = m.metrics.requestsPerSecond;
        return outcomeFrom(m.metrics, m.checks);
      };
      steps.push(await runStep(ctx, title(n), spec, { kind: 'sideload', repetition: rep, params: p }, s instanceof Error ? s : () => unlessServerExited(() => s.server, () => measure(s), 'during the step')));
      // A server that died under a step: the next step gets a fresh (warmed) one, read against the
      // same no-stream baseline (the same server, measured earlier in this repetition).
      if (!(s instanceof Error) && s.server.exitedOnItsOwn() !== null && !ctx.cancelled()) {
        await stopSession(s);
        session = await startWarm(spec, scenario, ctx);
      }
    }
  } finally {
    if (!(session instanceof Error)) await stopSession(session);
  }
  return steps;
}

/** The server, its sampler running, after the warm-up load; or why it could not start. */
async function startWarm(spec: ServerSpec, scenario: SideloadScenario, ctx: ExecutorContext): Promise<{ server: RunningServer; sampler: ProcessTreeSampler } | Error> {
  let server: RunningServer;
  try {
    server = await startServer(spec, { host: ctx.engine.serverHost });
  } catch (err) {
    return err as Error;
  }
  const sampler = new ProcessTreeSampler(server.pid, 200);
  sampler.start();
  try {
    if (scenario.warmupMs > 0) {
      // A fresh process's first load runs before the JIT has warmed: without this, express-ws's
      // no-stream baseline read ~15 % low here and held streams looked like a speed-up (1.2×,
      // 0.91× with it). The warm-up load is not recorded.
      ctx.progress({ type: 'phase', text: `${spec.name}: warming up with autocannon ${scenario.path} for ${scenario.warmupMs} ms` });
      await (await loadAutocannon())({ url: `${server.baseUrl}${scenario.path}`, connections: scenario.connections, duration: scenario.warmupMs / 1000 });
    }
  } catch (err) {
    await stopSession({ server, sampler });
    return err as Error;
  }
  return { server, sampler };
}

async function stopSession(s: { server: RunningServer; sampler: ProcessTreeSampler }): Promise<void> {
  s.sampler.stop();
  await s.server.stop();
}

async function loadedStep(server: RunningServer, sampler: ProcessTreeSampler, p: SideloadParams, baseline: number | null, ctx: ExecutorContext): Promise<{ metrics: SideloadMetrics; checks: ValidityCheck[] }> {
  let pool: ClientPool | null = null;
  try {
    let held = 0;
    if (p.clients > 0) {
      ctx.progress({ type: 'phase', text: `${server.spec.name}: holding ${p.clients} streams` });
      pool = await startPool(server, ctx, { clients: p.clients, rampPerSecond: 5000, policy: NO_RECONNECT });
      held = (await pool.connectAll()).held;
      await pool.beginWindow({ fromSeq: 0, toSeq: 0 });
      if (p.pushRate > 0) {
        const count = Math.ceil((p.pushRate * (p.durationMs + 1000)) / 1000);
        await postBroadcast(server.baseUrl, { rate: p.pushRate, count, bytes: 128, event: 'tick' });
      }
    }
    ctx.progress({ type: 'phase', text: `${server.spec.name}: autocannon ${p.path} for ${p.durationMs} ms` });
    const from = Date.now();
    const r = await (await loadAutocannon())({ url: `${server.baseUrl}${p.path}`, connections: p.connections, duration: p.durationMs / 1000 });
    const serverSample = sampler.window(from, Date.now());
    const window = pool ? await pool.endWindow() : null;
    const health = await getHealth(server.baseUrl);
    const rps = r.requests.total / r.duration;
    const metrics: SideloadMetrics = {
      streamsHeld: held,
      requests: r.requests.total,
      requestsPerSecond: rps,
      latencyMs: { mean: r.latency.mean, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
      errors: r.errors,
      non2xx: r.non2xx,
      baselineRequestsPerSecond: p.clients === 0 ? null : baseline,
      ratioToBaseline: p.clients === 0 ? 1 : baseline ? rps / baseline : null,
      server: serverSample,
      client: window ? clientSideFrom(window.workers, pool!.sourceAddresses) : null,
    };
    const checks: ValidityCheck[] = [
      { name: 'every request answered', ok: r.errors === 0 && r.non2xx === 0 && r.requests.total > 0, detail: `${r.requests.total} requests, ${r.errors} errors, ${r.non2xx} non-2xx` },
      { name: 'streams held', ok: held === p.clients && health.connections === p.clients, detail: `${held} of ${p.clients} held; server counts ${health.connections}` },
    ];
    if (metrics.client) checks.push(clientCpuCheck(metrics.client));
    return { metrics, checks };
  } finally {
    await pool?.close();
  }
}

/** autocannon loads when a sideload step runs, not with every `pushbench run` (its import is slow). */
async function loadAutocannon(): Promise<typeof import('autocannon')> {
  return (await import('autocannon')).default;
}
