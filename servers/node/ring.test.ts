import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Ring } from './ring.ts';

const b = (n: number) => Buffer.from(String(n));
const ids = (bufs: Buffer[]) => bufs.map((x) => Number(x.toString()));

it('replays every held event after an id, oldest first', () => {
  const r = new Ring(5);
  for (let s = 1; s <= 3; s++) r.push(s, b(s));
  assert.deepEqual(ids(r.after(0)), [1, 2, 3]);
  assert.deepEqual(ids(r.after(1)), [2, 3]);
  assert.deepEqual(ids(r.after(3)), []);
  assert.deepEqual(ids(r.after(99)), []);
});

it('keeps only the last `capacity` events once it wraps', () => {
  const r = new Ring(4);
  for (let s = 1; s <= 10; s++) r.push(s, b(s));
  assert.equal(r.length, 4);
  assert.deepEqual(ids(r.after(0)), [7, 8, 9, 10]);
  assert.deepEqual(ids(r.after(8)), [9, 10]);
});

it('starts at any seq (a restarted server continues the seq space) and rejects holes', () => {
  const r = new Ring(3);
  r.push(41, b(41));
  r.push(42, b(42));
  assert.deepEqual(ids(r.after(40)), [41, 42]);
  assert.throws(() => r.push(44, b(44)), /seq 44 does not follow 42/);
  r.clear();
  assert.equal(r.length, 0);
  assert.deepEqual(ids(r.after(0)), []);
});
