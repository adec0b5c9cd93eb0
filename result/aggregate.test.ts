import assert from 'node:assert/strict';
import { it } from 'node:test';
import { groupSummaries, stat } from './aggregate.ts';
import type { ClientSide, HistogramSummary, ReconnectMetrics, ReconnectParams, SideloadMetrics, SideloadParams, StepOutcome, StepResult } from './result.ts';

// Hand-made steps: every figure below is invented for the test, none is a measurement.
const client: ClientSide = { workers: 1, sourceAddresses: 1, cpuPercentMax: 10, cpuPercentTotal: 10, rssBytesTotal: 1e6, eventLoopLagMaxMs: 1, eventLoopLagP90Ms: 0 };
const noHistogram: HistogramSummary = { unit: 'us', count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, encoded: '' };
const reconnectParams: ReconnectParams = { clients: 100, rate: 10, bytes: 100, mode: 'drop', fraction: 1, downtimeMs: 0, jitter: true, backoff: true };

function reconnectMetrics(timeTo99Ms: number, gaps: number, catchUpMs: number | null): ReconnectMetrics {
  return {
    clientsConnected: 100,
    disrupted: 100,
    timeToFirstMs: 1,
    timeTo50Ms: 5,
    timeTo90Ms: 9,
    timeTo99Ms,
    timeTo100Ms: timeTo99Ms + 1,
    reconnectRatePerSecond: 1000,
    attempts: 100,
    errorsByCause: {},
    replayed: 10,
    gaps,
    duplicates: 0,
    lostWithProcess: 0,
    catchUpMs,
    replayLatency: noHistogram,
    timeline: [],
    client,
  };
}

function reconnectStep(server: string, repetition: number, outcome: StepOutcome<ReconnectMetrics>): StepResult {
  return { kind: 'reconnect', group: `reconnect/${server}`, server, protocol: 'sse', pair: 'node', repetition, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1000, params: reconnectParams, outcome };
}

const completed = (m: ReconnectMetrics): StepOutcome<ReconnectMetrics> => ({ state: 'completed', metrics: m, checks: [] });

it('takes median, min, max and n over completed steps only', () => {
  const steps: StepResult[] = [
    reconnectStep('a', 1, completed(reconnectMetrics(30, 0, 100))),
    reconnectStep('a', 2, completed(reconnectMetrics(10, 0, null))),
    // An invalid step with absurd figures: counted as a repetition, never averaged in.
    reconnectStep('a', 3, { state: 'invalid', metrics: reconnectMetrics(99_999, 500, 99_999), checks: [], reasons: ['gaps'] }),
    reconnectStep('a', 4, completed(reconnectMetrics(20, 2, 300))),
    reconnectStep('a', 5, { state: 'failed', reason: 'server did not start' }),
  ];
  const [g, ...rest] = groupSummaries(steps);
  assert.equal(rest.length, 0);
  assert.deepEqual(
    { ...g!, metrics: undefined },
    { group: 'reconnect/a', kind: 'reconnect', server: 'a', protocol: 'sse', pair: 'node', params: reconnectParams, validRepetitions: 3, totalRepetitions: 5, metrics: undefined },
  );
  assert.deepEqual(g!.metrics, {
    timeTo99Ms: { median: 20, min: 10, max: 30, n: 3 },
    timeTo100Ms: { median: 21, min: 11, max: 31, n: 3 },
    reconnectRatePerSecond: { median: 1000, min: 1000, max: 1000, n: 3 },
    gaps: { median: 0, min: 0, max: 2, n: 3 },
    duplicates: { median: 0, min: 0, max: 0, n: 3 },
    // Not measured in one repetition (null): the median is over the two that measured it.
    catchUpMs: { median: 200, min: 100, max: 300, n: 2 },
  });
});

it('keeps groups apart, in first-seen order, and a group with no completed step has no figures', () => {
  const sideloadParams: SideloadParams = { clients: 0, pushRate: 0, durationMs: 1000, connections: 10, path: '/healthz' };
  const sideload = (rps: number, state: 'completed' | 'invalid'): StepResult => {
    const metrics: SideloadMetrics = {
      streamsHeld: 0,
      requests: rps,
      requestsPerSecond: rps,
      latencyMs: { mean: 1, p50: 1, p90: 2, p99: 3, max: 4 },
      errors: 0,
      non2xx: 0,
      baselineRequestsPerSecond: null,
      ratioToBaseline: null,
      server: { rssBytes: 1, hwmBytes: 1, threads: 1, cpuPercent: 1 },
      client: null,
    };
    const outcome: StepOutcome<SideloadMetrics> = state === 'completed' ? { state, metrics, checks: [] } : { state, metrics, checks: [], reasons: ['client saturated'] };
    return { kind: 'sideload', group: 'sideload/b', server: 'b', protocol: 'ws', pair: null, repetition: 1, startedAt: '', durationMs: 1, params: sideloadParams, outcome };
  };
  const groups = groupSummaries([
    sideload(500, 'invalid'),
    reconnectStep('a', 1, completed(reconnectMetrics(10, 0, 1))),
    sideload(700, 'invalid'),
    reconnectStep('a', 2, completed(reconnectMetrics(20, 0, 1))),
  ]);
  assert.deepEqual(
    groups.map((g) => [g.group, g.kind, g.validRepetitions, g.totalRepetitions]),
    [
      ['sideload/b', 'sideload', 0, 2],
      ['reconnect/a', 'reconnect', 2, 2],
    ],
  );
  assert.deepEqual(groups[0]!.metrics, {});
  assert.deepEqual(groups[1]!.metrics['timeTo99Ms'], { median: 15, min: 10, max: 20, n: 2 });
  assert.deepEqual(groupSummaries([]), []);
});

it('stat: median of odd and even counts, order does not matter', () => {
  assert.deepEqual(stat([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(stat([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.deepEqual(stat([7]), { median: 7, min: 7, max: 7, n: 1 });
  assert.throws(() => stat([]), /^Error: stat\(\) of no values$/);
});
