import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DialBucket } from './dial-bucket.ts';

it('allows the asked rate from elapsed time, however late the ticks come', () => {
  const b = new DialBucket(1000, 0);
  assert.equal(b.take(0), 1);
  let dialed = 1;
  // Ticks every 13 ms (a late 10 ms timer): still 1,000 dials per second.
  for (let t = 13; t <= 1000; t += 13) dialed += b.take(t);
  assert.equal(dialed, 1 + Math.floor((1000 - (1000 % 13)) * 1));
});

it('says how long until the next dial and keeps at most 100 ms of tokens after a stall', () => {
  const b = new DialBucket(200, 0);
  assert.equal(b.take(0), 1);
  assert.equal(b.waitMs(0), 5);
  assert.equal(b.waitMs(2), 3);
  assert.equal(b.waitMs(5), 0);
  assert.equal(b.take(5_000), 20);
  assert.equal(b.take(5_000), 0);
});

it('rejects a rate that would never dial', () => {
  assert.throws(() => new DialBucket(0, 0), { message: 'connect rate must be positive, got 0' });
});
