import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Writable } from 'node:stream';
import * as wsModule from 'ws';
import { eventDataJson } from './payload.ts';
import { sseFramer, tcpFramer, wsFramer, wsTextFrame } from './framers.ts';

/** Decodes frames with ws's own Receiver, so our hand-built headers are checked by the library. */
function decode(frame: Buffer): string[] {
  const out: string[] = [];
  // ws exports its Receiver at runtime; @types/ws does not declare it.
  const { Receiver } = wsModule as unknown as { Receiver: new (o: { isServer: boolean }) => Writable };
  const r = new Receiver({ isServer: false });
  r.on('message', (data: Buffer) => out.push(data.toString()));
  r.write(frame);
  return out;
}

it('builds WS text frames ws itself decodes, at every length class', () => {
  for (const n of [0, 125, 126, 65535, 65536, 70000]) {
    const text = 'é'.repeat(Math.floor(n / 2)) + 'a'.repeat(n % 2);
    assert.deepEqual(decode(wsTextFrame(text)), [text], `length ${Buffer.byteLength(text)}`);
  }
});

it('frames one event identically for every client, per protocol', () => {
  const data = eventDataJson(7, 100n, 105n, 64);
  assert.equal(sseFramer.frame(7, 'tick', data).toString(), `id: 7\nevent: tick\ndata: ${data}\n\n`);
  assert.equal(tcpFramer.frame(7, 'tick', data).toString(), `{"id":7,"event":"tick","data":${data}}\n`);
  assert.deepEqual(decode(wsFramer.frame(7, 'tick', data)), [`{"id":7,"event":"tick","data":${data}}`]);
  assert.equal(sseFramer.hello(1500).toString(), 'retry: 1500\n: pushbench\n\n');
  assert.deepEqual(decode(wsFramer.hello(1500)), ['{"hello":true,"retry":1500}']);
});

it('pads data to about the requested size, never below its fields', () => {
  const d = eventDataJson(123, 1_000_000_000_000n, 1_000_000_000_500n, 256);
  assert.equal(d.length, 256);
  assert.deepEqual(Object.keys(JSON.parse(d)), ['seq', 't0', 't1', 'pad']);
  const tiny = eventDataJson(1, 1n, 2n, 0);
  assert.equal(tiny, '{"seq":1,"t0":"1","t1":"2","pad":""}');
});
