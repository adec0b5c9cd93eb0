// Charts as data: each function turns result files into aggregated rows and a Vega-Lite spec;
// render.ts turns specs into SVG in Node (no browser, no CDN). Rows are aggregated (medians,
// percentiles), never raw samples, so a chart stays a few tens of KB.
import type { GroupSummary, IdleParams, PushParams, RunResult, StepResult } from '../harness/result.ts';
import { percentileSpectrum } from '../harness/metrics/histogram.ts';

export type Row = Record<string, string | number>;

export interface Chart {
  id: string;
  title: string;
  /** What the reader should look at. */
  caption: string;
  spec: Record<string, unknown>;
  columns: string[];
  rows: Row[];
}

/** The series name of a server in one of possibly several result files. */
function series(result: RunResult, server: string, many: boolean): string {
  return many ? `${result.label}: ${server}` : server;
}

function base(rows: Row[], title: string): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 260,
    data: { values: rows },
    config: { font: 'system-ui, sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelLimit: 260 } },
  };
}

const median = (g: GroupSummary, name: string): number | null => g.metrics[name]?.median ?? null;

export function memoryChart(results: RunResult[]): Chart | null {
  const many = results.length > 1;
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter((x) => x.kind === 'idle')) {
      const v = median(g, 'serverBytesPerConnection');
      if (v === null) continue;
      rows.push({ server: series(r, g.server, many), clients: (g.params as IdleParams).clients, kbPerConnection: round(v / 1024, 2), valid: `${g.validRepetitions}/${g.totalRepetitions}` });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: 'memory',
    title: 'Server memory per idle connection',
    caption: 'RSS growth of the server process tree divided by the connections held, median over valid repetitions.',
    columns: ['server', 'clients', 'kbPerConnection', 'valid'],
    rows,
    spec: {
      ...base(rows, 'Server RSS per idle connection (KB)'),
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'clients', type: 'quantitative', title: 'connections held', scale: { type: 'log' } },
        y: { field: 'kbPerConnection', type: 'quantitative', title: 'KB per connection' },
        color: { field: 'server', type: 'nominal' },
      },
    },
  };
}

export function latencyChart(results: RunResult[]): Chart | null {
  const many = results.length > 1;
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter((x) => x.kind === 'push')) {
      const p = g.params as PushParams;
      for (const [name, label] of [
        ['p50FromT0Us', 'p50'],
        ['p99FromT0Us', 'p99'],
        ['p999FromT0Us', 'p99.9'],
      ] as const) {
        const v = median(g, name);
        if (v === null) continue;
        rows.push({ server: series(r, g.server, many), rate: p.rate, clients: p.clients, bytes: p.bytes, percentile: label, latencyMs: round(Math.max(v, 1) / 1000, 3) });
      }
    }
  }
  if (rows.length === 0) return null;
  return {
    id: 'latency',
    title: 'Latency percentiles vs event rate',
    caption: 'One-way latency from the intended send time t0 (coordinated-omission safe), log scale; medians over valid repetitions.',
    columns: ['server', 'clients', 'bytes', 'rate', 'percentile', 'latencyMs'],
    rows,
    spec: {
      ...base(rows, 'Latency from t0 (ms, log scale)'),
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'rate', type: 'quantitative', title: 'events per second', scale: { type: 'log' } },
        y: { field: 'latencyMs', type: 'quantitative', title: 'ms', scale: { type: 'log' } },
        color: { field: 'server', type: 'nominal' },
        strokeDash: { field: 'percentile', type: 'nominal' },
      },
    },
  };
}

/** The percentile spectrum of each server's step at its highest rate (HdrHistogram style). */
export function spectrumChart(results: RunResult[]): Chart | null {
  const many = results.length > 1;
  const rows: Row[] = [];
  for (const r of results) {
    const byServer = new Map<string, StepResult>();
    for (const s of r.steps) {
      if (s.kind !== 'push' || s.outcome.state !== 'completed') continue;
      const prev = byServer.get(s.server);
      if (!prev || (prev.kind === 'push' && s.params.rate > prev.params.rate)) byServer.set(s.server, s);
    }
    for (const [server, s] of byServer) {
      if (s.kind !== 'push' || s.outcome.state !== 'completed') continue;
      for (const pt of percentileSpectrum(s.outcome.metrics.latencyFromT0.encoded)) {
        if (pt.percentile >= 100) continue;
        rows.push({ server: `${series(r, server, many)} @ ${s.params.rate}/s`, percentile: pt.percentile, oneOverOneMinus: round(1 / (1 - pt.percentile / 100), 3), latencyMs: round(Math.max(pt.value, 1) / 1000, 3) });
      }
    }
  }
  if (rows.length === 0) return null;
  return {
    id: 'spectrum',
    title: 'Percentile spectrum at the highest rate',
    caption: 'Latency from t0 at each percentile; the x axis stretches the tail (1/(1−p)), as HdrHistogram plots do.',
    columns: ['server', 'percentile', 'latencyMs'],
    rows,
    spec: {
      ...base(rows, 'Latency by percentile (ms)'),
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'oneOverOneMinus', type: 'quantitative', title: 'percentile (50 → 99.999)', scale: { type: 'log' }, axis: { values: [2, 10, 100, 1000, 10000, 100000], labelExpr: "{'2':'50%','10':'90%','100':'99%','1000':'99.9%','10000':'99.99%','100000':'99.999%'}['' + datum.value] || ''" } },
        y: { field: 'latencyMs', type: 'quantitative', title: 'ms', scale: { type: 'log' } },
        color: { field: 'server', type: 'nominal' },
      },
    },
  };
}

export function deliveredChart(results: RunResult[]): Chart | null {
  const many = results.length > 1;
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter((x) => x.kind === 'push')) {
      const p = g.params as PushParams;
      const v = median(g, 'deliveredPerSecond');
      if (v === null) continue;
      rows.push({ server: series(r, g.server, many), clients: p.clients, rate: p.rate, offeredPerSecond: p.rate * p.clients, deliveredPerSecond: Math.round(v) });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: 'delivered',
    title: 'Delivered vs offered events per second',
    caption: 'Offered = rate × clients. A server that keeps up sits on the diagonal.',
    columns: ['server', 'clients', 'rate', 'offeredPerSecond', 'deliveredPerSecond'],
    rows,
    spec: {
      ...base(rows, 'Delivered events/s (all clients)'),
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'offeredPerSecond', type: 'quantitative', title: 'offered events/s', scale: { type: 'log' } },
        y: { field: 'deliveredPerSecond', type: 'quantitative', title: 'delivered events/s', scale: { type: 'log' } },
        color: { field: 'server', type: 'nominal' },
      },
    },
  };
}

export function cpuChart(results: RunResult[]): Chart | null {
  const many = results.length > 1;
  const rows: Row[] = [];
  for (const r of results) {
    for (const g of r.groups.filter((x) => x.kind === 'push')) {
      const p = g.params as PushParams;
      const v = median(g, 'serverCpuMsPer1kEvents');
      if (v === null) continue;
      rows.push({ server: series(r, g.server, many), clients: p.clients, rate: p.rate, cpuMsPer1kEvents: round(v, 3) });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: 'cpu',
    title: 'Server CPU per 1,000 delivered events',
    caption: 'Server process-tree CPU time over the measured window divided by events delivered to all clients.',
    columns: ['server', 'clients', 'rate', 'cpuMsPer1kEvents'],
    rows,
    spec: {
      ...base(rows, 'Server CPU per 1k delivered events (ms)'),
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'server', type: 'nominal', title: null },
        xOffset: { field: 'rate', type: 'nominal' },
        y: { field: 'cpuMsPer1kEvents', type: 'quantitative', title: 'ms of CPU' },
        color: { field: 'rate', type: 'nominal', title: 'rate /s' },
      },
    },
  };
}

export function timelineChart(results: RunResult[]): Chart | null {
  const many = results.length > 1;
  const rows: Row[] = [];
  for (const r of results) {
    for (const s of r.steps) {
      if (s.kind !== 'reconnect' || s.outcome.state === 'failed' || s.repetition !== 1) continue;
      const name = `${series(r, s.server, many)} ${s.params.mode}`;
      for (const t of s.outcome.metrics.timeline) rows.push({ run: name, tMs: t.tMs, connected: t.connected, eventsPerSecond: t.eventsPerSecond });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: 'timeline',
    title: 'Reconnect timeline',
    caption: 'Connected clients every 100 ms after the disruption (first repetition of each step).',
    columns: ['run', 'tMs', 'connected', 'eventsPerSecond'],
    rows,
    spec: {
      ...base(rows, 'Connected clients after the disruption'),
      mark: { type: 'line' },
      encoding: {
        x: { field: 'tMs', type: 'quantitative', title: 'ms since the disruption' },
        y: { field: 'connected', type: 'quantitative', title: 'connected clients' },
        color: { field: 'run', type: 'nominal' },
      },
    },
  };
}

export function allCharts(results: RunResult[]): Chart[] {
  return [memoryChart, latencyChart, spectrumChart, deliveredChart, cpuChart, timelineChart].map((f) => f(results)).filter((c): c is Chart => c !== null);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
