import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FixedRateSchedule, type DueEvent } from './schedule.ts';

it('stamps event k at start + k/rate and emits late events in one tick', async () => {
  let now = 1_000_000_000n;
  const ticks: DueEvent[][] = [];
  const s = new FixedRateSchedule(1000, 5, (due) => ticks.push(due), () => now);
  // 2.5 ms pass before the first tick: events 0, 1 and 2 are due at once.
  now += 2_500_000n;
  s.start();
  assert.deepEqual(
    ticks[0]!.map((d) => [d.index, d.t0 - 1_000_000_000n]),
    [
      [0, 0n],
      [1, 1_000_000n],
      [2, 2_000_000n],
    ],
  );
  s.stop();
  assert.equal(s.done, true);
});

it('emits exactly `count` events with real timers and then stops', async () => {
  const seen: number[] = [];
  const s = new FixedRateSchedule(500, 10, (due) => seen.push(...due.map((d) => d.index)));
  s.start();
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(s.done, true);
  assert.equal(s.dueAt(9) - s.dueAt(0), 18_000_000n);
});

it('starts at a given t0 and, stopped, still emits the next events on demand (clustered catch-up)', () => {
  let now = 5_000_000n;
  const ticks: DueEvent[][] = [];
  // Start 10 ms from now: nothing is due on start().
  const s = new FixedRateSchedule(1000, 4, (due) => ticks.push(due), () => now, 0n, 15_000_000n);
  s.start();
  // length, not deepEqual(ticks, []): that assertion would narrow `ticks` to an empty tuple type.
  assert.equal(ticks.length, 0);
  s.stop();
  now = 16_500_000n;
  assert.equal(s.emitNext(3), 3);
  assert.equal(s.emitNext(3), 1, 'only the one event left');
  assert.deepEqual(
    ticks.map((t) => t.map((d) => [d.index, d.t0])),
    [
      [
        [0, 15_000_000n],
        [1, 16_000_000n],
        [2, 17_000_000n],
      ],
      [[3, 18_000_000n]],
    ],
  );
  assert.equal(s.emitNext(1), 0);
});
