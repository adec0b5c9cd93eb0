// The text/event-stream rules of the HTML standard ("Interpreting an event stream", its worked
// examples) and the web-platform-tests eventsource/format-* cases as we read them, each fed whole,
// one byte at a time, and cut in two at every byte: what the parser dispatches must not depend on
// how the network cut the stream (CR/LF, CRLF, the BOM and UTF-8 sequences split anywhere).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser } from './sse-parser.ts';

interface Seen {
  /** [type, data, lastEventId] per dispatched event. */
  events: [string, string, string][];
  retries: number[];
  comments: string[];
  /** The last event ID after every dispatch that changed it without data. */
  idOnly: string[];
  parser: SseParser;
}

function parse(chunks: Buffer[]): Seen {
  const seen: Seen = { events: [], retries: [], comments: [], idOnly: [], parser: null as unknown as SseParser };
  const parser = new SseParser({
    onEvent: (data, s, e) => seen.events.push([parser.eventType, data.toString('utf8', s, e), parser.lastEventId]),
    onLastEventId: () => seen.idOnly.push(parser.lastEventId),
    onRetry: (ms) => seen.retries.push(ms),
    onComment: (c) => seen.comments.push(c),
  });
  seen.parser = parser;
  // Each chunk in a buffer of its own with junk around it: the parser must keep to its range, and
  // must not rely on the bytes after a feed returns (the client reuses its read buffer).
  for (const c of chunks) {
    const b = Buffer.concat([Buffer.from('\n\nX'), c, Buffer.from('\n\nY')]);
    parser.feed(b, 3, 3 + c.length);
    b.fill(0x0a);
  }
  return seen;
}

/** Whole, one byte at a time, and cut in two at every byte. */
function splits(text: string | Buffer): Buffer[][] {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const out: Buffer[][] = [[bytes], [...bytes].map((b) => Buffer.from([b]))];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

/** Asserts the same outcome for every way of cutting `text`; returns it. */
function everyCut(text: string | Buffer, expected: Partial<Omit<Seen, 'parser'>> & { lastEventId?: string }): void {
  for (const chunks of splits(text)) {
    const s = parse(chunks);
    const where = `cut ${JSON.stringify(chunks.slice(0, 2).map((c) => c.toString('latin1')))} of ${JSON.stringify(text.toString())}`;
    if (expected.events) assert.deepEqual(s.events, expected.events, where);
    if (expected.retries) assert.deepEqual(s.retries, expected.retries, where);
    if (expected.comments) assert.deepEqual(s.comments, expected.comments, where);
    if (expected.idOnly) assert.deepEqual(s.idOnly, expected.idOnly, where);
    if (expected.lastEventId !== undefined) assert.equal(s.parser.lastEventId, expected.lastEventId, where);
  }
}

describe('SSE parser: the standard\'s worked examples', () => {
  it('joins data lines with LF ("YHOO +2 10")', () => {
    everyCut('data: YHOO\ndata: +2\ndata: 10\n\n', { events: [['message', 'YHOO\n+2\n10', '']] });
  });

  it('a comment, an id set and then cleared by a bare "id", one space stripped after the colon', () => {
    everyCut(': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n', {
      events: [
        ['message', 'first event', '1'],
        ['message', 'second event', ''],
        ['message', ' third event', ''],
      ],
      comments: ['test stream'],
      lastEventId: '',
    });
  });

  it('"data" alone is an empty line of data; the unfinished last event is not dispatched', () => {
    everyCut('data\n\ndata\ndata\n\ndata:', { events: [['message', '', ''], ['message', '\n', '']] });
  });

  it('"data:test" and "data: test" are the same event', () => {
    everyCut('data:test\n\ndata: test\n\n', { events: [['message', 'test', ''], ['message', 'test', '']] });
  });
});

describe('SSE parser: web-platform-tests eventsource/format-* cases', () => {
  it('format-bom: one leading BOM is ignored; a BOM later is part of the field name', () => {
    everyCut('\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3\n\n', { events: [['message', '1', ''], ['message', '3', '']] });
  });

  it('format-bom-2: only one BOM is ignored', () => {
    everyCut('\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n', { events: [['message', '2', ''], ['message', '3', '']] });
  });

  it('format-comments: comments between data lines, with CR, LF, CRLF and NUL', () => {
    const long = 'x'.repeat(300);
    everyCut(`data:1\r:\0\n:\r\ndata:2\n:${long}\rdata:3\n:data:fail\r:${long}\ndata:4\n\n`, { events: [['message', '1\n2\n3\n4', '']] });
  });

  it('format-data-before-final-empty-line: an event without its blank line is never dispatched, nor its id', () => {
    everyCut('retry:1000\ndata:test1\n\nid:test\ndata:test2', { events: [['message', 'test1', '']], retries: [1000], lastEventId: '' });
  });

  it('format-field-data: empty data lines', () => {
    everyCut('data:\n\ndata\ndata\n\ndata:test\n\n', { events: [['message', '', ''], ['message', '\n', ''], ['message', 'test', '']] });
  });

  it('format-field-event and format-field-event-empty: the type applies to one event; empty means message', () => {
    everyCut('event:test\ndata:x\n\ndata:x\n\nevent: \ndata:data\n\n', { events: [['test', 'x', ''], ['message', 'x', ''], ['message', 'data', '']] });
  });

  it('format-field-id: the id is carried by every later event until changed', () => {
    everyCut('id:1\ndata:a\n\ndata:b\n\nid:\u20AC2\ndata:c\n\n', { events: [['message', 'a', '1'], ['message', 'b', '1'], ['message', 'c', '\u20AC2']] });
  });

  it('format-field-id-2: an id in a block without data still sets the last event ID, at its blank line', () => {
    everyCut('id:1\n\ndata:x\n\nid:2\n\n', { events: [['message', 'x', '1']], idOnly: ['1', '2'], lastEventId: '2' });
  });

  it('format-field-id-null: an id containing NUL is ignored', () => {
    everyCut('id:1\n\nid:2\0x\ndata:y\n\n', { events: [['message', 'y', '1']], lastEventId: '1' });
  });

  it('format-field-parsing: field names are exact and case-sensitive, one leading space goes', () => {
    everyCut('data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n', {
      events: [['message', '\0\n 2\n1\n3\n\n4', '']],
    });
  });

  it('format-field-retry: all ASCII digits (leading zeros too); anything else is ignored', () => {
    everyCut('retry:03000\ndata:x\n\nretry:1000x\nretry\nretry: \nretry:-1\nretry:1.5\nretry: 42\ndata:y\n\n', { retries: [3000, 42], events: [['message', 'x', ''], ['message', 'y', '']] });
  });

  it('format-field-unknown: unknown fields and bare text lines are ignored', () => {
    everyCut('data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n', { events: [['message', 'test\n\ntest', '']] });
  });

  it('format-leading-space: only the first space after the colon is removed', () => {
    everyCut('data:\u0020\u0020test\n\n', { events: [['message', ' test', '']] });
  });

  it('format-newlines: CRLF, LF and CR are all line ends', () => {
    everyCut('data:test\r\ndata\ndata:test\r\n\r\n', { events: [['message', 'test\n\ntest', '']] });
    everyCut('data:a\r\rdata:b\n\ndata:c\r\n\r\n', { events: [['message', 'a', ''], ['message', 'b', ''], ['message', 'c', '']] });
  });

  it('format-null-character: NUL in data is kept', () => {
    everyCut('data:\0\n\n\n\n', { events: [['message', '\0', '']] });
  });

  it('format-utf-8: multi-byte characters survive any cut; invalid bytes become U+FFFD', () => {
    everyCut('data:ok\u2026 \u00e9\u{1F600}\n\n', { events: [['message', 'ok\u2026 \u00e9\u{1F600}', '']] });
    everyCut(Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x61, 0x0a, 0x0a]), { events: [['message', '\uFFFDa', '']] });
  });
});

describe('SSE parser: the last event ID moves only at a dispatch', () => {
  const event2 = 'id: 2\nevent: tick\ndata: two\n\n';
  it('an event cut anywhere before its blank line leaves the last event ID at the previous event', () => {
    const whole = Buffer.from(`id: 1\ndata: one\n\n${event2}`);
    const firstEnd = whole.length - Buffer.byteLength(event2);
    for (let cut = firstEnd; cut <= whole.length; cut++) {
      for (const chunks of splits(whole.subarray(0, cut))) {
        const s = parse(chunks);
        const complete = cut === whole.length;
        assert.equal(s.parser.lastEventId, complete ? '2' : '1', `cut at ${cut}`);
        assert.equal(s.parser.lastEventIdNumber(), complete ? 2 : 1);
        assert.deepEqual(s.events.map((e) => e[2]), complete ? ['1', '2'] : ['1']);
      }
    }
  });

  it('a resumed stream starts from the given id; events without id: keep it', () => {
    const p = new SseParser({ onEvent: () => undefined, onRetry: () => undefined });
    p.resumeFrom(41);
    assert.equal(p.lastEventId, '41');
    p.feed(Buffer.from('data: x\n\n'));
    assert.equal(p.lastEventIdNumber(), 41);
    p.feed(Buffer.from('id: 42\ndata: y\n'));
    assert.equal(p.lastEventIdNumber(), 41, 'not dispatched yet');
    p.feed(Buffer.from('\n'));
    assert.equal(p.lastEventIdNumber(), 42);
  });

  it('ids: canonical decimals as numbers, anything else as the string it is', () => {
    const ids = (text: string): [string, number] => {
      const s = parse([Buffer.from(text)]);
      return [s.parser.lastEventId, s.parser.lastEventIdNumber()];
    };
    assert.deepEqual(ids('id: 0\n\n'), ['0', 0]);
    assert.deepEqual(ids('id: 007\n\n'), ['007', 7]);
    assert.deepEqual(ids('id: 12345678901234567890\n\n'), ['12345678901234567890', -1]);
    assert.deepEqual(ids('id: abc\n\n'), ['abc', -1]);
    assert.deepEqual(ids('id: 5\n\nid\n\n'), ['', 0]);
  });

  it('a dispatch that leaves the id unchanged reports nothing; a large event from many chunks', () => {
    const s = parse([Buffer.from('id: 3\n\nid: 3\n\n\n')]);
    assert.deepEqual(s.idOnly, ['3']);
    const big = 'x'.repeat(100_000);
    const bytes = Buffer.from(`data: ${big}\n\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    assert.deepEqual(parse(chunks).events, [['message', big, '']]);
  });
});
