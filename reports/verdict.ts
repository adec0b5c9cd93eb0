// The verdict table: SSE vs WS, one row per question and parameter set, for every matched pair in
// a result. Every figure is a median over the valid repetitions of a group (result.groups), and
// every sentence is generated from those figures. A side that was not measured, or has no valid
// repetition, says so (with the reason) and gets no number.
import { HEADLINE_METRICS } from '../result/metrics.ts';
import type { GroupSummary, KneeResult, RunResult, ScenarioKind, Stat } from '../result/result.ts';
import { fmtFactor, fmtMetric, fmtNumber } from './format.ts';
import { SINGLE_RUN_NOISE } from './noise.ts';
import { compareOrder, describeParams } from './params-text.ts';
import { brokerServerNames } from './brokers-section.ts';
import { reasonHeadline } from '../result/reason.ts';

/** A broker pair's latency includes the harness's publish request: its rows say so in the topic. */
const PUBLISH_TO_RECEIVE = ', publish-to-receive';

export interface VerdictRow {
  pair: string;
  /** The question without its parameters, e.g. "Server memory per idle connection". */
  topic: string;
  /** The parameters this row answers it for, e.g. "1000 clients". */
  params: string;
  /** `${topic} (${params})`. */
  question: string;
  sse: string;
  ws: string;
  floor: string;
  conclusion: string;
  /** The conclusion as data, for sentences built from several rows (reports/opening.ts). */
  outcome: RowOutcome;
}

/** One side's figure, for a sentence: `node-ws` `4.9 KB`. */
export interface Figure {
  server: string;
  value: string;
}

/**
 * What a row concluded: one protocol better by `ratio`; no difference the run can tell (`tie`);
 * both zero (a count that should be); or not compared, with each missing side and its reason.
 */
export type RowOutcome =
  | { kind: 'better'; winner: 'sse' | 'ws'; ratio: number; win: Figure; lose: Figure }
  | { kind: 'tie' }
  | { kind: 'both-zero' }
  | { kind: 'missing'; sides: { server: string; why: string }[] };

/** One side of a comparison: a median with its spread, or why there is none. */
interface Side {
  server: string;
  stat: Stat | null;
  /** The cell text: the figure, or "not measured" / "invalid: …" / "failed: …". */
  text: string;
  /** Why there is no figure, short ("failed", "not measured"), for the conclusion. */
  missing: string | null;
}

/** How a question turns two figures into a sentence: `win` has the better figure. */
interface Wording {
  /** Formats a figure for the sentence (defaults to the metric's unit). */
  fmt?: (v: number) => string;
  better: (win: string, winV: string, lose: string, loseV: string, ratio: string) => string;
  /** For counts that should be zero: the sentence when both are. */
  bothZero?: string;
}

interface Question {
  kind: ScenarioKind;
  metric: string;
  topic: string;
  wording: Wording;
  /** Which SSE group answers (upstream: one POST mode per question); default any of the pair. */
  sse?: (g: GroupSummary) => boolean;
}

/** Upstream: the SSE groups whose clients POSTed this way. */
const posting = (transport: 'keepalive' | 'per-request') => (g: GroupSummary) => 'transport' in g.params && g.params.transport === transport;

/** The verdict topics of the upstream scenario (opening.ts sums up the first). */
export const UPSTREAM_TOPICS = {
  cpuKeepAlive: 'Server CPU per message sent, SSE by keep-alive POST',
  cpuPerRequest: 'Server CPU per message sent, SSE by a POST per message',
  p50KeepAlive: 'Send-to-receive p50, SSE by keep-alive POST',
} as const;

const QUESTIONS: Question[] = [
  {
    kind: 'idle',
    metric: 'serverBytesPerConnection',
    topic: 'Server memory per idle connection',
    wording: { better: (w, wv, l, lv, r) => `${w} holds an idle connection in ${wv}, ${l} in ${lv} (${r}× more)` },
  },
  {
    kind: 'idle',
    metric: 'clientBytesPerConnection',
    topic: 'Client memory per idle connection',
    wording: { better: (w, wv, l, lv, r) => `${w} clients need ${wv} per connection, ${l} clients ${lv} (${r}× more)` },
  },
  {
    kind: 'push',
    metric: 'p99FromT0Us',
    topic: 'p99 latency from the intended send time',
    wording: { better: (w, wv, l, lv, r) => `${w} delivers 99 % of events within ${wv}, ${l} within ${lv} (${r}× longer)` },
  },
  {
    kind: 'push',
    metric: 'lossRatio',
    topic: 'Events lost',
    wording: { fmt: (v) => `${fmtNumber(v * 100)} %`, better: (w, wv, l, lv) => `${l} lost ${lv} of events, ${w} ${wv}`, bothZero: 'both delivered every event in their valid steps' },
  },
  {
    kind: 'push',
    metric: 'serverCpuMsPer1kEvents',
    topic: 'Server CPU per 1,000 delivered events',
    wording: { better: (w, wv, l, lv, r) => `${w} spends ${wv} of CPU per 1,000 events, ${l} ${lv} (${r}× more)` },
  },
  {
    kind: 'reconnect',
    metric: 'timeTo99Ms',
    topic: 'Time until 99 % reconnected',
    wording: { better: (w, wv, l, lv, r) => `${w} had 99 % of clients back in ${wv}, ${l} in ${lv} (${r}× longer)` },
  },
  {
    kind: 'reconnect',
    metric: 'gaps',
    topic: 'Events missed after recovery (gaps)',
    wording: { better: (w, wv, l, lv) => `${l} left ${lv} gaps, ${w} ${wv}`, bothZero: 'no gaps on either side' },
  },
  {
    kind: 'reconnect',
    metric: 'duplicates',
    topic: 'Events delivered twice after recovery',
    wording: { better: (w, wv, l, lv) => `${l} delivered ${lv} duplicates, ${w} ${wv}`, bothZero: 'no duplicates on either side' },
  },
  {
    kind: 'upstream',
    metric: 'serverCpuUsPerMessage',
    topic: UPSTREAM_TOPICS.cpuKeepAlive,
    sse: posting('keepalive'),
    wording: { better: (w, wv, l, lv, r) => `${w} spends ${wv} of server CPU per message, ${l} ${lv} (${r}× more)` },
  },
  {
    kind: 'upstream',
    metric: 'serverCpuUsPerMessage',
    topic: UPSTREAM_TOPICS.cpuPerRequest,
    sse: posting('per-request'),
    wording: { better: (w, wv, l, lv, r) => `${w} spends ${wv} of server CPU per message, ${l} ${lv} (${r}× more)` },
  },
  {
    kind: 'upstream',
    metric: 'p50FromT0Us',
    topic: UPSTREAM_TOPICS.p50KeepAlive,
    sse: posting('keepalive'),
    wording: { better: (w, wv, l, lv, r) => `half of ${w}'s messages arrive within ${wv} of being sent, ${l}'s within ${lv} (${r}× longer)` },
  },
  {
    kind: 'sideload',
    metric: 'ratioToBaseline',
    topic: 'Plain HTTP throughput beside held streams, vs none',
    wording: {
      fmt: (v) => `${fmtNumber(v * 100)} %`,
      better: (w, wv, l, lv) => `plain HTTP keeps ${wv} of its req/s beside ${w} streams, ${lv} beside ${l} streams`,
    },
  },
];

const KNEE_WORDING: Wording = {
  fmt: (v) => `${fmtNumber(v)}/s`,
  better: (w, wv, l, lv, r) => `${w} keeps up to ${wv}, ${l} to ${lv} (${r}× lower)`,
};

/** Why a group has no valid figure: the first failed or invalid step's reason. */
function noValidReason(result: RunResult, group: GroupSummary): { text: string; short: string } {
  for (const s of result.steps) {
    if (s.group !== group.group) continue;
    if (s.outcome.state === 'failed') return { text: `failed: ${reasonHeadline(s.outcome.reason)}`, short: 'failed' };
    if (s.outcome.state === 'invalid') return { text: `invalid: ${s.outcome.reasons.join('; ')}`, short: 'was invalid' };
  }
  return { text: 'no valid repetition', short: 'has no valid repetition' };
}

function side(result: RunResult, g: GroupSummary | undefined, metric: string, fmt: (v: number) => string): Side {
  if (!g) return { server: '', stat: null, text: 'not measured', missing: 'was not measured' };
  if (g.validRepetitions === 0) {
    const why = noValidReason(result, g);
    return { server: g.server, stat: null, text: why.text, missing: why.short };
  }
  const s = g.metrics[metric];
  if (!s) return { server: g.server, stat: null, text: 'not measured', missing: 'did not measure it' };
  const spread = s.n > 1 && s.max !== s.min ? ` (${fmt(s.min)}–${fmt(s.max)})` : '';
  // Partly valid groups say so: the median is of fewer repetitions than were run.
  const valid = g.validRepetitions < g.totalRepetitions ? `, ${g.validRepetitions} of ${g.totalRepetitions} repetitions valid` : '';
  return { server: g.server, stat: s, text: `${fmt(s.median)}${spread}${valid}`, missing: null };
}

/**
 * The sentence for one row, from the two medians only. The run cannot tell apart, so calls a tie:
 * medians within 5 %; ranges of repetitions that overlap; and, when a side has a single
 * repetition (no spread to judge by), differences within what single runs of the same code
 * moved by (noise.ts), e.g. 17 % for p99.
 */
function conclude(direction: 'lower' | 'higher', wording: Wording, fmt: (v: number) => string, sse: Side, ws: Side, noiseBand: number): { text: string; outcome: RowOutcome } {
  if (sse.stat === null || ws.stat === null) {
    const gone = [sse, ws].filter((s) => s.stat === null);
    const name = (s: Side) => s.server || (s === sse ? 'the SSE server' : 'the WS server');
    return {
      text: `not compared: ${gone.map((s) => `${name(s)} ${s.missing}`).join(' and ')}`,
      outcome: { kind: 'missing', sides: gone.map((s) => ({ server: name(s), why: s.text })) },
    };
  }
  const tie = (text: string) => ({ text, outcome: { kind: 'tie' } as const });
  const [a, b] = [sse.stat.median, ws.stat.median];
  if (wording.bothZero && a === 0 && b === 0) return { text: wording.bothZero, outcome: { kind: 'both-zero' } };
  const sseWins = direction === 'lower' ? a < b : a > b;
  const [win, lose] = sseWins ? [sse, ws] : [ws, sse];
  const [wv, lv] = [win.stat!.median, lose.stat!.median];
  if (a === b) return tie(`the same: ${sse.server} ${fmt(a)}, ${ws.server} ${fmt(b)}`);
  const lo = Math.min(wv, lv);
  const ratio = lo > 0 ? Math.max(wv, lv) / lo : Infinity;
  if (ratio < 1.05) return tie(`about the same: ${sse.server} ${fmt(a)}, ${ws.server} ${fmt(b)} (within 5 %)`);
  if (Math.min(sse.stat.n, ws.stat.n) === 1 && ratio <= 1 + noiseBand) {
    return tie(`no clear difference: ${sse.server} ${fmt(a)}, ${ws.server} ${fmt(b)}, within the ${Math.round(noiseBand * 100)} % that single runs moved by`);
  }
  const overlap = sse.stat.n > 1 && ws.stat.n > 1 && sse.stat.min <= ws.stat.max && ws.stat.min <= sse.stat.max;
  if (overlap) return tie(`no clear difference: the repetitions overlap (${sse.server} ${fmt(sse.stat.min)}–${fmt(sse.stat.max)}, ${ws.server} ${fmt(ws.stat.min)}–${fmt(ws.stat.max)})`);
  const r = fmtFactor(ratio);
  return {
    text: wording.better(win.server, fmt(wv), lose.server, fmt(lv), r),
    outcome: { kind: 'better', winner: sseWins ? 'sse' : 'ws', ratio, win: { server: win.server, value: fmt(wv) }, lose: { server: lose.server, value: fmt(lv) } },
  };
}

function cellText(s: Side): string {
  return s.server ? `${s.server}: ${s.text}` : s.text;
}

function questionRows(result: RunResult, q: Question, pairs: string[]): VerdictRow[] {
  const spec = HEADLINE_METRICS[q.kind][q.metric]!;
  const fmt = q.wording.fmt ?? ((v: number) => fmtMetric(v, spec.unit));
  const ofKind = result.groups.filter((g) => g.kind === q.kind);
  const params = new Map<string, number[]>();
  for (const g of ofKind) {
    const d = describeParams(q.kind, g.params);
    params.set(d.text, d.order);
  }
  const keys = [...params.keys()].sort((a, b) => compareOrder(params.get(a)!, params.get(b)!));
  const rows: VerdictRow[] = [];
  for (const pair of pairs) {
    for (const key of keys) {
      const find = (protocol: string, inPair: boolean) =>
        ofKind.find((g) => g.protocol === protocol && (!inPair || g.pair === pair) && describeParams(q.kind, g.params).text === key && (protocol !== 'sse' || q.sse === undefined || q.sse(g)));
      const sseG = find('sse', true);
      const wsG = find('ws', true);
      if (!sseG && !wsG) continue;
      const floorG = find('tcp', false);
      const sse = side(result, sseG, q.metric, fmt);
      const ws = side(result, wsG, q.metric, fmt);
      const brokers = brokerServerNames(result);
      const viaPublish = q.metric === 'p99FromT0Us' && [sseG, wsG].some((g) => g !== undefined && brokers.has(g.server));
      const topic = viaPublish ? `${q.topic}${PUBLISH_TO_RECEIVE}` : q.topic;
      const { text: conclusion, outcome } = conclude(spec.direction, q.wording, fmt, sse, ws, SINGLE_RUN_NOISE[q.metric] ?? 0.05);
      rows.push({
        pair,
        topic,
        params: key,
        question: `${topic} (${key})`,
        sse: cellText(sse),
        ws: cellText(ws),
        floor: floorG ? side(result, floorG, q.metric, fmt).text : 'not measured',
        conclusion,
        outcome,
      });
    }
  }
  return rows;
}

function kneeSide(k: KneeResult | undefined): Side {
  if (!k) return { server: '', stat: null, text: 'not measured', missing: 'was not measured' };
  if (k.lastGoodRate === null) return { server: k.server, stat: null, text: `no rate met it (${k.reason})`, missing: 'met it at no rate' };
  const stopped = k.firstBadRate === null ? k.reason : `not at ${fmtNumber(k.firstBadRate)}/s: ${k.reason}`;
  return { server: k.server, stat: { median: k.lastGoodRate, min: k.lastGoodRate, max: k.lastGoodRate, n: 1 }, text: `${fmtNumber(k.lastGoodRate)}/s (${stopped})`, missing: null };
}

function kneeRows(result: RunResult, pairs: string[]): VerdictRow[] {
  const pairOf = (server: string) => result.groups.find((g) => g.server === server)?.pair ?? null;
  const settings = [...new Set(result.knees.map((k) => `${k.clients}|${k.bytes}|${k.thresholdMs}`))];
  const rows: VerdictRow[] = [];
  for (const pair of pairs) {
    for (const key of settings) {
      const at = result.knees.filter((k) => `${k.clients}|${k.bytes}|${k.thresholdMs}` === key);
      const sseK = at.find((k) => k.protocol === 'sse' && pairOf(k.server) === pair);
      const wsK = at.find((k) => k.protocol === 'ws' && pairOf(k.server) === pair);
      if (!sseK && !wsK) continue;
      const first = (sseK ?? wsK)!;
      const params = `${first.clients} clients, ${first.bytes} B, p99 ≤ ${first.thresholdMs} ms and every event delivered`;
      const brokers = brokerServerNames(result);
      const topic = `Knee: the highest rate that still meets the bound${[sseK, wsK].some((k) => k !== undefined && brokers.has(k.server)) ? PUBLISH_TO_RECEIVE : ''}`;
      const [sse, ws] = [kneeSide(sseK), kneeSide(wsK)];
      const floorK = at.find((k) => k.protocol === 'tcp');
      // A knee is one search, not a median; its resolution is the search's rate step.
      const { text: conclusion, outcome } = conclude('higher', KNEE_WORDING, KNEE_WORDING.fmt!, sse, ws, 0);
      rows.push({
        pair,
        topic,
        params,
        question: `${topic} (${params})`,
        sse: cellText(sse),
        ws: cellText(ws),
        floor: floorK ? kneeSide(floorK).text : 'not measured',
        conclusion,
        outcome,
      });
    }
  }
  return rows;
}

/** Every verdict row of one result, question by question (knee after the push questions). */
export function verdictRows(result: RunResult): VerdictRow[] {
  // A pair is compared when the run measured both its sides: a pair of which only the SSE server
  // ran (the write-up's Python servers in the default suite) has nothing to compare.
  const protocolsOf = (pair: string) => new Set(result.groups.filter((g) => g.pair === pair).map((g) => g.protocol));
  const pairs = [...new Set(result.groups.map((g) => g.pair).filter((p): p is string => p !== null))].filter((p) => protocolsOf(p).has('sse') && protocolsOf(p).has('ws'));
  const rows: VerdictRow[] = [];
  for (const q of QUESTIONS) {
    rows.push(...questionRows(result, q, pairs));
    if (q.metric === 'serverCpuMsPer1kEvents') rows.push(...kneeRows(result, pairs));
  }
  return rows;
}
