// Charts as data: each function turns result files into aggregated rows and a Vega-Lite spec;
// render.ts turns a spec into SVG in Node (no browser, no CDN). Rows are aggregated before
// plotting (medians over valid repetitions, percentiles of merged histograms), never raw samples,
// so a chart stays a few tens of KB and its data table stays readable.
//
// A server has one colour in every chart (SSE warm, WebSocket cool, the floor grey). With several
// result files side by side, the run is told apart by dash (lines), shape (points) or shade
// (bars), so the same server in two runs reads as one colour, two styles.
import type { GroupSummary, IdleParams, PathParams, PushParams, RunResult, StepResult } from '../result/result.ts';
import { createHistogram, encodeHistogram, mergeInto, percentileSpectrum } from '../result/histogram.ts';
import type { Protocol } from '../result/fields.ts';

export type Row = Record<string, string | number>;

export interface Chart {
  id: string;
  title: string;
  /** What the reader should look at. */
  caption: string;
  spec: Record<string, unknown>;
  /** The data table behind the chart: these columns of `rows`, in this order. */
  columns: string[];
  rows: Row[];
}

const WIDTH = 400;
const HEIGHT = 220;

const FAMILIES: Record<Protocol, string[]> = {
  sse: ['#e8590c', '#c2255c', '#f08c00', '#862e9c', '#a61e4d', '#d9480f'],
  ws: ['#1971c2', '#0c8599', '#2f9e44', '#5f3dc4', '#1864ab', '#087f5b'],
  tcp: ['#495057', '#868e96', '#343a40'],
  // SSE over HTTP/2 is still SSE: warm too, but its own shades so it reads apart from HTTP/1.1 SSE.
  'sse-h2': ['#f59f00', '#e64980', '#ff922b', '#ae3ec9'],
};
const PROTOCOL_ORDER: Protocol[] = ['sse', 'sse-h2', 'ws', 'tcp'];

/** What every chart needs to know about the runs shown. */
interface Ctx {
  results: RunResult[];
  many: boolean;
  /** Server → colour, in legend order. */
  colors: Map<string, string>;
}

function context(results: RunResult[]): Ctx {
  const servers: { server: string; protocol: Protocol }[] = [];
  for (const r of results) for (const g of r.groups) if (!servers.some((s) => s.server === g.server)) servers.push({ server: g.server, protocol: g.protocol });
  servers.sort((a, b) => PROTOCOL_ORDER.indexOf(a.protocol) - PROTOCOL_ORDER.indexOf(b.protocol) || a.server.localeCompare(b.server));
  const used: Record<Protocol, number> = { sse: 0, ws: 0, tcp: 0, 'sse-h2': 0 };
  const colors = new Map<string, string>();
  for (const { server, protocol } of servers) {
    const family = FAMILIES[protocol];
    colors.set(server, family[used[protocol]++ % family.length]!);
  }
  return { results, many: results.length > 1, colors };
}

/** The identifying columns of a row: the run (only when several are shown) and the server. */
/**
 * Push groups of text events: binary ones (`--payload binary`) would put a second point at the same
 * rate on a server's line; their figures are in the step table and the binary data claim.
 */
function isTextPush(g: GroupSummary): boolean {
  return g.kind === 'push' && !('payload' in g.params && g.params.payload === 'binary');
}

function who(ctx: Ctx, r: RunResult, server: string): Row {
  return ctx.many ? { run: r.label, server } : { server };
}

function idColumns(ctx: Ctx): string[] {
  return ctx.many ? ['run', 'server'] : ['server'];
}

/** Colour by server: only the servers this chart has, in legend order. */
function color(ctx: Ctx, rows: Row[]): Record<string, unknown> {
  const present = new Set(rows.map((r) => String(r['server'])));
  const entries = [...ctx.colors].filter(([s]) => present.has(s));
  return { field: 'server', type: 'nominal', title: 'server', scale: { domain: entries.map(([s]) => s), range: entries.map(([, c]) => c) } };
}

/** How runs are told apart when several are shown: dash for lines, shape for their points. */
function byRun(ctx: Ctx): Record<string, unknown> {
  if (!ctx.many) return {};
  const run = { field: 'run', type: 'nominal', title: 'run', sort: ctx.results.map((r) => r.label) };
  return { strokeDash: run, shape: run };
}

function base(ctx: Ctx, title: string, rows: Row[]): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start', fontSize: 14, fontWeight: 600, offset: 10 },
    background: 'white',
    padding: 6,
    data: { values: rows },
    config: {
      font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
      view: { stroke: null },
      axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#444', gridColor: '#e9ecef', domainColor: '#adb5bd', tickColor: '#adb5bd' },
      legend: { orient: 'bottom', direction: 'horizontal', columns: ctx.many ? 2 : 3, labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 200, symbolStrokeWidth: 2.5 },
      header: { labelFontSize: 12, labelFontWeight: 600, titleFontSize: 12 },
      line: { strokeWidth: 2 },
      point: { size: 40, filled: true },
    },
  };
}

const median = (g: GroupSummary, name: string): number | null => g.metrics[name]?.median ?? null;
const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** A log axis only when the values span enough of a range for it to help. */
function scaleFor(values: number[]): Record<string, unknown> {
  const pos = values.filter((v) => v > 0);
  if (pos.length === 0) return { zero: true };
  return Math.max(...pos) / Math.min(...pos) >= 8 ? { type: 'log' } : { zero: false, nice: true };
}

export function memoryChart(results: RunResult[]): Chart | null {
  const ctx = context(results);
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter((x) => x.kind === 'idle')) {
      const s = g.metrics['serverBytesPerConnection'];
      if (!s) continue;
      rows.push({
        ...who(ctx, r, g.server),
        protocol: g.protocol,
        clients: (g.params as IdleParams).clients,
        kbPerConnection: round(s.median / 1024, 2),
        minKb: round(s.min / 1024, 2),
        maxKb: round(s.max / 1024, 2),
        valid: `${g.validRepetitions}/${g.totalRepetitions}`,
      });
    }
  }
  if (rows.length === 0) return null;
  const y = { type: 'quantitative', title: 'KB per connection', scale: { zero: true } };
  return {
    id: 'memory',
    title: 'Server memory per idle connection',
    caption: 'Server RSS growth while holding the connections, divided by the connections held: median over valid repetitions (bars: min–max). tcp-floor is the raw-TCP floor measured in the same run.',
    columns: [...idColumns(ctx), 'protocol', 'clients', 'kbPerConnection', 'minKb', 'maxKb', 'valid'],
    rows,
    spec: {
      ...base(ctx, 'Server RSS per idle connection (KB)', rows),
      width: WIDTH,
      height: HEIGHT,
      encoding: {
        x: { field: 'clients', type: 'quantitative', title: 'connections held', scale: scaleFor(rows.map((r) => r['clients'] as number)), axis: { format: '~s' } },
        color: color(ctx, rows),
      },
      layer: [
        { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y: { field: 'minKb', ...y }, y2: { field: 'maxKb' }, ...(ctx.many ? { strokeDash: byRun(ctx)['strokeDash'] } : {}) } },
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'kbPerConnection', ...y }, ...byRun(ctx) } },
      ],
    },
  };
}

export function latencyChart(results: RunResult[]): Chart | null {
  const ctx = context(results);
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter(isTextPush)) {
      const p = g.params as PushParams;
      for (const [name, label] of [
        ['p50FromT0Us', 'p50'],
        ['p99FromT0Us', 'p99'],
        ['p999FromT0Us', 'p99.9'],
      ] as const) {
        const v = median(g, name);
        if (v === null) continue;
        // Sub-µs medians are below the histogram's resolution; 1 µs keeps the log axis finite.
        rows.push({ ...who(ctx, r, g.server), percentile: label, clients: p.clients, bytes: p.bytes, rate: p.rate, latencyMs: round(Math.max(v, 1) / 1000, 3) });
      }
    }
  }
  if (rows.length === 0) return null;
  return {
    id: 'latency',
    title: 'Latency percentiles vs event rate',
    caption: 'One-way latency from the intended send time t0 (so a server that falls behind is charged for it), one panel per percentile, log scales; medians over valid repetitions.',
    columns: [...idColumns(ctx), 'percentile', 'clients', 'bytes', 'rate', 'latencyMs'],
    rows,
    spec: {
      ...base(ctx, 'Latency from t0 by event rate (ms, log scale)', rows),
      facet: { row: { field: 'percentile', type: 'nominal', title: null, sort: ['p50', 'p99', 'p99.9'], header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top', labelPadding: 2 } } },
      spec: {
        width: WIDTH,
        height: 110,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'rate', type: 'quantitative', title: 'events per second (per client)', scale: scaleFor(rows.map((r) => r['rate'] as number)), axis: { format: '~s' } },
          y: { field: 'latencyMs', type: 'quantitative', title: 'ms', scale: { type: 'log' }, axis: { tickCount: 4 } },
          color: color(ctx, rows),
          detail: { field: 'clients', type: 'nominal' },
          ...byRun(ctx),
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}

/**
 * The push groups whose spectra are shown: per server, the highest rate every server of the run
 * ran validly with the same clients and payload (spectra only compare at the same load), or each
 * server's own highest rate when there is no common one.
 */
function spectrumGroups(r: RunResult): GroupSummary[] {
  const push = r.groups.filter((g) => isTextPush(g) && g.validRepetitions > 0);
  const setting = (g: GroupSummary) => {
    const p = g.params as PushParams;
    return `${p.clients}|${p.bytes}|${p.coalesce}|${p.rate}`;
  };
  const servers = [...new Set(push.map((g) => g.server))];
  const common = push.filter((g) => servers.every((s) => push.some((o) => o.server === s && setting(o) === setting(g))));
  const pool = common.length > 0 ? common : push;
  const best = new Map<string, GroupSummary>();
  for (const g of pool) {
    const prev = best.get(g.server);
    if (!prev || (g.params as PushParams).rate > (prev.params as PushParams).rate) best.set(g.server, g);
  }
  return [...best.values()];
}

/** The latency histogram of a group: its valid repetitions' histograms merged. */
function mergedLatency(r: RunResult, g: GroupSummary): string {
  const h = createHistogram('us');
  for (const s of r.steps) {
    if (s.group === g.group && s.kind === 'push' && s.outcome.state === 'completed') mergeInto(h, s.outcome.metrics.latencyFromT0.encoded);
  }
  return encodeHistogram(h);
}

const SPECTRUM_TICKS: Record<string, string> = { 2: '50%', 10: '90%', 100: '99%', 1000: '99.9%', 10000: '99.99%', 100000: '99.999%', 1000000: '99.9999%' };

/** The percentile spectrum of each server (HdrHistogram style), from the decoded histograms. */
export function spectrumChart(results: RunResult[]): Chart | null {
  const ctx = context(results);
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of spectrumGroups(r)) {
      const p = g.params as PushParams;
      // Three steps per halving of the distance to 100 %: enough for the curve, a table one can read.
      for (const pt of percentileSpectrum(mergedLatency(r, g), 3)) {
        if (pt.percentile >= 100) continue; // 1/(1-p) is infinite at 100 %
        rows.push({
          ...who(ctx, r, g.server),
          rate: p.rate,
          clients: p.clients,
          percentile: round(pt.percentile, 4),
          oneOverOneMinus: round(1 / (1 - pt.percentile / 100), 3),
          latencyMs: round(Math.max(pt.value, 1) / 1000, 3),
        });
      }
    }
  }
  if (rows.length === 0) return null;
  const loads = [...new Set(rows.map((r) => `${r['rate']}/s to ${r['clients']} clients`))];
  const top = Math.max(...rows.map((r) => r['oneOverOneMinus'] as number));
  return {
    id: 'spectrum',
    title: 'Percentile spectrum',
    caption: `Latency from t0 at every percentile, valid repetitions merged, at ${loads.join(', ')}. The x axis stretches the tail (1/(1−p)) as HdrHistogram plots do: the right end is the worst events.`,
    columns: [...idColumns(ctx), 'rate', 'clients', 'percentile', 'latencyMs'],
    rows,
    spec: {
      ...base(ctx, 'Latency by percentile (ms, log scale)', rows),
      width: WIDTH,
      height: HEIGHT,
      mark: { type: 'line' },
      encoding: {
        x: {
          field: 'oneOverOneMinus',
          type: 'quantitative',
          title: 'percentile',
          scale: { type: 'log', domain: [1, Math.max(100, top * 1.25)], nice: false },
          axis: { values: Object.keys(SPECTRUM_TICKS).map(Number), labelExpr: `${JSON.stringify(SPECTRUM_TICKS)}['' + datum.value] || ''`, grid: true },
        },
        y: { field: 'latencyMs', type: 'quantitative', title: 'ms', scale: { type: 'log' } },
        color: color(ctx, rows),
        ...(ctx.many ? { strokeDash: byRun(ctx)['strokeDash'] } : {}),
      },
    },
  };
}

export function deliveredChart(results: RunResult[]): Chart | null {
  const ctx = context(results);
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter(isTextPush)) {
      const p = g.params as PushParams;
      const v = median(g, 'deliveredPerSecond');
      if (v === null) continue;
      const offered = p.rate * p.clients;
      rows.push({ ...who(ctx, r, g.server), clients: p.clients, rate: p.rate, offeredPerSecond: offered, deliveredPerSecond: Math.round(v), deliveredPercent: round((100 * v) / offered, 1) });
    }
  }
  if (rows.length === 0) return null;
  const offered = rows.map((r) => r['offeredPerSecond'] as number);
  const lo = Math.min(...offered);
  const hi = Math.max(...offered);
  // One offered load: widen the diagonal so it is a line, not a dot.
  const diagonal = (lo === hi ? [lo / 2, hi * 2] : [lo, hi]).map((v) => ({ offeredPerSecond: v, deliveredPerSecond: v }));
  const scale = scaleFor([...offered, ...rows.map((r) => r['deliveredPerSecond'] as number), ...diagonal.map((d) => d.offeredPerSecond)]);
  return {
    id: 'delivered',
    title: 'Delivered vs offered events per second',
    caption: 'Offered = rate × clients. A server that keeps up sits on the dashed diagonal; one that falls behind drops below it. Medians over valid repetitions.',
    columns: [...idColumns(ctx), 'clients', 'rate', 'offeredPerSecond', 'deliveredPerSecond', 'deliveredPercent'],
    rows,
    spec: {
      ...base(ctx, 'Delivered events/s, all clients', rows),
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: diagonal },
          mark: { type: 'line', color: '#adb5bd', strokeDash: [4, 4], strokeWidth: 1 },
          encoding: { x: { field: 'offeredPerSecond', type: 'quantitative' }, y: { field: 'deliveredPerSecond', type: 'quantitative' } },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'offeredPerSecond', type: 'quantitative', title: 'offered events/s', scale, axis: { format: '~s' } },
            y: { field: 'deliveredPerSecond', type: 'quantitative', title: 'delivered events/s', scale, axis: { format: '~s' } },
            color: color(ctx, rows),
            detail: { field: 'clients', type: 'nominal' },
            ...byRun(ctx),
          },
        },
      ],
    },
  };
}

export function cpuChart(results: RunResult[]): Chart | null {
  const ctx = context(results);
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter(isTextPush)) {
      const p = g.params as PushParams;
      const v = median(g, 'serverCpuMsPer1kEvents');
      if (v === null) continue;
      rows.push({ ...who(ctx, r, g.server), clients: p.clients, bytes: p.bytes, rate: p.rate, cpuMsPer1kEvents: round(v, 3) });
    }
  }
  if (rows.length === 0) return null;
  // The x label carries clients and payload only when they vary, to keep it short.
  const varied = new Set(rows.map((r) => `${r['clients']}|${r['bytes']}`)).size > 1;
  for (const r of rows) {
    r['load'] = varied ? `${r['rate']}/s × ${r['clients']}, ${r['bytes']} B` : `${r['rate']}/s`;
    r['bar'] = ctx.many ? `${r['server']} (${r['run']})` : String(r['server']);
  }
  const loads = [...new Map(rows.map((r) => [r['load'] as string, [r['clients'] as number, r['bytes'] as number, r['rate'] as number]])).entries()]
    .sort((a, b) => a[1][0]! - b[1][0]! || a[1][1]! - b[1][1]! || a[1][2]! - b[1][2]!)
    .map(([k]) => k);
  // Bars side by side in legend order, each run of a server next to the other.
  const bars = [...ctx.colors.keys()].flatMap((s) => (ctx.many ? ctx.results.map((r) => `${s} (${r.label})`) : [s])).filter((b) => rows.some((r) => r['bar'] === b));
  return {
    id: 'cpu',
    title: 'Server CPU per 1,000 delivered events',
    caption: `Server process-tree CPU time over the measured window divided by the events delivered to all clients: the cost of one fan-out, lower is better. Medians over valid repetitions.${ctx.many ? ' Runs side by side, the later ones lighter.' : ''}`,
    columns: [...idColumns(ctx), 'clients', 'bytes', 'rate', 'cpuMsPer1kEvents'],
    rows,
    spec: {
      ...base(ctx, 'Server CPU per 1,000 delivered events (ms)', rows),
      width: WIDTH,
      height: HEIGHT,
      mark: { type: 'bar', cornerRadiusEnd: 2 },
      encoding: {
        x: { field: 'load', type: 'nominal', title: 'event rate (per client)', sort: loads, axis: { labelAngle: 0 } },
        xOffset: { field: 'bar', type: 'nominal', sort: bars, scale: { paddingInner: 0.08 } },
        y: { field: 'cpuMsPer1kEvents', type: 'quantitative', title: 'ms of CPU' },
        color: color(ctx, rows),
        ...(ctx.many
          ? { opacity: { field: 'run', type: 'nominal', title: 'run', sort: ctx.results.map((r) => r.label), scale: { range: ctx.results.map((_, i) => 1 - (0.5 * i) / Math.max(1, ctx.results.length - 1)) } } }
          : {}),
      },
    },
  };
}

/** The first repetition of each reconnect group that has metrics (failed steps have none). */
function timelineSteps(r: RunResult): Extract<StepResult, { kind: 'reconnect' }>[] {
  const seen = new Set<string>();
  const out: Extract<StepResult, { kind: 'reconnect' }>[] = [];
  for (const s of r.steps) {
    if (s.kind !== 'reconnect' || s.outcome.state === 'failed' || seen.has(s.group)) continue;
    seen.add(s.group);
    out.push(s);
  }
  return out;
}

export function timelineChart(results: RunResult[]): Chart | null {
  const ctx = context(results);
  const rows: Row[] = [];
  for (const r of results) {
    for (const s of timelineSteps(r)) {
      if (s.outcome.state === 'failed') continue;
      const mode = s.params.mode === 'partial' ? `partial ${Math.round(s.params.fraction * 100)} %` : s.params.mode;
      for (const t of s.outcome.metrics.timeline) {
        rows.push({ ...who(ctx, r, s.server), mode, disruption: ctx.many ? `${mode} (${r.label})` : mode, clients: s.params.clients, tMs: t.tMs, connected: t.connected, eventsPerSecond: Math.round(t.eventsPerSecond) });
      }
    }
  }
  if (rows.length === 0) return null;
  const x = { field: 'tMs', type: 'quantitative', title: 'ms since the disruption' };
  const dash = { field: 'disruption', type: 'nominal', title: 'disruption' };
  const panel = (y: Record<string, unknown>, withTitle: boolean, interpolate: string) => ({
    width: WIDTH,
    height: 150,
    mark: { type: 'line', interpolate },
    encoding: { x: withTitle ? x : { ...x, title: null }, y, color: color(ctx, rows), strokeDash: dash, detail: { field: 'clients', type: 'nominal' } },
  });
  return {
    id: 'timeline',
    title: 'Reconnect timeline',
    caption: 'Connected clients and events delivered per second (all clients), in 100 ms buckets after the disruption; first valid repetition of each step. A burst above the steady rate is the replay catching up.',
    columns: [...idColumns(ctx), 'mode', 'clients', 'tMs', 'connected', 'eventsPerSecond'],
    rows,
    spec: {
      ...base(ctx, 'After the disruption', rows),
      // Connected clients only rise, so a smooth curve is honest; events/s is bursty: straight segments.
      vconcat: [panel({ field: 'connected', type: 'quantitative', title: 'connected clients' }, false, 'monotone'), panel({ field: 'eventsPerSecond', type: 'quantitative', title: 'events/s' }, true, 'linear')],
    },
  };
}

/** Every chart the results have data for, in reading order. */
/** Time to the first event per path, next to direct: where a buffering proxy shows at a glance. */
export function pathsChart(results: RunResult[]): Chart | null {
  const ctx = context(results);
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter((x) => x.kind === 'path')) {
      const v = median(g, 'firstEventP50Ms');
      const max = median(g, 'firstEventMaxMs');
      if (v === null || max === null) continue;
      const p = g.params as PathParams;
      // Below the histogram's resolution a median can read 0; 0.01 ms keeps the log axis finite.
      rows.push({ ...who(ctx, r, g.server), path: p.path, clients: p.clients, rate: p.rate, firstEventP50Ms: round(Math.max(v, 0.01), 2), firstEventMaxMs: round(Math.max(max, 0.01), 2) });
    }
  }
  if (rows.length === 0) return null;
  const paths = [...new Set(rows.map((r) => String(r['path'])))];
  return {
    id: 'paths',
    title: 'Time to the first event, per path',
    caption: 'From the first event\'s intended send time to its arrival, median over clients (p50), each path next to direct measured in the same run, log scale: a proxy that buffers the stream turns milliseconds into seconds.',
    columns: [...idColumns(ctx), 'path', 'clients', 'rate', 'firstEventP50Ms', 'firstEventMaxMs'],
    rows,
    spec: {
      ...base(ctx, 'Time to first event by path (ms, log scale)', rows),
      width: WIDTH,
      height: HEIGHT,
      // Points, not bars: a bar has no base on a log axis.
      mark: { type: 'point', filled: true, size: 90 },
      encoding: {
        y: { field: 'path', type: 'nominal', title: null, sort: paths },
        yOffset: { field: ctx.many ? 'run' : 'server', type: 'nominal' },
        x: { field: 'firstEventP50Ms', type: 'quantitative', title: 'ms to first event (p50)', scale: { type: 'log' } },
        color: color(ctx, rows),
        ...(ctx.many ? { shape: { field: 'run', type: 'nominal', title: 'run', sort: ctx.results.map((r) => r.label) } } : {}),
      },
    },
  };
}

export function allCharts(results: RunResult[]): Chart[] {
  return [memoryChart, latencyChart, spectrumChart, deliveredChart, cpuChart, timelineChart, pathsChart].map((f) => f(results)).filter((c): c is Chart => c !== null);
}
