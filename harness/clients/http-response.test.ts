import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ChunkedDecoder, parseHead, type PayloadSink } from './http-response.ts';

/** Copies every payload range out (the decoder's ranges are only valid during the call). */
const collect = (parts: Buffer[]): PayloadSink => ({ feed: (b, s, e) => parts.push(Buffer.from(b.subarray(s, e))) });

it('parses a status line and headers, and finds the body', () => {
  const raw = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nabc');
  const r = parseHead(raw)!;
  assert.equal(r.head.status, 200);
  assert.equal(r.head.headers.get('content-type'), 'text/event-stream');
  assert.equal(r.head.chunked, true);
  assert.equal(raw.subarray(r.bodyStart).toString(), 'abc');
  assert.equal(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nX: y\r\n')), null, 'incomplete head');
});

it('decodes chunked bodies split at every byte, including multi-byte UTF-8 across chunks', () => {
  const body = 'data: é€\n\n';
  const bytes = Buffer.from(body);
  const encoded = Buffer.concat([Buffer.from(`3;ext=1\r\n`), bytes.subarray(0, 3), Buffer.from(`\r\n${(bytes.length - 3).toString(16)}\r\n`), bytes.subarray(3), Buffer.from('\r\n0\r\n\r\n')]);
  for (let cut = 0; cut <= encoded.length; cut++) {
    const d = new ChunkedDecoder();
    const parts: Buffer[] = [];
    d.decode(encoded, 0, cut, collect(parts));
    d.decode(encoded, cut, encoded.length, collect(parts));
    assert.equal(Buffer.concat(parts).toString(), body, `cut at ${cut}`);
    assert.equal(d.done, true);
  }
  const bytewise = new ChunkedDecoder();
  const parts: Buffer[] = [];
  for (const b of encoded) bytewise.decode(Buffer.from([b]), 0, 1, collect(parts));
  assert.equal(Buffer.concat(parts).toString(), body);
});

it('refuses a malformed chunk size line', () => {
  assert.throws(() => new ChunkedDecoder().decode(Buffer.from('zz\r\n'), 0, 4, collect([])), /bad chunk size/);
  assert.throws(() => new ChunkedDecoder().decode(Buffer.from('\r\n'), 0, 2, collect([])), /bad chunk size|empty chunk size/);
});
