// The answer a report opens with: plain sentences generated from the verdict rows and the claims
// (idle memory, push latency, delivery, reconnect, clients that send when the run had them, the
// write-up's claims, its comparison table and advice): which protocol
// did better where, by how much, on the machine of the run. A topic with nothing to compare says
// why in its own sentence (not in this run, a server skipped, a step failed). Shared by
// report.html and summary.md, so both say the same thing.
import type { RunResult, ScenarioKind } from '../result/result.ts';
import { andList, installText, notInstalledText, plannedServers, proseClaimRows, type ClaimRow, type ClaimVerdict } from './claims.ts';
import { tableClaimRows } from './table-claims.ts';
import { fmtRatio } from './format.ts';
import { UPSTREAM_TOPICS, verdictRows, type RowOutcome, type VerdictRow } from './verdict.ts';

const PROTOCOL = { sse: 'SSE', ws: 'WebSocket' } as const;

interface Topic {
  kind: ScenarioKind;
  /** verdict.ts topic whose rows the sentence sums up. */
  topic: string;
  /** The sentence's subject, e.g. "Idle memory". */
  label: string;
  /** What the better side did: "SSE <verb> in 2 of 4 comparisons". */
  verb: string;
  /** The sentence when every compared row is zero on both sides. */
  allZero?: string;
  /** A sentence only for runs that had this kind of step (a scenario outside the suites). */
  onlyWhenRun?: boolean;
}

const TOPICS: Topic[] = [
  { kind: 'idle', topic: 'Server memory per idle connection', label: 'Idle memory', verb: 'needed less server memory per idle connection' },
  { kind: 'push', topic: 'p99 latency from the intended send time', label: 'Push latency', verb: 'had the lower p99 from the intended send time' },
  { kind: 'push', topic: 'Events lost', label: 'Delivery', verb: 'lost fewer events', allZero: 'both protocols delivered every event' },
  { kind: 'reconnect', topic: 'Time until 99 % reconnected', label: 'Reconnect', verb: 'had 99 % of its clients back sooner' },
  { kind: 'upstream', topic: UPSTREAM_TOPICS.cpuKeepAlive, label: 'Clients that send', verb: 'spent less server CPU per message sent (SSE by keep-alive POST)', onlyWhenRun: true },
];

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function where(v: VerdictRow, manyPairs: boolean): string {
  return manyPairs ? `${v.pair}, ${v.params}` : v.params;
}

type Better = Extract<RowOutcome, { kind: 'better' }>;

/** "SSE had the lower p99 … in 2 of 4 comparisons (node; 1.7× to 2.0×, e.g. node-sse 12.0 ms vs node-ws 23.6 ms at 50/s to 1000 clients)". */
function winsClause(t: Topic, protocol: 'sse' | 'ws', wins: { row: VerdictRow; o: Better }[], total: number, manyPairs: boolean, first: boolean): string {
  const ratios = wins.map((w) => w.o.ratio);
  const [lo, hi] = [Math.min(...ratios), Math.max(...ratios)];
  const top = wins.find((w) => w.o.ratio === hi)!;
  const pairs = manyPairs ? `${[...new Set(wins.map((w) => w.row.pair))].join(' and ')}; ` : '';
  const by = lo === hi ? `by ${fmtRatio(hi)}` : `by ${fmtRatio(lo)} to ${fmtRatio(hi)}`;
  // The servers are named, so the example needs only the parameters.
  const example = `e.g. ${top.o.win.server} ${top.o.win.value} vs ${top.o.lose.server} ${top.o.lose.value} for ${top.row.params}`;
  return `${PROTOCOL[protocol]}${first ? ` ${t.verb}` : ''} in ${wins.length} of ${first ? count(total, 'comparison') : total} (${pairs}${by}, ${example})`;
}

/** Why a scenario kind left no row to compare: not planned, its servers skipped, or no pair in it. */
function whyNoRows(r: RunResult, kind: ScenarioKind): string {
  const steps = r.steps.filter((s) => s.kind === kind);
  if (steps.length > 0) return `no SSE/WebSocket pair ran it (only ${[...new Set(steps.map((s) => s.server))].join(', ')})`;
  const named = plannedServers(r, kind);
  const absent = notInstalledText(r.skipped.filter((s) => named.includes(s.server)));
  if (absent !== null) return `its servers were skipped: ${absent}`;
  return `this run had no ${kind} step`;
}

function topicSentence(r: RunResult, rows: VerdictRow[], t: Topic, manyPairs: boolean): string {
  const mine = rows.filter((v) => v.topic === t.topic);
  if (mine.length === 0) return `${t.label} was not compared: ${whyNoRows(r, t.kind)}.`;
  const wins = (p: 'sse' | 'ws') => mine.flatMap((row) => (row.outcome.kind === 'better' && row.outcome.winner === p ? [{ row, o: row.outcome }] : []));
  const ties = mine.filter((v) => v.outcome.kind === 'tie');
  const zeros = mine.filter((v) => v.outcome.kind === 'both-zero');
  const missing = mine.flatMap((v) => (v.outcome.kind === 'missing' ? [{ row: v, sides: v.outcome.sides }] : []));
  const clauses: string[] = [];
  const byWins = (['sse', 'ws'] as const).map((p) => ({ p, w: wins(p) })).filter((x) => x.w.length > 0).sort((a, b) => b.w.length - a.w.length);
  byWins.forEach(({ p, w }, i) => clauses.push(winsClause(t, p, w, mine.length, manyPairs, i === 0)));
  if (zeros.length > 0) clauses.push(`${t.allZero ?? 'both were zero'} in ${zeros.length === mine.length ? `all ${count(zeros.length, 'comparison')}` : `${zeros.length} of ${mine.length}`}`);
  if (ties.length > 0) clauses.push(`no clear difference in ${ties.length === mine.length ? `all ${count(ties.length, 'comparison')}` : `${ties.length} (${ties.map((v) => where(v, manyPairs)).join('; ')})`}`);
  if (t.kind === 'reconnect') {
    const after = afterRecovery(rows);
    if (after !== null) clauses.push(after);
  }
  for (const m of missing) clauses.push(`not compared for ${where(m.row, manyPairs)} because ${m.sides.map((s) => `${s.server} ${s.why}`).join(' and ')}`);
  return `${t.label}: ${clauses.join('; ')}.`;
}

/** The reconnect sentence's tail: gaps and duplicates after recovery, from their rows. */
function afterRecovery(rows: VerdictRow[]): string | null {
  const counted = rows.filter((v) => v.topic === 'Events missed after recovery (gaps)' || v.topic === 'Events delivered twice after recovery');
  const compared = counted.filter((v) => v.outcome.kind !== 'missing');
  if (compared.length === 0) return null;
  if (compared.every((v) => v.outcome.kind === 'both-zero')) return 'no gaps and no duplicates on either side after recovery';
  return `after recovery ${compared.filter((v) => v.outcome.kind !== 'both-zero').map((v) => `${v.conclusion} (${v.params})`).join('; ')}`;
}

const VERDICT_ORDER: ClaimVerdict[] = ['holds', 'holds with a caveat', 'does not hold', 'not measured'];

/** How a verdict count reads: "3 hold", "1 was not measured". */
function verdictCounts(claims: ClaimRow[]): string {
  const n = (v: ClaimVerdict) => claims.filter((c) => c.verdict === v).length;
  const verb: Record<ClaimVerdict, [string, string]> = {
    holds: ['holds', 'hold'],
    'holds with a caveat': ['holds with a caveat', 'hold with a caveat'],
    'does not hold': ['does not hold', 'do not hold'],
    'not measured': ['was not measured', 'were not measured'],
  };
  return andList(VERDICT_ORDER.filter((v) => n(v) > 0).map((v) => `${n(v)} ${verb[v][n(v) === 1 ? 0 : 1]}`));
}

/** Why the claims of `claims` that were not measured were not, each reason once ('' when none). */
function unmeasuredWhy(claims: ClaimRow[]): string {
  // Missing parts are named once for all the claims that wanted them; other reasons as they are.
  const unmeasured = claims.filter((c) => c.verdict === 'not measured');
  const parts = [...new Set(unmeasured.flatMap((c) => c.missingParts))];
  // Rows this run had no scenario for are named once by the runs that would measure them.
  const runs = [...new Set(unmeasured.filter((c) => c.missingParts.length === 0).flatMap((c) => c.missingRuns))];
  const other = unmeasured.filter((c) => c.missingParts.length === 0 && c.missingRuns.length === 0 && c.note !== null).map((c) => c.note!);
  const reasons = [...(parts.length > 0 ? [installText(parts)] : []), ...(runs.length > 0 ? [`not in this run: ${runs.join(', ')}`] : []), ...new Set(other)];
  return reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
}

function claimsSentence(r: RunResult): string {
  const claims = proseClaimRows(r);
  return `Of the write-up's ${claims.length} claims, ${verdictCounts(claims)}${unmeasuredWhy(claims)}.`;
}

/** The comparison table's rows and the advice, in a sentence of their own. */
function tableSentence(r: RunResult): string {
  const rows = tableClaimRows(r);
  return `Of its comparison table's ${rows.length - 1} rows and its advice, ${verdictCounts(rows)}${unmeasuredWhy(rows)}.`;
}

/** The opening sentences of one run's report, in order. */
export function openingSentences(r: RunResult): string[] {
  const rows = verdictRows(r);
  const manyPairs = new Set(rows.map((v) => v.pair)).size > 1;
  const e = r.environment;
  const sentences = TOPICS.filter((t) => !t.onlyWhenRun || r.steps.some((s) => s.kind === t.kind)).map((t) => topicSentence(r, rows, t, manyPairs));
  sentences[0] = `On this machine (${e.cpuModel}, ${e.cores} cores), ${sentences[0]![0]!.toLowerCase()}${sentences[0]!.slice(1)}`;
  return [...sentences, claimsSentence(r), tableSentence(r)];
}
