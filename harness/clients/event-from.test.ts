import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eventFrom } from './resuming-stream.ts';

it('reads seq, t0 and t1 on the fast path and in any other field order', () => {
  const fast = eventFrom('{"seq":42,"t0":"1896630882034","t1":"1896631380993","pad":"xx"}', 1896632000000);
  assert.deepEqual(fast, { seq: 42, t0: 1896630882034, t1: 1896631380993, recvNs: 1896632000000 });
  const other = eventFrom('{"pad":"x","t1":"20","seq":7,"t0":"10"}', 30);
  assert.deepEqual(other, { seq: 7, t0: 10, t1: 20, recvNs: 30 });
  assert.equal(eventFrom('{"seq":"nope"}', 1), null);
  assert.equal(eventFrom('not json', 1), null);
});
