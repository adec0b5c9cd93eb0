import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SeqTracker } from './seq-tracker.ts';

it('counts an in-order stream exactly', () => {
  const t = new SeqTracker();
  for (let s = 1; s <= 100; s++) assert.equal(t.record(s), 'ok');
  assert.deepEqual([t.received, t.missing(), t.duplicates, t.outOfOrder, t.lastSeq], [100, 0, 0, 0, 100]);
});

it('detects a skipped seq as a gap, a repeat as a duplicate, a late fill as out of order', () => {
  const t = new SeqTracker();
  t.record(1);
  assert.equal(t.record(3), 'gap');
  assert.equal(t.missing(), 1);
  assert.equal(t.record(3), 'duplicate');
  assert.equal(t.record(1), 'duplicate');
  assert.equal(t.record(2), 'out-of-order');
  assert.deepEqual([t.received, t.missing(), t.duplicates, t.outOfOrder], [3, 0, 2, 1]);
  assert.equal(t.record(2), 'duplicate');
});

it('splits a missing range when the middle arrives, and counts within bounds', () => {
  const t = new SeqTracker();
  t.record(1);
  t.record(10); // 2..9 missing
  t.record(5);
  assert.equal(t.missing(), 7);
  assert.equal(t.missingBetween(1, 4), 3);
  assert.equal(t.missingBetween(6, 9), 4);
});

it('forgives seqs lost with an old server process', () => {
  const t = new SeqTracker(0);
  t.record(1);
  t.record(2);
  t.record(8); // 3..7 missing
  assert.equal(t.forgive(6), 3); // 3, 4, 5 died with the old process
  assert.equal(t.missing(), 2); // 6 and 7 still count
  assert.equal(t.record(6), 'out-of-order');
});
