// The gate's decision rule on synthetic repetitions (reports/fixtures/gate-fixture.ts): a shift
// inside the noise is no regression, a shift past it is one, with the interval and the reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupSummaries } from '../result/aggregate.ts';
import { compareMarkdown, compareResults, COMPARE_EXIT, MIN_REPETITIONS } from './compare.ts';
import { gateFixture } from './fixtures/gate-fixture.ts';
import { fixtureResult } from './fixtures/fixture.ts';

const row = (out: ReturnType<typeof compareResults>, server: string, metric: string) => out.rows.find((r) => r.server === server && r.metric === metric)!;

describe('compare: the decision rule on synthetic repetitions', () => {
  it('two runs of the same code with ±10 % noise per repetition: no regression', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const out = compareResults(gateFixture({ seed, noise: 0.1 }), gateFixture({ seed: seed + 100, noise: 0.1 }));
      assert.equal(out.exitCode, COMPARE_EXIT.ok, out.regressions.map((r) => `${r.server} ${r.metric}: ${r.note}`).join('\n'));
      assert.equal(out.comparedGroups, 6);
    }
  });

  it('a shift inside the noise is not called, a shift past it is', () => {
    const base = gateFixture({ seed: 1, noise: 0.1 });
    const inside = compareResults(base, gateFixture({ seed: 2, noise: 0.1, shift: { 'node-ws': { serverCpuMsPer1kEvents: 1.12 } } }));
    assert.equal(row(inside, 'node-ws', 'serverCpuMsPer1kEvents').verdict, 'ok');
    assert.equal(inside.exitCode, COMPARE_EXIT.ok);
    const past = compareResults(gateFixture({ seed: 1, noise: 0.05 }), gateFixture({ seed: 2, noise: 0.05, shift: { 'node-ws': { serverCpuMsPer1kEvents: 1.45 } } }));
    const cpu = row(past, 'node-ws', 'serverCpuMsPer1kEvents');
    assert.equal(cpu.verdict, 'regression', cpu.note);
    assert.ok(cpu.own!.low > 1 && cpu.own!.estimate > 1.25, JSON.stringify(cpu.own));
    assert.deepEqual(
      past.regressions.map((r) => `${r.server} ${r.metric}`),
      ['node-ws serverCpuMsPer1kEvents'],
    );
    assert.equal(past.exitCode, COMPARE_EXIT.regression);
  });

  it('+16 KiB per connection is a regression of server memory, and only of that', () => {
    const base = gateFixture({ seed: 1 });
    const cur = gateFixture({ seed: 2, shift: { 'node-sse': { serverBytesPerConnection: (12_000 + 16_384) / 12_000 } } });
    const out = compareResults(base, cur);
    assert.deepEqual(
      out.regressions.map((r) => `${r.server} ${r.metric}`),
      ['node-sse serverBytesPerConnection'],
    );
    const mem = row(out, 'node-sse', 'serverBytesPerConnection');
    assert.equal(mem.normalized, false); // bytes do not depend on machine speed
    assert.match(mem.note, /^\+1\d\d % \[\+1\d\d %, \+1\d\d %\]: \+1\d\d % is past the effect size \+25 % and the interval excludes no change$/);
  });

  it('a uniformly slower machine (every server and the floor 2.5× as slow) is not a regression', () => {
    const out = compareResults(gateFixture({ seed: 1 }), gateFixture({ seed: 2, machine: 2.5 }));
    assert.equal(out.exitCode, COMPARE_EXIT.ok, out.regressions.map((r) => `${r.server} ${r.metric}: ${r.note}`).join('\n'));
    const p50 = row(out, 'node-sse', 'p50FromT0Us');
    assert.ok(p50.own!.estimate > 2.2 && Math.abs(p50.vsFloor!.estimate - 1) < 0.1, `${p50.own!.estimate} ${p50.vsFloor!.estimate}`);
    assert.match(p50.note, /^own \+\d+ % \[.*\], vs floor [+−]\d+ % \[.*\]: [+−]\d+ % against the floor is within the effect size ±100 % \(\+1\d\d % on its own\)$/);
    assert.equal(row(out, 'tcp-floor', 'p50FromT0Us').verdict, 'reference');
  });

  it('a floor that happened to run fast does not make an unchanged server a regression', () => {
    const out = compareResults(gateFixture({ seed: 1 }), gateFixture({ seed: 2, shift: { 'tcp-floor': { p50FromT0Us: 0.6, serverCpuMsPer1kEvents: 0.6 } } }));
    assert.equal(out.exitCode, COMPARE_EXIT.ok);
    assert.ok(row(out, 'node-ws', 'p50FromT0Us').vsFloor!.estimate > 1.4);
  });

  it('one stalled repetition is not a regression', () => {
    const out = compareResults(gateFixture({ seed: 1 }), gateFixture({ seed: 2, stall: { server: 'node-ws', metric: 'p50FromT0Us', repetition: 3, factor: 8 } }));
    assert.equal(row(out, 'node-ws', 'p50FromT0Us').verdict, 'ok');
    assert.equal(out.exitCode, COMPARE_EXIT.ok);
  });

  it('+5 ms on every event is a regression of p50 latency, on its own and against the floor', () => {
    const shift = (1_100 + 5_000) / 1_100;
    const out = compareResults(gateFixture({ seed: 1 }), gateFixture({ seed: 2, shift: { 'node-ws': { p50FromT0Us: shift } } }));
    const p50 = row(out, 'node-ws', 'p50FromT0Us');
    assert.equal(p50.verdict, 'regression');
    assert.match(p50.note, /^own \+\d+ % \[.*\], vs floor \+\d+ % \[.*\]: \+\d+ % against the floor is past the effect size \+100 %, \+\d+ % on its own is past half of it, and its own interval excludes no change$/);
  });
});

describe('compare: what it refuses to judge (exit 2, never "no regression")', () => {
  it('an old single-repetition baseline is refused with one line', () => {
    const out = compareResults(gateFixture({ repetitions: 1 }), gateFixture({ seed: 2 }));
    assert.equal(out.exitCode, COMPARE_EXIT.usage);
    assert.equal(out.comparedGroups, 0);
    assert.equal(out.refusal, `no group in common has ${MIN_REPETITIONS} valid repetitions in both runs (6 too few): the gate judges repetitions; make the baseline with the current quick suite (npx pushbench run --suite quick, then copy its results.json)`);
    assert.match(compareMarkdown(out), /^\*\*Nothing to compare\*\*: no group in common has 3 valid repetitions/);
  });

  it('runs with no group in common are refused', () => {
    const other = gateFixture();
    for (const s of other.steps) s.group = `other/${s.group}`;
    other.groups = groupSummaries(other.steps);
    const out = compareResults(gateFixture(), other);
    assert.equal(out.exitCode, COMPARE_EXIT.usage);
    assert.match(out.refusal!, /^the two runs have no scenario\/server\/parameter group in common/);
  });

  it('a figure one run measured and the other did not is exit 2', () => {
    const out = compareResults(gateFixture({ seed: 1 }), gateFixture({ seed: 2, drop: { server: 'node-ws', metric: 'serverHeapBytesPerConnection' } }));
    assert.equal(out.exitCode, COMPARE_EXIT.usage);
    assert.deepEqual(
      out.unjudged.map((r) => `${r.server} ${r.metric}: ${r.note}`),
      ['node-ws serverHeapBytesPerConnection: measured only in the baseline'],
    );
  });

  it('a group with too few valid repetitions in the current run is exit 2', () => {
    const cur = gateFixture({ seed: 2 });
    for (const s of cur.steps) {
      if (s.server === 'node-sse' && s.kind === 'idle' && s.repetition > 2 && s.outcome.state === 'completed') s.outcome = { state: 'invalid', metrics: s.outcome.metrics, checks: [], reasons: ['client not saturated: test'] };
    }
    cur.groups = groupSummaries(cur.steps);
    const out = compareResults(gateFixture({ seed: 1 }), cur);
    assert.equal(out.exitCode, COMPARE_EXIT.usage);
    assert.deepEqual(
      out.unjudged.map((r) => `${r.server} ${r.kind} ${r.note}`),
      ['node-sse idle too few valid repetitions to judge (the current run has 2; the gate needs 3)'],
    );
  });
});

describe('compare: a floor without enough valid repetitions', () => {
  it('is reported, and the servers are judged on their own figures (exit 0)', () => {
    const cur = gateFixture({ seed: 2 });
    for (const s of cur.steps) {
      if (s.server === 'tcp-floor' && s.kind === 'push' && s.repetition > 1 && s.outcome.state === 'completed') s.outcome = { state: 'invalid', metrics: s.outcome.metrics, checks: [], reasons: ['client event loop responsive: test'] };
    }
    cur.groups = groupSummaries(cur.steps);
    const out = compareResults(gateFixture({ seed: 1 }), cur);
    assert.equal(out.exitCode, COMPARE_EXIT.ok);
    const p50 = row(out, 'node-ws', 'p50FromT0Us');
    assert.equal(p50.vsFloor, null);
    assert.match(p50.note, /\(no floor in both runs to judge against\)$/);
    assert.ok(out.rows.some((r) => r.server === 'tcp-floor' && r.kind === 'push' && r.note === 'too few valid repetitions to judge (the current run has 1; the gate needs 3): the servers are judged without the floor'));
  });
});

describe('compare: counts and failures', () => {
  it('more gaps in any repetition is a regression, whatever the effect sizes', () => {
    const base = fixtureResult();
    const cur = fixtureResult();
    // The report fixture has one repetition per group: copy the reconnect steps to three.
    for (const r of [base, cur]) {
      const drops = r.steps.filter((s) => s.kind === 'reconnect' && s.params.mode === 'drop');
      r.steps = [...r.steps.filter((s) => !(s.kind === 'reconnect' && s.params.mode === 'drop')), ...[1, 2, 3].flatMap((rep) => drops.map((s) => ({ ...structuredClone(s), repetition: rep })))];
      r.groups = groupSummaries(r.steps);
    }
    const step = cur.steps.find((s) => s.kind === 'reconnect' && s.server === 'node-ws' && s.params.mode === 'drop' && s.repetition === 2)!;
    if (step.kind === 'reconnect' && step.outcome.state === 'completed') step.outcome.metrics.gaps = 3;
    cur.groups = groupSummaries(cur.steps);
    const out = compareResults(base, cur, { gaps: 10 });
    assert.ok(
      out.regressions.some((r) => `${r.server} ${r.metric} ${r.note}` === 'node-ws gaps must not increase: worst repetition 0 → 3'),
      out.regressions.map((r) => `${r.server} ${r.metric} ${r.note}`).join('\n'),
    );
    assert.equal(out.exitCode, COMPARE_EXIT.regression);
  });

  it('a group that now fails where it completed is a regression', () => {
    const cur = gateFixture({ seed: 2 });
    for (const s of cur.steps) if (s.server === 'node-ws' && s.kind === 'push') s.outcome = { state: 'failed', reason: 'worker crashed' };
    cur.groups = groupSummaries(cur.steps);
    const out = compareResults(gateFixture({ seed: 1 }), cur);
    assert.deepEqual(
      out.regressions.map((r) => `${r.server} ${r.kind} ${r.metric}: ${r.note}`),
      ['node-ws push (step): failed in the current run, completed in the baseline'],
    );
    assert.equal(out.exitCode, COMPARE_EXIT.regression);
  });
});

describe('compare: the Markdown table', () => {
  it('prints every judged figure with its interval, effect size and why, regressions first', () => {
    const out = compareResults(gateFixture({ seed: 1 }), gateFixture({ seed: 2, shift: { 'node-sse': { serverBytesPerConnection: 2.5 } } }));
    const lines = compareMarkdown(out).split('\n');
    assert.match(lines[0]!, /^\*\*1 regression\(s\)\*\* in \d+ figures of 6 groups compared\.$/);
    const header = lines.indexOf('| verdict | server | figure | for | baseline | current | change | vs floor | effect size | why |');
    assert.ok(header > 0, lines.join('\n'));
    assert.match(lines[header + 2]!, /^\| \*\*regression\*\* \| node-sse \| server RSS per connection \| idle: 1000 clients \| [\d.]+ KB \(5\) \| [\d.]+ KB \(5\) \| \+1\d\d % \[\+\d+ %, \+\d+ %\] \| – \| \+25 % \| \+1\d\d % is past the effect size \+25 % and the interval excludes no change \|$/);
    assert.ok(lines.some((l) => /^\| ok \| node-ws \| p50 latency from t0 \| push: 100\/s to 100 clients, 128 B \| .* \| [+−]\d+ % \[.*\] \| [+−]\d+ % \[.*\] \| \+100 % \| [+−]\d+ % against the floor is within the effect size ±100 % \([+−]\d+ % on its own\) \|$/.test(l)), lines.join('\n'));
  });

  it('exit codes are the documented constants', () => {
    assert.deepEqual(COMPARE_EXIT, { ok: 0, regression: 1, usage: 2 });
  });
});
