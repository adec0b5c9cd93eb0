// The extras sections added for paths and profiles: what they print from a result, escaped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistogramSummary, PathMetrics, StepResult } from '../result/result.ts';
import { fixtureResult } from './fixtures/fixture.ts';
import { groupSummaries } from '../result/aggregate.ts';
import { pathsChart } from './charts.ts';
import { claimRows } from './claims.ts';
import { renderSvg } from './render.ts';
import { pathsSection } from './paths-section.ts';
import { profilesSection } from './profiles-section.ts';

function summary(unit: 'us' | 'ms', p50: number, p99: number, max: number): HistogramSummary {
  return { unit, count: 10, min: p50, mean: p50, p50, p90: p99, p99, p999: max, max, encoded: '' };
}

function pathStep(path: string, metrics: Partial<PathMetrics>, server = 'node-sse'): StepResult {
  const m: PathMetrics = {
    pathDescription: `described ${path}`,
    clientsConnected: 10,
    expected: 400,
    received: 400,
    gaps: 0,
    duplicates: 0,
    outOfOrder: 0,
    firstEventMs: summary('ms', 2, 3, 3),
    latencyFromT0: summary('us', 2000, 5000, 6000),
    drainedMs: 10,
    streamsPerTcpConnection: null,
    server: { rssBytes: 1, hwmBytes: 1, threads: 1, cpuPercent: 1 },
    client: { workers: 1, sourceAddresses: 1, cpuPercentMax: 1, cpuPercentTotal: 1, rssBytesTotal: 1, eventLoopLagMaxMs: 1, eventLoopLagP90Ms: 1 },
    ...metrics,
  };
  const params = { clients: 10, rate: 20, bytes: 128, durationMs: 2000, path };
  return { kind: 'path', group: `path/${server}/${path}`, server, protocol: 'sse', pair: 'node', repetition: 1, startedAt: '', durationMs: 1, params, outcome: { state: 'completed', metrics: m, checks: [] } };
}

describe('report sections', () => {
  it('paths: each path beside direct, the p50 it adds, what was delivered, and the skipped paths', () => {
    const r = fixtureResult();
    r.steps = [
      pathStep('direct', {}),
      pathStep('nginx-noheader', { firstEventMs: summary('ms', 2505, 2510, 2517), latencyFromT0: summary('us', 1_302_000, 2_500_000, 2_510_000), received: 200 }),
    ];
    const html = pathsSection({ skips: [{ server: 'node-ws', path: 'nginx-noheader', reason: 'SSE <only>' }] }, r);
    assert.match(html, /<h3>node-sse /);
    assert.match(html, /<code>nginx-noheader<\/code><br><span class="small muted">described nginx-noheader<\/span><\/td><td>2,505 ms<\/td><td>2,517 ms<\/td>/);
    assert.match(html, /<td>1,302 ms<\/td><td>2,500 ms<\/td><td>\+1,300 ms<\/td><td>200 of 400<\/td>/);
    assert.ok(html.includes('<b>node-ws</b> via <code>nginx-noheader</code>: SSE &lt;only&gt;'), 'skip reasons are escaped');
  });

  it('the X-Accel-Buffering claim follows its rule from the path steps', () => {
    const first = (p50: number): Partial<PathMetrics> => ({ firstEventMs: summary('ms', p50, p50, p50) });
    const verdict = (noHeaderP50: number, headerP50 = 3): string => {
      const r = fixtureResult();
      r.steps = [pathStep('direct', first(2)), pathStep('nginx', first(headerP50)), pathStep('nginx-noheader', first(noHeaderP50)), pathStep('direct', first(4), 'flask-sse'), pathStep('nginx', first(5), 'flask-sse'), pathStep('nginx-noheader', first(90), 'flask-sse')];
      return claimRows(r).find((c) => c.claim.startsWith('X-Accel-Buffering'))!.verdict;
    };
    assert.equal(verdict(2505), 'holds');
    assert.equal(verdict(40), 'holds with a caveat', 'no server was delayed without the header');
    assert.equal(verdict(2505, 900), 'does not hold', 'delayed even with the header');
  });

  it('the paths chart plots the time to first event of every valid path group, and renders', async () => {
    const r = fixtureResult();
    r.steps = [pathStep('direct', {}), pathStep('nginx-noheader', { firstEventMs: summary('ms', 2505, 2510, 2517) })];
    r.groups = groupSummaries(r.steps);
    const chart = pathsChart([r]);
    assert.ok(chart);
    assert.deepEqual(
      chart.rows.map((row) => [row['path'], row['firstEventP50Ms']]),
      [
        ['direct', 2],
        ['nginx-noheader', 2505],
      ],
    );
    assert.match(await renderSvg(chart.spec), /^<svg/);
  });

  it('profiles: one link per profile, the unprofiled servers, and the overhead caveat', () => {
    const html = profilesSection(
      {
        profiler: 'flame',
        folder: 'profiles',
        records: [{ server: 'node-sse', profiler: 'flame', html: 'node-sse-1.clinic-flame.html', startedAt: '2026-12-01T20:00:00.000Z', finishedAt: '2026-12-01T20:00:09.000Z' }],
        unprofiled: ['fastapi-sse'],
      },
    );
    assert.ok(html.includes('<a href="profiles/node-sse-1.clinic-flame.html">flame graph</a>'));
    assert.ok(html.includes('<b>fastapi-sse</b> ran unprofiled'));
    assert.match(html, /every figure of this run includes the profiler's overhead/);
    assert.match(profilesSection({ profiler: 'doctor', folder: 'profiles', records: [], unprofiled: [] }), /<b>No profile was written<\/b>/);
  });
});
