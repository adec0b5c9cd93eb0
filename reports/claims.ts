// "The write-up's claims, tested": each claim of shared/reference/python-sse-patterns.txt, the
// scenario that tests it, the figures this run measured and a verdict drawn from them by the rule
// stated beside it. A claim this run has no data for says so; nothing is filled in.
import type { GroupSummary, IdleParams, PushParams, RunResult, StepResult } from '../harness/result.ts';
import { fmtBytes, fmtNumber, fmtUs } from './format.ts';

export type ClaimVerdict = 'holds' | 'holds with a caveat' | 'does not hold' | 'not measured';

export interface ClaimRow {
  claim: string;
  test: string;
  measured: string;
  verdict: ClaimVerdict;
  rule: string;
}

const idleGroups = (r: RunResult) => r.groups.filter((g) => g.kind === 'idle');
const med = (g: GroupSummary, m: string): number | null => g.metrics[m]?.median ?? null;

function idleCost(r: RunResult): ClaimRow {
  const claim = 'An idle SSE connection consumes very little: just a TCP socket and a small buffer.';
  const rule = 'holds when SSE servers need at most 2× the raw-TCP floor per idle connection at the same N; a caveat up to 4×';
  const test = 'idle: server RSS per held connection, SSE servers vs tcp-floor';
  const rows: string[] = [];
  let worst = 0;
  for (const g of idleGroups(r).filter((x) => x.protocol === 'sse')) {
    const n = (g.params as IdleParams).clients;
    const floor = idleGroups(r).find((f) => f.protocol === 'tcp' && (f.params as IdleParams).clients === n);
    const v = med(g, 'serverBytesPerConnection');
    const fv = floor ? med(floor, 'serverBytesPerConnection') : null;
    if (v === null || fv === null || fv <= 0) continue;
    worst = Math.max(worst, v / fv);
    rows.push(`${g.server} ${fmtBytes(v)} vs floor ${fmtBytes(fv)} at ${n} (${(v / fv).toFixed(1)}×)`);
  }
  if (rows.length === 0) return { claim, test, rule, measured: 'no SSE idle step with a floor beside it in this run', verdict: 'not measured' };
  return { claim, test, rule, measured: rows.join('; '), verdict: worst <= 2 ? 'holds' : worst <= 4 ? 'holds with a caveat' : 'does not hold' };
}

function asyncThousands(r: RunResult): ClaimRow {
  const claim = 'An async Python server can hold thousands of idle SSE connections with minimal resource usage.';
  const rule = 'holds when every async Python SSE server held all of ≥ 1,000 clients with a valid step; the memory per connection is the caveat to read';
  const test = 'idle at N ≥ 1,000: fastapi-sse, aiohttp-sse';
  const steps = r.steps.filter((s): s is Extract<StepResult, { kind: 'idle' }> => s.kind === 'idle' && ['fastapi-sse', 'aiohttp-sse'].includes(s.server) && s.params.clients >= 1000);
  if (steps.length === 0) return { claim, test, rule, measured: 'no async Python SSE server ran the idle scenario at ≥ 1,000 clients', verdict: 'not measured' };
  const parts = steps.map((s) => {
    if (s.outcome.state === 'failed') return `${s.server} at ${s.params.clients}: failed (${s.outcome.reason})`;
    const m = s.outcome.metrics;
    return `${s.server} held ${m.clientsHeld}/${s.params.clients}, ${fmtBytes(m.serverBytesPerConnection)} per connection, ${fmtNumber(m.serverHold.cpuPercent)} % CPU idle`;
  });
  const allHeld = steps.every((s) => s.outcome.state === 'completed');
  return { claim, test, rule, measured: parts.join('; '), verdict: allHeld ? 'holds' : 'does not hold' };
}

function flaskThreads(r: RunResult): ClaimRow {
  const claim = "Flask's synchronous nature limits concurrency: each SSE connection ties up a worker thread.";
  const rule = 'holds when flask-sse runs about one thread per held stream, or when flask-sse-gunicorn holds no more streams than its threads';
  const test = 'idle: threads of the server process during the hold; streams held by gunicorn gthread';
  const parts: string[] = [];
  let holds = false;
  for (const s of r.steps) {
    if (s.kind !== 'idle' || s.outcome.state === 'failed') continue;
    const m = s.outcome.metrics;
    if (s.server === 'flask-sse') {
      const perStream = (m.serverHold.threads - m.serverBaseline.threads) / Math.max(1, m.clientsHeld);
      parts.push(`flask-sse: ${m.serverHold.threads} threads for ${m.clientsHeld} streams (${perStream.toFixed(2)} new threads per stream)`);
      if (perStream >= 0.9) holds = true;
    }
    if (s.server === 'flask-sse-gunicorn') {
      parts.push(`flask-sse-gunicorn: ${m.clientsHeld} of ${s.params.clients} streams served at once`);
      if (m.clientsHeld < s.params.clients) holds = true;
    }
  }
  if (parts.length === 0) return { claim, test, rule, measured: 'no Flask server ran the idle scenario in this run', verdict: 'not measured' };
  return { claim, test, rule, measured: parts.join('; '), verdict: holds ? 'holds' : 'does not hold' };
}

function costGrowsWithPush(r: RunResult): ClaimRow {
  const claim = 'The cost grows only when the server actively pushes high-frequency events to many clients.';
  const rule = 'holds when SSE servers use < 5 % of a core while idle and their push CPU and p99 grow with the rate';
  const test = 'idle CPU during the hold vs push CPU and p99 from t0 across rates';
  const parts: string[] = [];
  let idleLow = true;
  let grows = true;
  let any = false;
  for (const server of [...new Set(r.groups.filter((g) => g.protocol === 'sse').map((g) => g.server))]) {
    const idle = r.groups.filter((g) => g.server === server && g.kind === 'idle').map((g) => med(g, 'serverCpuHoldPercent')).filter((v): v is number => v !== null);
    const push = r.groups
      .filter((g) => g.server === server && g.kind === 'push' && g.validRepetitions > 0)
      .sort((a, b) => (a.params as PushParams).rate - (b.params as PushParams).rate);
    if (idle.length === 0 || push.length < 2) continue;
    any = true;
    const lo = push[0]!;
    const hi = push[push.length - 1]!;
    const cpu = (g: GroupSummary) => {
      const s = r.steps.find((x) => x.group === g.group && x.kind === 'push' && x.outcome.state === 'completed');
      return s && s.kind === 'push' && s.outcome.state === 'completed' ? s.outcome.metrics.server.cpuPercent : null;
    };
    const [c0, c1] = [cpu(lo), cpu(hi)];
    const [p0, p1] = [med(lo, 'p99FromT0Us'), med(hi, 'p99FromT0Us')];
    idleLow &&= Math.max(...idle) < 5;
    grows &&= c0 !== null && c1 !== null && c1 > c0;
    parts.push(
      `${server}: idle ${fmtNumber(Math.max(...idle))} % CPU; push ${(lo.params as PushParams).rate}/s → ${(hi.params as PushParams).rate}/s: CPU ${fmtNumber(c0 ?? NaN)} → ${fmtNumber(c1 ?? NaN)} %, p99 ${fmtUs(p0 ?? NaN)} → ${fmtUs(p1 ?? NaN)}`,
    );
  }
  if (!any) return { claim, test, rule, measured: 'needs an SSE server in both the idle and the push scenario (two rates or more)', verdict: 'not measured' };
  return { claim, test, rule, measured: parts.join('; '), verdict: idleLow && grows ? 'holds' : idleLow || grows ? 'holds with a caveat' : 'does not hold' };
}

function resumeWorks(r: RunResult): ClaimRow {
  const claim = 'SSE reconnects on its own and, with event ids, resumes without losing events (Last-Event-ID).';
  const rule = 'holds with a caveat when every SSE drop/partial step recovered with 0 gaps and 0 duplicates (measured with pushbench\'s spec client, not a browser EventSource); does not hold on any gap or duplicate';
  const test = 'reconnect drop/partial: gaps and duplicates after recovery, SSE servers';
  const steps = r.steps.filter((s): s is Extract<StepResult, { kind: 'reconnect' }> => s.kind === 'reconnect' && s.protocol === 'sse' && s.params.mode !== 'restart' && s.outcome.state === 'completed');
  if (steps.length === 0) return { claim, test, rule, measured: 'no completed SSE reconnect step (drop or partial) in this run', verdict: 'not measured' };
  const parts = steps.map((s) => {
    const m = s.outcome.state === 'completed' ? s.outcome.metrics : null;
    return m ? `${s.server} ${s.params.mode} ${s.params.clients}: ${m.gaps} gaps, ${m.duplicates} duplicates, ${m.replayed} replayed, 99 % back in ${fmtNumber(m.timeTo99Ms ?? NaN)} ms` : '';
  });
  const clean = steps.every((s) => s.outcome.state === 'completed' && s.outcome.metrics.gaps === 0 && s.outcome.metrics.duplicates === 0);
  return { claim, test, rule, measured: parts.join('; '), verdict: clean ? 'holds with a caveat' : 'does not hold' };
}

function accelHeader(r: RunResult): ClaimRow {
  const claim = 'X-Accel-Buffering: no stops nginx from delaying SSE.';
  const rule = 'holds when, for every SSE server measured both ways, the first event through nginx with the header arrives within 100 ms of direct, and without it (nginx defaults) later than that for at least one; a caveat when no server was delayed without it; does not hold when one is delayed even with it';
  const test = 'path: first event p50 via nginx (server sends the header) vs nginx-noheader vs direct, same run';
  const firstP50 = (server: string, path: string): number | null => {
    const s = r.steps.find((x) => x.kind === 'path' && x.server === server && x.params.path === path && x.outcome.state === 'completed');
    return s && s.kind === 'path' && s.outcome.state === 'completed' ? s.outcome.metrics.firstEventMs.p50 : null;
  };
  const servers = [...new Set(r.steps.filter((s) => s.kind === 'path' && s.protocol === 'sse').map((s) => s.server))];
  const parts: string[] = [];
  let delayedWithHeader = false;
  let delayedWithout = false;
  for (const server of servers) {
    const direct = firstP50(server, 'direct');
    const header = firstP50(server, 'nginx');
    const none = firstP50(server, 'nginx-noheader');
    if (direct === null || header === null || none === null) continue;
    parts.push(`${server}: first event ${fmtNumber(direct)} ms direct, ${fmtNumber(header)} ms via nginx with the header, ${fmtNumber(none)} ms without it`);
    if (header - direct > 100) delayedWithHeader = true;
    if (none - direct > 100) delayedWithout = true;
  }
  if (parts.length === 0) return { claim, test, rule, measured: 'no SSE server ran the path scenario direct, via nginx and via nginx-noheader with valid steps', verdict: 'not measured' };
  const verdict: ClaimVerdict = delayedWithHeader ? 'does not hold' : delayedWithout ? 'holds' : 'holds with a caveat';
  return { claim, test, rule, measured: parts.join('; '), verdict };
}

function notMeasuredYet(claim: string, test: string): ClaimRow {
  return { claim, test, rule: '-', measured: 'no scenario in this version of pushbench measures it', verdict: 'not measured' };
}

export function claimRows(r: RunResult): ClaimRow[] {
  return [
    idleCost(r),
    asyncThousands(r),
    flaskThreads(r),
    costGrowsWithPush(r),
    accelHeader(r),
    resumeWorks(r),
  ];
}
