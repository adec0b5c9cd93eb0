// "The write-up's claims, tested": each claim of shared/reference/python-sse-patterns.txt, the
// scenario that tests it, the figures this run measured and a verdict drawn from them by the rule
// stated beside it. Every claim always has a row. A verdict with a caveat names it; a claim this
// run has no data for says why (a part not installed, a step that failed); nothing is filled in.
import type { PathSkip } from '../result/extras.ts';
import type { GroupSummary, IdleParams, PushParams, RunResult, StepResult } from '../result/result.ts';
import { fmtBytes, fmtNumber, fmtUs } from './format.ts';
import { reasonHeadline } from '../result/reason.ts';
import { tableClaimRows } from './table-claims.ts';

export type ClaimVerdict = 'holds' | 'holds with a caveat' | 'does not hold' | 'not measured';

export interface ClaimRow {
  claim: string;
  test: string;
  measured: string;
  verdict: ClaimVerdict;
  /** The caveat of 'holds with a caveat', or why a claim was 'not measured'; null otherwise. */
  note: string | null;
  /** 'not measured' for want of optional parts: the parts (python3-fastapi, nginx…). */
  missingParts: string[];
  /** 'not measured' because this run did not include what measures it: the commands that would. */
  missingRuns: string[];
  rule: string;
}

/** The verdict as the tables print it: "holds with a caveat: <the caveat>", "not measured: <why>". */
export function verdictText(c: ClaimRow): string {
  return c.note === null ? c.verdict : `${c.verdict}: ${c.note}`;
}

/** The write-up's async Python SSE servers (its FastAPI pattern, and aiohttp). */
export const ASYNC_PYTHON_SSE = ['fastapi-sse', 'aiohttp-sse'];
export const FLASK_SSE = ['flask-sse', 'flask-sse-gunicorn'];
const SETUP = 'npm run setup:system';

const idleGroups = (r: RunResult) => r.groups.filter((g) => g.kind === 'idle');
const med = (g: GroupSummary, m: string): number | null => g.metrics[m]?.median ?? null;

/** Median server RSS per connection of `server` and of tcp-floor at the same N, when both were measured validly. */
function vsFloor(r: RunResult, g: GroupSummary): { v: number; fv: number; n: number } | null {
  const n = (g.params as IdleParams).clients;
  const floor = idleGroups(r).find((f) => f.protocol === 'tcp' && (f.params as IdleParams).clients === n);
  const v = med(g, 'serverBytesPerConnection');
  const fv = floor ? med(floor, 'serverBytesPerConnection') : null;
  return v === null || fv === null || fv <= 0 ? null : { v, fv, n };
}

const times = (x: number) => `${x.toFixed(1)}×`;

// ---- why a claim has no data ----

/** The optional part a probe's reason names ("missing python3-fastapi (…)", "nginx is not installed: …"). */
export function missingPart(reason: string): string | null {
  const missing = /^missing (\S+) \(npm run setup:system\)/.exec(reason);
  if (missing) return missing[1]!;
  const notInstalled = /^(\S+) is not installed\b/.exec(reason);
  return notInstalled ? notInstalled[1]! : null;
}

export function partsOf(reasons: { reason: string }[]): string[] {
  return [...new Set(reasons.map((x) => missingPart(x.reason)).filter((p): p is string => p !== null))];
}

/** "python3-fastapi is not installed (npm run setup:system)" (one or more parts). */
export function installText(parts: string[]): string {
  return `${andList(parts)} ${parts.length > 1 ? 'are' : 'is'} not installed (${SETUP})`;
}

/** "python3-fastapi is not installed (npm run setup:system)"; reasons that name no part are kept as they are. */
export function notInstalledText(reasons: { server: string; reason: string }[]): string | null {
  if (reasons.length === 0) return null;
  const parts = partsOf(reasons);
  // Servers skipped for the same reason (a part hidden by PUSHBENCH_WITHOUT) share one mention.
  const serversBy = new Map<string, string[]>();
  for (const x of reasons.filter((y) => missingPart(y.reason) === null)) {
    const servers = serversBy.get(x.reason) ?? [];
    if (!servers.includes(x.server)) servers.push(x.server);
    serversBy.set(x.reason, servers);
  }
  const other = [...serversBy].map(([reason, servers]) => `${andList(servers)}: ${reason}`);
  const installed = parts.length === 0 ? [] : [installText(parts)];
  return [...installed, ...other].join('; ');
}

export function andList(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/** Servers of `names` the run skipped (not installed), with the probe's reason. */
function skippedOf(r: RunResult, names: string[]): { server: string; reason: string }[] {
  return r.skipped.filter((s) => names.includes(s.server));
}

/** The path scenario's skipped (server, path) pairs (extras.paths). */
export function pathSkips(r: RunResult): PathSkip[] {
  return r.extras.paths?.skips ?? [];
}

/** The servers the run's plan named for scenarios of this kind (results of older versions: none). */
export function plannedServers(r: RunResult, kind: string): string[] {
  return (r.plan.scenarios ?? []).flatMap((s) => (s.kind === kind ? (s.servers ?? []) : []));
}

type ClaimBase = Pick<ClaimRow, 'claim' | 'rule' | 'test'>;

function notMeasured(base: ClaimBase, measured: string, why: string | null, missingParts: string[] = []): ClaimRow {
  return { ...base, measured, verdict: 'not measured', note: why ?? measured, missingParts, missingRuns: [] };
}

/** A measured row (a verdict other than 'not measured'). */
function row(base: ClaimBase, measured: string, verdict: Exclude<ClaimVerdict, 'not measured'>, note: string | null = null): ClaimRow {
  return { ...base, measured, verdict, note, missingParts: [], missingRuns: [] };
}

function stepProblem(s: StepResult): string | null {
  if (s.outcome.state === 'failed') return `failed: ${reasonHeadline(s.outcome.reason)}`;
  if (s.outcome.state === 'invalid') return `invalid: ${s.outcome.reasons.join('; ')}`;
  return null;
}

// ---- the claims ----

function idleCost(r: RunResult): ClaimRow {
  const base = {
    claim: 'An idle SSE connection consumes very little: just a TCP socket and a small buffer.',
    rule: 'holds when SSE servers need at most 2× the raw-TCP floor per idle connection at the same N; a caveat up to 4×',
    test: 'idle: server RSS per held connection, SSE servers vs tcp-floor',
  };
  const rows: string[] = [];
  let worst: { server: string; ratio: number; v: number; fv: number; n: number } | null = null;
  for (const g of idleGroups(r).filter((x) => x.protocol === 'sse')) {
    const m = vsFloor(r, g);
    if (m === null) continue;
    const ratio = m.v / m.fv;
    if (worst === null || ratio > worst.ratio) worst = { server: g.server, ratio, ...m };
    rows.push(`${g.server} ${fmtBytes(m.v)} vs floor ${fmtBytes(m.fv)} at ${m.n} (${times(ratio)})`);
  }
  if (worst === null) return notMeasured(base, 'no SSE idle step with a floor beside it in this run', null);
  const verdict: ClaimVerdict = worst.ratio <= 2 ? 'holds' : worst.ratio <= 4 ? 'holds with a caveat' : 'does not hold';
  const worstText = `${worst.server} costs ${times(worst.ratio)} the TCP floor per idle connection (${fmtBytes(worst.v)} vs ${fmtBytes(worst.fv)} at ${fmtNumber(worst.n)} clients)`;
  return row(base, rows.join('; '), verdict, verdict === 'holds with a caveat' ? worstText : null);
}

function asyncThousands(r: RunResult): ClaimRow {
  const base = {
    claim: 'An async Python server can hold thousands of idle SSE connections with minimal resource usage.',
    rule: 'holds when every async Python SSE server that ran held all of ≥ 1,000 clients in a valid step, at most 2× the raw-TCP floor per connection at the same N; a caveat when one needs more than that (what "minimal" costs) or no floor was measured beside it; does not hold when one did not hold them all',
    test: 'idle at N ≥ 1,000: fastapi-sse, aiohttp-sse (and tcp-floor at the same N)',
  };
  const steps = r.steps.filter((s): s is Extract<StepResult, { kind: 'idle' }> => s.kind === 'idle' && ASYNC_PYTHON_SSE.includes(s.server) && s.params.clients >= 1000);
  const absent = notInstalledText(skippedOf(r, ASYNC_PYTHON_SSE));
  if (steps.length === 0) return notMeasured(base, 'no async Python SSE server ran the idle scenario at ≥ 1,000 clients', absent, partsOf(skippedOf(r, ASYNC_PYTHON_SSE)));
  const parts = steps.map((s) => {
    if (s.outcome.state === 'failed') return `${s.server} at ${s.params.clients}: failed (${reasonHeadline(s.outcome.reason)})`;
    const m = s.outcome.metrics;
    const state = s.outcome.state === 'invalid' ? ` (invalid: ${s.outcome.reasons.join('; ')})` : '';
    return `${s.server} held ${fmtNumber(m.clientsHeld)}/${fmtNumber(s.params.clients)}, ${fmtBytes(m.serverBytesPerConnection)} per connection, ${fmtNumber(m.serverHold.cpuPercent)} % CPU idle${state}`;
  });
  if (absent !== null) parts.push(`not measured: ${absent}`);
  const measured = parts.join('; ');
  if (!steps.every((s) => s.outcome.state === 'completed')) return row(base, measured, 'does not hold');
  // The caveat is the costliest server against the floor at its N (a group, so medians of valid repetitions).
  let worst: { text: string; ratio: number } | null = null;
  const unfloored: string[] = [];
  for (const server of [...new Set(steps.map((s) => s.server))]) {
    for (const g of idleGroups(r).filter((x) => x.server === server && (x.params as IdleParams).clients >= 1000)) {
      const m = vsFloor(r, g);
      if (m === null) {
        unfloored.push(`${server} at ${fmtNumber((g.params as IdleParams).clients)}`);
        continue;
      }
      const ratio = m.v / m.fv;
      if (worst === null || ratio > worst.ratio) {
        worst = { ratio, text: `${server} needs ${times(ratio)} the TCP floor per idle connection (${fmtBytes(m.v)} vs ${fmtBytes(m.fv)} at ${fmtNumber(m.n)} clients)` };
      }
    }
  }
  if (worst !== null && worst.ratio > 2) return row(base, measured, 'holds with a caveat', worst.text);
  if (unfloored.length > 0) return row(base, measured, 'holds with a caveat', `no tcp-floor was measured beside ${andList(unfloored)} to judge "minimal" against`);
  return row(base, measured, 'holds');
}

function flaskThreads(r: RunResult): ClaimRow {
  const base = {
    claim: "Flask's synchronous nature limits concurrency: each SSE connection ties up a worker thread.",
    rule: 'holds when flask-sse runs about one thread per held stream, or when flask-sse-gunicorn holds no more streams than its threads',
    test: 'idle: threads of the server process during the hold; streams held by gunicorn gthread',
  };
  const parts: string[] = [];
  let holds = false;
  for (const s of r.steps) {
    if (s.kind !== 'idle' || s.outcome.state === 'failed') continue;
    const m = s.outcome.metrics;
    if (s.server === 'flask-sse') {
      const perStream = (m.serverHold.threads - m.serverBaseline.threads) / Math.max(1, m.clientsHeld);
      parts.push(`flask-sse: ${fmtNumber(m.serverHold.threads)} threads for ${fmtNumber(m.clientsHeld)} streams (${perStream.toFixed(2)} new threads per stream)`);
      if (perStream >= 0.9) holds = true;
    }
    if (s.server === 'flask-sse-gunicorn') {
      parts.push(`flask-sse-gunicorn: ${m.clientsHeld} of ${s.params.clients} streams served at once`);
      if (m.clientsHeld < s.params.clients) holds = true;
    }
  }
  if (parts.length === 0) {
    const failed = r.steps.filter((s) => s.kind === 'idle' && FLASK_SSE.includes(s.server) && s.outcome.state === 'failed').map((s) => `${s.server} ${stepProblem(s)}`);
    const why = notInstalledText(skippedOf(r, FLASK_SSE)) ?? (failed.length > 0 ? failed.join('; ') : null);
    return notMeasured(base, 'no Flask server ran the idle scenario in this run', why, partsOf(skippedOf(r, FLASK_SSE)));
  }
  return row(base, parts.join('; '), holds ? 'holds' : 'does not hold');
}

function costGrowsWithPush(r: RunResult): ClaimRow {
  const base = {
    claim: 'The cost grows only when the server actively pushes high-frequency events to many clients.',
    // p99 is shown, not judged: at these rates it moves with the machine's noise more than with the rate.
    rule: 'holds when SSE servers use < 5 % of a core while idle and their server CPU during the push grows with the rate (p99 shown beside it); a caveat when only one of the two holds',
    test: 'idle CPU during the hold vs push CPU and p99 from t0 across rates',
  };
  const parts: string[] = [];
  const busyIdle: string[] = [];
  const flat: string[] = [];
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
    const [r0, r1] = [(lo.params as PushParams).rate, (hi.params as PushParams).rate];
    const idleMax = Math.max(...idle);
    if (idleMax >= 5) busyIdle.push(`${server} used ${fmtNumber(idleMax)} % of a core while idle`);
    if (!(c0 !== null && c1 !== null && c1 > c0)) flat.push(`${server}'s CPU did not grow from ${r0}/s to ${r1}/s (${fmtNumber(c0 ?? NaN)} → ${fmtNumber(c1 ?? NaN)} %)`);
    parts.push(`${server}: idle ${fmtNumber(idleMax)} % CPU; push ${r0}/s → ${r1}/s: CPU ${fmtNumber(c0 ?? NaN)} → ${fmtNumber(c1 ?? NaN)} %, p99 ${fmtUs(p0 ?? NaN)} → ${fmtUs(p1 ?? NaN)}`);
  }
  if (!any) return notMeasured(base, 'needs an SSE server in both the idle and the push scenario (two rates or more)', null);
  const [idleLow, grows] = [busyIdle.length === 0, flat.length === 0];
  const measured = parts.join('; ');
  if (idleLow && grows) return row(base, measured, 'holds');
  if (idleLow || grows) return row(base, measured, 'holds with a caveat', [...busyIdle, ...flat].join('; '));
  return row(base, measured, 'does not hold');
}

function resumeWorks(r: RunResult): ClaimRow {
  const base = {
    claim: 'SSE reconnects on its own and, with event ids, resumes without losing events (Last-Event-ID).',
    rule: "holds with a caveat when every SSE drop/partial step recovered with 0 gaps and 0 duplicates (measured with pushbench's spec client, not a browser EventSource); does not hold on any gap or duplicate",
    test: 'reconnect drop/partial: gaps and duplicates after recovery, SSE servers',
  };
  const steps = r.steps.filter((s): s is Extract<StepResult, { kind: 'reconnect' }> => s.kind === 'reconnect' && s.protocol === 'sse' && s.params.mode !== 'restart' && s.outcome.state === 'completed');
  if (steps.length === 0) {
    const tried = r.steps.filter((s) => s.kind === 'reconnect' && s.protocol === 'sse' && s.params.mode !== 'restart').map((s) => `${s.server} ${stepProblem(s)}`);
    return notMeasured(base, 'no completed SSE reconnect step (drop or partial) in this run', tried.length > 0 ? tried.join('; ') : null);
  }
  const parts = steps.map((s) => {
    const m = s.outcome.state === 'completed' ? s.outcome.metrics : null;
    return m ? `${s.server} ${s.params.mode} ${s.params.clients}: ${m.gaps} gaps, ${m.duplicates} duplicates, ${m.replayed} replayed, 99 % back in ${fmtNumber(m.timeTo99Ms ?? NaN)} ms` : '';
  });
  const clean = steps.every((s) => s.outcome.state === 'completed' && s.outcome.metrics.gaps === 0 && s.outcome.metrics.duplicates === 0);
  return clean ? row(base, parts.join('; '), 'holds with a caveat', "measured with pushbench's spec client, not a browser EventSource") : row(base, parts.join('; '), 'does not hold');
}

const ACCEL_PATHS = ['direct', 'nginx', 'nginx-noheader'];

function accelHeader(r: RunResult): ClaimRow {
  const base = {
    claim: 'X-Accel-Buffering: no stops nginx from delaying SSE.',
    rule: 'holds when, for every SSE server measured both ways, the first event through nginx with the header arrives within 100 ms of direct, and without it (nginx defaults) later than that for at least one; a caveat when no server was delayed without it; does not hold when one is delayed even with it',
    test: 'path: first event p50 via nginx (server sends the header) vs nginx-noheader vs direct, same run',
  };
  const firstP50 = (server: string, path: string): number | null => {
    const s = r.steps.find((x) => x.kind === 'path' && x.server === server && x.params.path === path && x.outcome.state === 'completed');
    return s && s.kind === 'path' && s.outcome.state === 'completed' ? s.outcome.metrics.firstEventMs.p50 : null;
  };
  const servers = [...new Set(r.steps.filter((s) => s.kind === 'path' && s.protocol === 'sse').map((s) => s.server))];
  const parts: string[] = [];
  const undelayed: string[] = [];
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
    else undelayed.push(`${server} ${fmtNumber(none)} ms`);
  }
  if (parts.length === 0) {
    // Why: nginx or the server not installed, or a step of the three that did not complete.
    const unavailable = [...skippedOf(r, plannedServers(r, 'path')), ...pathSkips(r).filter((k) => k.path.startsWith('nginx') && missingPart(k.reason) !== null)];
    const absent = notInstalledText(unavailable);
    const broken = r.steps.filter((s) => s.kind === 'path' && s.protocol === 'sse' && ACCEL_PATHS.includes(s.params.path) && stepProblem(s) !== null);
    const problems = broken.map((s) => `${s.server} via ${s.kind === 'path' ? s.params.path : ''} ${stepProblem(s)}`);
    const why = [absent, ...problems].filter((x): x is string => x !== null).join('; ');
    return notMeasured(base, 'no SSE server ran the path scenario direct, via nginx and via nginx-noheader with valid steps', why === '' ? null : why, partsOf(unavailable));
  }
  const measured = parts.join('; ');
  if (delayedWithHeader) return row(base, measured, 'does not hold');
  if (delayedWithout) return row(base, measured, 'holds');
  return row(base, measured, 'holds with a caveat', `no server was delayed by more than 100 ms without the header either (${undelayed.join(', ')})`);
}

/** The six claims of the write-up's prose, always all six, in its order. */
export function proseClaimRows(r: RunResult): ClaimRow[] {
  return [idleCost(r), asyncThousands(r), flaskThreads(r), costGrowsWithPush(r), accelHeader(r), resumeWorks(r)];
}

/** Every claim: the prose's six, then its comparison table row by row and its advice (table-claims.ts). */
export function claimRows(r: RunResult): ClaimRow[] {
  return [...proseClaimRows(r), ...tableClaimRows(r)];
}
