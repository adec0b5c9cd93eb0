import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeBase64At, eventFromBinary, eventFromBytes, eventFromEnvelope, helloRetry, isHello, lastDecoded } from './event-bytes.ts';

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

it('the binary addition: base64 in `bin` decoded on bytes, exactly as Buffer decodes it', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
  for (let n = 0; n <= 70; n++) {
    const bytes = Buffer.from(Array.from({ length: n }, rand));
    const b64 = bytes.toString('base64');
    const json = `{"seq":3,"t0":"10","t1":"11","bin":"${b64}"}`;
    assert.deepEqual(from(json, 12), { seq: 3, t0: 10, t1: 11, recvNs: 12, binBytes: n }, `${n} bytes`);
    const b = Buffer.from(`xx${json}yy`);
    eventFromBytes(b, 2, 2 + json.length, 0);
    assert.ok(lastDecoded(n).equals(bytes), `${n} bytes decoded as Buffer does`);
    // The slow path (another field order) counts the same bytes.
    assert.equal(from(`{"bin":"${b64}","seq":3,"t0":"10","t1":"11"}`, 12)?.binBytes, n);
  }
  // Not base64, a length that is not a multiple of 4, or no closing quote: -1, the event still counted.
  for (const bad of ['ab!d', 'abc', 'ab=d']) assert.equal(from(`{"seq":1,"t0":"1","t1":"2","bin":"${bad}"}`, 0)?.binBytes, -1, bad);
  const open = Buffer.from('{"seq":1,"t0":"1","t1":"2","bin":"abcd');
  assert.equal(decodeBase64At(open, open.length - 4, open.length), -1);
  // A text event has no payload to decode.
  assert.equal(from('{"seq":1,"t0":"1","t1":"2","pad":"xx"}', 0)?.binBytes, 0);
});

it('the binary addition: a WS binary event read from its header, the payload left in place', () => {
  const payload = Buffer.from('random bytes here');
  const name = Buffer.from('tick');
  const head = Buffer.alloc(25);
  head.writeBigUInt64BE(9_007_199_254_740_000n, 0); // near 2^53: still exact as a double
  head.writeBigUInt64BE(2_396_054_387_884n, 8);
  head.writeBigUInt64BE(2_396_054_563_618n, 16);
  head[24] = name.length;
  const msg = Buffer.concat([Buffer.from('zz'), head, name, payload]);
  assert.deepEqual({ ...eventFromBinary(msg, 2, msg.length, 5)! }, { seq: 9_007_199_254_740_000, t0: 2_396_054_387_884, t1: 2_396_054_563_618, recvNs: 5, binBytes: payload.length });
  assert.equal(eventFromBinary(msg, 2, 20, 5), null, 'shorter than its header');
  const lying = Buffer.from(head);
  lying[24] = 200;
  assert.equal(eventFromBinary(lying, 0, lying.length, 5), null, 'a name longer than the message');
});
