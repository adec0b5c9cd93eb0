// The verdict table: SSE vs WS, one row per question, for every matched pair in a result.
// Every sentence is generated from the medians; a side that was not measured or was invalid says
// so and gets no number.
import { HEADLINE_METRICS } from '../harness/headline.ts';
import type { GroupSummary, IdleParams, PushParams, ReconnectParams, RunResult, ScenarioKind, SideloadParams } from '../harness/result.ts';
import { fmtMetric } from './format.ts';

export interface VerdictRow {
  pair: string;
  question: string;
  sse: string;
  ws: string;
  floor: string;
  conclusion: string;
}

interface Cell {
  text: string;
  value: number | null;
  server: string;
}

function paramsKey(kind: ScenarioKind, params: GroupSummary['params']): string {
  if (kind === 'idle') return `clients=${(params as IdleParams).clients}`;
  if (kind === 'push') {
    const p = params as PushParams;
    return `clients=${p.clients} bytes=${p.bytes} rate=${p.rate}${p.coalesce ? ' coalesced' : ''}`;
  }
  if (kind === 'sideload') {
    const p = params as SideloadParams;
    return `streams=${p.clients}${p.pushRate > 0 ? ` push=${p.pushRate}/s` : ' idle'}`;
  }
  const p = params as ReconnectParams;
  return `clients=${p.clients} mode=${p.mode}`;
}

function invalidReason(result: RunResult, group: GroupSummary): string {
  for (const s of result.steps) {
    if (s.group !== group.group) continue;
    if (s.outcome.state === 'failed') return `failed: ${s.outcome.reason}`;
    if (s.outcome.state === 'invalid') return `invalid: ${s.outcome.reasons.join('; ')}`;
  }
  return 'no valid repetition';
}

function cell(result: RunResult, g: GroupSummary | undefined, metric: string, unit: string): Cell {
  if (!g) return { text: 'not measured', value: null, server: '' };
  if (g.validRepetitions === 0) return { text: invalidReason(result, g), value: null, server: g.server };
  const s = g.metrics[metric];
  if (!s) return { text: 'not measured', value: null, server: g.server };
  const spread = s.n > 1 && s.max !== s.min ? ` (${fmtMetric(s.min, unit)}–${fmtMetric(s.max, unit)})` : '';
  return { text: `${fmtMetric(s.median, unit)}${spread}`, value: s.median, server: g.server };
}

/** "node-ws: 4.7 KB, node-sse: 9.9 KB — SSE costs 2.1× as much" style, from the numbers only. */
function conclude(metric: string, kind: ScenarioKind, sse: Cell, ws: Cell): string {
  const spec = HEADLINE_METRICS[kind][metric]!;
  if (sse.value === null || ws.value === null) return 'no comparison: one side has no valid measurement';
  const [a, b] = [sse.value, ws.value];
  if (a === b) return `${spec.label}: equal`;
  const better = spec.direction === 'lower' ? (a < b ? 'SSE' : 'WS') : a > b ? 'SSE' : 'WS';
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (lo <= 0) return `${better} is better on ${spec.label}`;
  const ratio = hi / lo;
  if (ratio < 1.05) return `about the same ${spec.label} (within 5 %)`;
  return `${better} is better: ${ratio.toFixed(ratio >= 10 ? 0 : 1)}× ${spec.direction === 'lower' ? 'lower' : 'higher'} ${spec.label}`;
}

const QUESTIONS: { kind: ScenarioKind; metric: string; question: (key: string) => string }[] = [
  { kind: 'idle', metric: 'serverBytesPerConnection', question: (k) => `Idle server memory per connection (${k})` },
  { kind: 'idle', metric: 'clientBytesPerConnection', question: (k) => `Idle client memory per connection (${k})` },
  { kind: 'push', metric: 'p99FromT0Us', question: (k) => `p99 latency from t0 (${k})` },
  { kind: 'push', metric: 'lossRatio', question: (k) => `Events lost (${k})` },
  { kind: 'push', metric: 'serverCpuMsPer1kEvents', question: (k) => `Server CPU per 1k events (${k})` },
  { kind: 'reconnect', metric: 'timeTo99Ms', question: (k) => `Time to 99 % reconnected (${k})` },
  { kind: 'reconnect', metric: 'gaps', question: (k) => `Gaps after recovery (${k})` },
  { kind: 'reconnect', metric: 'duplicates', question: (k) => `Duplicates after recovery (${k})` },
  { kind: 'sideload', metric: 'ratioToBaseline', question: (k) => `Plain HTTP req/s next to held streams, vs none (${k})` },
];

export function verdictRows(result: RunResult): VerdictRow[] {
  const rows: VerdictRow[] = [];
  const pairs = [...new Set(result.groups.map((g) => g.pair).filter((p): p is string => p !== null))];
  for (const q of QUESTIONS) {
    const unit = HEADLINE_METRICS[q.kind][q.metric]!.unit;
    const ofKind = result.groups.filter((g) => g.kind === q.kind);
    const keys = [...new Set(ofKind.map((g) => paramsKey(q.kind, g.params)))];
    for (const pair of pairs) {
      for (const key of keys) {
        const find = (protocol: string, inPair: boolean) =>
          ofKind.find((g) => g.protocol === protocol && (inPair ? g.pair === pair : true) && paramsKey(q.kind, g.params) === key);
        const sseG = find('sse', true);
        const wsG = find('ws', true);
        if (!sseG && !wsG) continue;
        const floorG = find('tcp', false);
        const sse = cell(result, sseG, q.metric, unit);
        const ws = cell(result, wsG, q.metric, unit);
        const floor = cell(result, floorG, q.metric, unit);
        rows.push({
          pair,
          question: q.question(key),
          sse: sse.server ? `${sse.server}: ${sse.text}` : sse.text,
          ws: ws.server ? `${ws.server}: ${ws.text}` : ws.text,
          floor: floorG ? floor.text : 'not measured',
          conclusion: conclude(q.metric, q.kind, sse, ws),
        });
      }
    }
  }
  for (const k of result.knees) {
    rows.push({
      pair: result.groups.find((g) => g.server === k.server)?.pair ?? '-',
      question: `Knee: highest rate with p99 ≤ ${k.thresholdMs} ms and full delivery (clients=${k.clients} bytes=${k.bytes})`,
      sse: k.protocol === 'sse' ? `${k.server}: ${k.lastGoodRate ?? 'none'}/s` : '',
      ws: k.protocol === 'ws' ? `${k.server}: ${k.lastGoodRate ?? 'none'}/s` : '',
      floor: k.protocol === 'tcp' ? `${k.server}: ${k.lastGoodRate ?? 'none'}/s` : '',
      conclusion: `stopped: ${k.reason}`,
    });
  }
  return rows;
}
