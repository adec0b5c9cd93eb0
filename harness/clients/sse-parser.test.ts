// The text/event-stream rules from the HTML spec, fed in every way a network can split them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser } from './sse-parser.ts';

interface Seen {
  events: [string, string, string][];
  retries: number[];
  comments: string[];
  parser: SseParser;
}

function parse(chunks: string[]): Seen {
  const seen: Seen = { events: [], retries: [], comments: [], parser: null as unknown as SseParser };
  seen.parser = new SseParser({
    onEvent: (event, data, id) => seen.events.push([event, data, id]),
    onRetry: (ms) => seen.retries.push(ms),
    onComment: (c) => seen.comments.push(c),
  });
  for (const c of chunks) seen.parser.feed(c);
  return seen;
}

/** Every way of cutting `text` into two chunks, and one character at a time. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

describe('SSE parser (HTML spec rules)', () => {
  it('accepts LF, CR and CRLF line ends, however the chunks are cut', () => {
    for (const eol of ['\n', '\r', '\r\n']) {
      const text = `id: 1${eol}event: tick${eol}data: a${eol}${eol}data: b${eol}${eol}`;
      for (const chunks of splits(text)) {
        const s = parse(chunks);
        assert.deepEqual(
          s.events,
          [
            ['tick', 'a', '1'],
            ['message', 'b', '1'],
          ],
          `eol ${JSON.stringify(eol)} split ${JSON.stringify(chunks.slice(0, 2))}`,
        );
      }
    }
  });

  it('strips one leading BOM only', () => {
    assert.deepEqual(parse(['\uFEFFdata: x\n\n']).events, [['message', 'x', '']]);
    assert.deepEqual(parse(['\uFEFF', 'data: x\n\n']).events, [['message', 'x', '']]);
    // A second BOM is part of the field name, so the line is an unknown field and ignored.
    assert.deepEqual(parse(['\uFEFF\uFEFFdata: x\n\n']).events, []);
  });

  it('joins multi-line data with LF and keeps a space after the colon only once', () => {
    assert.deepEqual(parse(['data: one\ndata:two\ndata:  three\n\n']).events, [['message', 'one\ntwo\n three', '']]);
    assert.deepEqual(parse(['data\n\n']).events, [['message', '', '']]);
  });

  it('ignores comments and unknown fields, and reports comments', () => {
    const s = parse([': hello\nfoo: bar\ndata: x\n\n:\n\n']);
    assert.deepEqual(s.events, [['message', 'x', '']]);
    assert.deepEqual(s.comments, ['hello', '']);
  });

  it('takes retry only when it is all digits', () => {
    assert.deepEqual(parse(['retry: 1500\n\nretry: 12a\n\nretry: -1\n\n']).retries, [1500]);
  });

  it('an id without data still sets the last event id; ids with NUL are ignored', () => {
    const s = parse(['id: 7\n\n', 'id: 8\u0000\n\n']);
    assert.deepEqual(s.events, []);
    assert.equal(s.parser.lastEventId, '7');
    const t = parse(['id: 3\ndata: x\n\ndata: y\n\n']);
    assert.deepEqual(t.events, [
      ['message', 'x', '3'],
      ['message', 'y', '3'],
    ]);
  });

  it('an empty id clears the last event id', () => {
    const s = parse(['id: 7\n\n', 'id\n\n']);
    assert.equal(s.parser.lastEventId, '');
  });

  it('keeps a CRLF split by an empty chunk as one line end', () => {
    // A UTF-8 decoder holding a partial character yields '' between the CR and the LF.
    assert.deepEqual(parse(['data: a\r', '', '\n\r\n']).events, [['message', 'a', '']]);
  });

  it('assembles a large event from many small chunks', () => {
    const big = 'x'.repeat(100_000);
    const text = `data: ${big}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
    assert.deepEqual(parse(chunks).events, [['message', big, '']]);
  });

  it('does not dispatch an event that never ended', () => {
    assert.deepEqual(parse(['data: unfinished\n']).events, []);
  });
});
