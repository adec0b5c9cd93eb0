// Headline metrics: the figures that summaries, verdicts and `compare` talk about, as data.
// Each has a direction so `compare` knows what "worse" means, and a unit for display.
import { decodeHistogram } from './histogram.ts';
import type { HistogramSummary, ScenarioKind, StepResult } from './result.ts';

export type Direction = 'lower' | 'higher';

export interface MetricSpec {
  label: string;
  unit: string;
  direction: Direction;
}

export const HEADLINE_METRICS: Record<ScenarioKind, Record<string, MetricSpec>> = {
  idle: {
    serverBytesPerConnection: { label: 'server RSS per connection', unit: 'B', direction: 'lower' },
    serverHeapBytesPerConnection: { label: 'server heap per connection', unit: 'B', direction: 'lower' },
    kernelSocketBytesPerConnection: { label: 'kernel socket memory per connection', unit: 'B', direction: 'lower' },
    clientBytesPerConnection: { label: 'client RSS per connection', unit: 'B', direction: 'lower' },
    connectRatePerSecond: { label: 'connect rate', unit: '/s', direction: 'higher' },
    connectP99Ms: { label: 'connect p99', unit: 'ms', direction: 'lower' },
    serverCpuHoldPercent: { label: 'server CPU while idle', unit: '%', direction: 'lower' },
  },
  push: {
    // What (nearly) every event pays: a delay added to every event moves it one for one, while a
    // busy machine, which delays some events, moves it least (between identical quick runs on the
    // shared 2-core dev machine p50 moved up to 2.7x, p1 under 2x). From the window's histogram.
    p1FromT0Us: { label: 'p1 latency from t0', unit: 'µs', direction: 'lower' },
    p50FromT0Us: { label: 'p50 latency from t0', unit: 'µs', direction: 'lower' },
    p99FromT0Us: { label: 'p99 latency from t0', unit: 'µs', direction: 'lower' },
    p999FromT0Us: { label: 'p99.9 latency from t0', unit: 'µs', direction: 'lower' },
    p99FromT1Us: { label: 'p99 latency from t1', unit: 'µs', direction: 'lower' },
    deliveredPerSecond: { label: 'delivered events/s', unit: '/s', direction: 'higher' },
    lossRatio: { label: 'loss ratio', unit: '', direction: 'lower' },
    serverCpuMsPer1kEvents: { label: 'server CPU per 1k events', unit: 'ms', direction: 'lower' },
  },
  reconnect: {
    timeTo99Ms: { label: 'time to 99 % reconnected', unit: 'ms', direction: 'lower' },
    timeTo100Ms: { label: 'time to 100 % reconnected', unit: 'ms', direction: 'lower' },
    reconnectRatePerSecond: { label: 'reconnect rate', unit: '/s', direction: 'higher' },
    gaps: { label: 'gaps', unit: '', direction: 'lower' },
    duplicates: { label: 'duplicates', unit: '', direction: 'lower' },
    catchUpMs: { label: 'time to catch up', unit: 'ms', direction: 'lower' },
  },
  path: {
    firstEventP50Ms: { label: 'first event p50', unit: 'ms', direction: 'lower' },
    firstEventMaxMs: { label: 'first event max', unit: 'ms', direction: 'lower' },
    p50FromT0Us: { label: 'p50 latency from t0', unit: 'µs', direction: 'lower' },
    p99FromT0Us: { label: 'p99 latency from t0', unit: 'µs', direction: 'lower' },
    lossRatio: { label: 'not delivered', unit: '', direction: 'lower' },
  },
  upstream: {
    p50FromT0Us: { label: 'p50 send-to-receive', unit: 'µs', direction: 'lower' },
    p99FromT0Us: { label: 'p99 send-to-receive', unit: 'µs', direction: 'lower' },
    serverCpuUsPerMessage: { label: 'server CPU per message', unit: 'µs', direction: 'lower' },
    clientCpuUsPerMessage: { label: 'client CPU per message', unit: 'µs', direction: 'lower' },
    bytesUpPerMessage: { label: 'bytes sent per message', unit: 'B', direction: 'lower' },
    requestsPerMessage: { label: 'HTTP requests per message', unit: '', direction: 'lower' },
    lossRatio: { label: 'not delivered', unit: '', direction: 'lower' },
  },
  sideload: {
    requestsPerSecond: { label: 'HTTP requests/s', unit: '/s', direction: 'higher' },
    latencyP99Ms: { label: 'HTTP p99 latency', unit: 'ms', direction: 'lower' },
    ratioToBaseline: { label: 'req/s vs no streams', unit: '', direction: 'higher' },
  },
};

/**
 * A percentile the summary does not keep, from the encoded histogram; null when it cannot be
 * decoded (a result from outside that passed validation but holds a damaged histogram).
 */
function lowPercentile(h: HistogramSummary, percentile: number): number | null {
  try {
    return decodeHistogram(h.encoded).getValueAtPercentile(percentile);
  } catch {
    return null;
  }
}

/** The headline figures of one step that has metrics (completed or invalid). Missing = not measured. */
export function headlineOf(step: StepResult): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (k: string, v: number | null): void => {
    if (v !== null && Number.isFinite(v)) out[k] = v;
  };
  if (step.outcome.state === 'failed') return out;
  switch (step.kind) {
    case 'idle': {
      const m = step.outcome.metrics;
      put('serverBytesPerConnection', m.serverBytesPerConnection);
      put('serverHeapBytesPerConnection', m.serverHeapBytesPerConnection);
      put('kernelSocketBytesPerConnection', m.kernelSocketBytesPerConnection);
      put('clientBytesPerConnection', m.clientBytesPerConnection);
      put('connectRatePerSecond', m.connectRatePerSecond);
      put('connectP99Ms', m.connectMs.count > 0 ? m.connectMs.p99 : null);
      put('serverCpuHoldPercent', m.serverHold.cpuPercent);
      return out;
    }
    case 'push': {
      const m = step.outcome.metrics;
      const hasLatency = m.latencyFromT0.count > 0;
      put('p1FromT0Us', hasLatency ? lowPercentile(m.latencyFromT0, 1) : null);
      put('p50FromT0Us', hasLatency ? m.latencyFromT0.p50 : null);
      put('p99FromT0Us', hasLatency ? m.latencyFromT0.p99 : null);
      put('p999FromT0Us', hasLatency ? m.latencyFromT0.p999 : null);
      put('p99FromT1Us', m.latencyFromT1.count > 0 ? m.latencyFromT1.p99 : null);
      put('deliveredPerSecond', m.deliveredPerSecond);
      put('lossRatio', m.expected > 0 ? Math.max(0, m.expected - m.received) / m.expected : null);
      put('serverCpuMsPer1kEvents', m.serverCpuMsPer1kEvents);
      return out;
    }
    case 'upstream': {
      const m = step.outcome.metrics;
      put('p50FromT0Us', m.latencyFromT0.count > 0 ? m.latencyFromT0.p50 : null);
      put('p99FromT0Us', m.latencyFromT0.count > 0 ? m.latencyFromT0.p99 : null);
      put('serverCpuUsPerMessage', m.messagesSent > 0 ? m.serverCpuUsPerMessage : null);
      put('clientCpuUsPerMessage', m.messagesSent > 0 ? m.clientCpuUsPerMessage : null);
      put('bytesUpPerMessage', m.messagesSent > 0 ? m.bytesUpPerMessage : null);
      put('requestsPerMessage', m.messagesSent > 0 ? m.requestsPerMessage : null);
      put('lossRatio', m.expected > 0 ? Math.max(0, m.expected - m.received) / m.expected : null);
      return out;
    }
    case 'reconnect': {
      const m = step.outcome.metrics;
      put('timeTo99Ms', m.timeTo99Ms);
      put('timeTo100Ms', m.timeTo100Ms);
      put('reconnectRatePerSecond', m.reconnectRatePerSecond);
      put('gaps', m.gaps);
      put('duplicates', m.duplicates);
      put('catchUpMs', m.catchUpMs);
      return out;
    }
    case 'path': {
      const m = step.outcome.metrics;
      put('firstEventP50Ms', m.firstEventMs.count > 0 ? m.firstEventMs.p50 : null);
      put('firstEventMaxMs', m.firstEventMs.count > 0 ? m.firstEventMs.max : null);
      put('p50FromT0Us', m.latencyFromT0.count > 0 ? m.latencyFromT0.p50 : null);
      put('p99FromT0Us', m.latencyFromT0.count > 0 ? m.latencyFromT0.p99 : null);
      put('lossRatio', m.expected > 0 ? Math.max(0, m.expected - m.received) / m.expected : null);
      return out;
    }
    case 'sideload': {
      const m = step.outcome.metrics;
      put('requestsPerSecond', m.requestsPerSecond);
      put('latencyP99Ms', m.latencyMs.p99);
      put('ratioToBaseline', m.ratioToBaseline);
      return out;
    }
  }
}
