import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eventFromBytes, eventFromEnvelope, helloRetry, isHello } from './event-bytes.ts';

const from = (json: string, recvNs: number) => {
  // Inside a larger buffer, as a read delivers it: the range must be honoured, not the buffer's end.
  const b = Buffer.from(`xx${json}yy`);
  const e = eventFromBytes(b, 2, 2 + Buffer.byteLength(json), recvNs);
  return e && { ...e };
};

it('reads seq, t0 and t1 on the fast path and in any other field order', () => {
  assert.deepEqual(from('{"seq":42,"t0":"1896630882034","t1":"1896631380993","pad":"xx"}', 1896632000000), { seq: 42, t0: 1896630882034, t1: 1896631380993, recvNs: 1896632000000, binBytes: 0 });
  assert.deepEqual(from('{"pad":"x","t1":"20","seq":7,"t0":"10"}', 30), { seq: 7, t0: 10, t1: 20, recvNs: 30, binBytes: 0 });
  // The fast path's prefix with something else after it falls back to JSON.
  assert.deepEqual(from('{"seq":5,"t0":"1e3","t1":"2000"}', 1), { seq: 5, t0: 1000, t1: 2000, recvNs: 1, binBytes: 0 });
  assert.equal(from('{"seq":"nope"}', 1), null);
  assert.equal(from('{"seq":1.5,"t0":"1","t1":"2"}', 1), null);
  assert.equal(from('not json', 1), null);
  assert.equal(from('null', 1), null);
});

it('reads the envelope and the hello of WS frames and TCP lines', () => {
  const env = Buffer.from('{"id":3,"event":"tick","data":{"seq":3,"t0":"10","t1":"11","pad":"é"}}');
  assert.deepEqual({ ...eventFromEnvelope(env, 0, env.length, 12)! }, { seq: 3, t0: 10, t1: 11, recvNs: 12, binBytes: 0 });
  const hello = Buffer.from('{"hello":true,"retry":250}');
  assert.equal(isHello(hello, 0, hello.length), true);
  assert.equal(isHello(env, 0, env.length), false);
  assert.equal(helloRetry(hello, 0, hello.length), 250);
  assert.equal(helloRetry(Buffer.from('{"hello":true}'), 0, 14), null);
});
