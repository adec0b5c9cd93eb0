import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MAX_BUCKETS, sumTimelines, Timeline } from './timeline.ts';

const MS = 1e6;
const mark = 5_000_000 * MS;

it('places events and connection changes in 100 ms buckets by their own times', () => {
  const t = new Timeline(mark, 10);
  t.event(mark - 1); // before the mark: not part of the timeline
  t.event(mark);
  t.event(mark + 99 * MS);
  t.event(mark + 100 * MS);
  t.closed(mark + 20 * MS);
  t.closed(mark + 30 * MS);
  t.opened(mark + 150 * MS);
  t.opened(mark + 250 * MS);
  assert.deepEqual(t.buckets(mark + 399 * MS), [
    { connected: 8, events: 2 },
    { connected: 9, events: 1 },
    { connected: 10, events: 0 },
  ]);
  // Only buckets that ended are reported.
  assert.equal(t.buckets(mark + 99 * MS).length, 0);
});

it('stays bounded: nothing past the last bucket is counted or reported', () => {
  const t = new Timeline(mark, 1);
  t.event(mark + MAX_BUCKETS * 100 * MS);
  const b = t.buckets(mark + 10 * MAX_BUCKETS * 100 * MS);
  assert.equal(b.length, MAX_BUCKETS);
  assert.equal(b.reduce((n, x) => n + x.events, 0), 0);
});

it('sums workers bucket by bucket, a shorter timeline holding its last count', () => {
  const out = sumTimelines([
    [
      { connected: 3, events: 10 },
      { connected: 4, events: 20 },
    ],
    [{ connected: 5, events: 1 }],
  ]);
  assert.deepEqual(out, [
    { tMs: 100, connected: 8, eventsPerSecond: 110 },
    { tMs: 200, connected: 9, eventsPerSecond: 200 },
  ]);
  assert.deepEqual(sumTimelines([]), []);
});
