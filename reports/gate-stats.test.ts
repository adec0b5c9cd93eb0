import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, decideWithFloor, seededRandom, worseFactor } from './gate-stats.ts';
import { median } from '../result/aggregate.ts';

describe('worseFactor', () => {
  it('is 1 for identical repetitions, with an interval around it', () => {
    const i = worseFactor({ baseline: [10, 11, 9, 10.5, 9.5], current: [10, 11, 9, 10.5, 9.5] }, 'lower');
    assert.equal(i.estimate, 1);
    assert.ok(i.low < 1 && i.high > 1, `${i.low}..${i.high}`);
  });

  it('is the ratio of the medians, in the bad direction of the figure', () => {
    assert.equal(worseFactor({ baseline: [10, 10, 10], current: [20, 20, 20] }, 'lower').estimate, 2);
    // Higher is better (a rate): halving it is twice as bad.
    assert.equal(worseFactor({ baseline: [10, 10, 10], current: [5, 5, 5] }, 'higher').estimate, 2);
  });

  it('gives the same interval for the same repetitions every time (seeded)', () => {
    const s = { baseline: [3, 4, 5, 4.5], current: [4, 5, 6, 5.5] };
    assert.deepEqual(worseFactor(s, 'lower', null, 9), worseFactor(s, 'lower', null, 9));
  });

  it('excludes 1 when every repetition moved, and not when one repetition stalled', () => {
    const moved = worseFactor({ baseline: [10, 10.4, 9.8, 10.2, 9.9], current: [13, 13.3, 12.8, 13.1, 12.9] }, 'lower');
    assert.ok(moved.low > 1.2, `low ${moved.low}`);
    const stalled = worseFactor({ baseline: [10, 10.4, 9.8, 10.2, 9.9], current: [10.1, 40, 9.9, 10.3, 10] }, 'lower');
    assert.ok(stalled.estimate < 1.05, `estimate ${stalled.estimate}`);
  });

  it('divides by the floor measured in the same runs', () => {
    const slower = { baseline: [10, 10, 10, 10], current: [15, 15, 15, 15] };
    const i = worseFactor(slower, 'lower', slower);
    assert.equal(i.estimate, 1);
    assert.equal(i.low, 1);
  });
});

describe('decide', () => {
  it('calls a shift inside the effect size ok, whatever its significance', () => {
    const d = decide({ estimate: 1.1, low: 1.05, high: 1.15 }, 1.25);
    assert.deepEqual(d, { call: 'ok', why: '+10 % is within the effect size ±25 %' });
  });

  it('calls a shift past the effect size whose interval excludes 1 a regression', () => {
    assert.deepEqual(decide({ estimate: 1.5, low: 1.2, high: 1.8 }, 1.25), { call: 'regression', why: '+50 % is past the effect size +25 % and the interval excludes no change' });
  });

  it('does not call a large but insignificant shift', () => {
    assert.deepEqual(decide({ estimate: 1.5, low: 0.9, high: 2.2 }, 1.25), { call: 'ok', why: '+50 % is past the effect size +25 % but not significant: the interval reaches −10 %' });
  });

  it('calls an improvement the mirror image', () => {
    assert.equal(decide({ estimate: 0.5, low: 0.4, high: 0.7 }, 1.25).call, 'improvement');
  });

  it('with a floor: a machine that slowed down is not a regression, a server that did is', () => {
    const own = { estimate: 1.4, low: 1.3, high: 1.5 };
    // Everything 40 % slower, the floor too: against the floor nothing moved.
    assert.deepEqual(decideWithFloor(own, { estimate: 1.02, low: 0.8, high: 1.3 }, 1.25), { call: 'ok', why: '+2 % against the floor is within the effect size ±25 % (+40 % on its own)' });
    assert.equal(decideWithFloor(own, { estimate: 1.38, low: 0.95, high: 1.9 }, 1.25).call, 'regression');
    // The machine ran faster during the current run: on its own only +15 %, but every repetition
    // against the floor of its round is worse (CPU per event drifts with the machine's load).
    assert.deepEqual(decideWithFloor({ estimate: 1.15, low: 0.95, high: 1.3 }, { estimate: 1.35, low: 1.2, high: 1.5 }, 1.15), {
      call: 'regression',
      why: '+35 % against the floor is past the effect size +15 %, +15 % on its own is past half of it, and the floor-divided interval excludes no change',
    });
    // A floor that happened to run fast does not turn an unchanged server into a regression.
    assert.deepEqual(decideWithFloor({ estimate: 1.01, low: 0.95, high: 1.08 }, { estimate: 1.6, low: 1.3, high: 1.9 }, 1.25), {
      call: 'ok',
      why: '+60 % against the floor is past the effect size +25 %, but on its own +1 % is within half of it: the floor moved, not the server',
    });
    // Past both, but neither interval excludes no change: one stalled repetition.
    assert.equal(decideWithFloor({ estimate: 1.5, low: 0.9, high: 2.2 }, { estimate: 1.5, low: 0.8, high: 2.5 }, 1.25).call, 'ok');
  });
});

describe('helpers', () => {
  it('median and the seeded generator', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    const a = seededRandom(5);
    const b = seededRandom(5);
    const xs = Array.from({ length: 5 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });
});
