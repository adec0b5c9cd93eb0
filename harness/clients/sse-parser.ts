// A text/event-stream parser on bytes that follows the HTML standard's "interpreting an event
// stream" rules: one leading UTF-8 BOM ignored, CR / LF / CRLF line ends (also split across
// chunks), `data` lines joined with LF, comments, `retry` only when all ASCII digits, `id` without
// NUL setting the last event ID buffer, and dispatch at the blank line: the last event ID (the
// resume point) moves only then, and an event the stream never finished is never dispatched.
//
// Written here rather than taken from eventsource-parser: that one works on decoded strings and
// drops an `id:` that comes without data; this one reads bytes so the client's hot path builds no
// string per line or per event (CR and LF never occur inside a UTF-8 sequence, so lines can be cut
// before decoding). One pass over each byte finds the line end and the first colon together.
export interface SseSink {
  /**
   * An event was dispatched; its data is bytes [start, end) of `data` (UTF-8), valid only during
   * the call. `parser.eventType` and `parser.lastEventId` describe it meanwhile.
   */
  onEvent(data: Buffer, start: number, end: number): void;
  /** A dispatch without data changed the last event ID (an `id:` block, or an empty `id` clearing it). */
  onLastEventId?(): void;
  onRetry(ms: number): void;
  /** Comments are decoded only for a sink that asks for them. */
  onComment?(text: string): void;
}

const BOM = [0xef, 0xbb, 0xbf];
const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
/** Longest all-digit id kept as a number (below 2^53); longer ones are kept as strings. */
const MAX_NUMERIC_ID_DIGITS = 15;
/** A buffer grown for one large event is let go afterwards rather than kept per connection. */
const KEEP_BUFFER_BYTES = 4096;

export class SseParser {
  /** BOM bytes matched so far; 3 once the stream's start is behind us. */
  private bom = 0;
  /** The previous chunk ended with CR: an LF first in the next one belongs to it. */
  private skipLF = false;
  /** An unfinished line carried over from earlier chunks. */
  private carry: Buffer | null = null;
  private carryLen = 0;
  /** `data` lines since the last dispatch (0: the data buffer is empty). */
  private dataLines = 0;
  /** The data buffer when copied (several lines, or one that outlived its chunk). */
  private acc: Buffer | null = null;
  private accLen = 0;
  /** The one data line of the event while it still lies in the chunk being fed: no copy yet. */
  private ref: Buffer | null = null;
  private refStart = 0;
  private refEnd = 0;
  /** The event type buffer: a range of the current chunk, or a string once that chunk is gone. */
  private typeRef: Buffer | null = null;
  private typeStart = 0;
  private typeEnd = 0;
  private typeStr = '';
  /**
   * The last event ID buffer and the last event ID string (set from the buffer at dispatch), each
   * as a number when it is a canonical decimal (no allocation per event), else as a string.
   */
  private bufNum = 0;
  private bufStr: string | null = '';
  private lastNum = 0;
  private lastStr: string | null = '';

  constructor(private readonly sink: SseSink) {}

  /**
   * The EventSource's last event ID before this stream: a new connection starts from it (as
   * browsers do: the buffer starts at the source's last event ID, so events without `id:` keep it).
   */
  resumeFrom(id: number): void {
    this.bufNum = this.lastNum = id;
    this.bufStr = this.lastStr = id > 0 ? null : '';
  }

  /** The last event ID string (dispatched), as the standard defines it. */
  get lastEventId(): string {
    return this.lastStr ?? String(this.lastNum);
  }

  /** The last event ID as a resume point: 0 when empty, -1 when it is not a decimal integer. */
  lastEventIdNumber(): number {
    if (this.lastStr === null) return this.lastNum;
    if (this.lastStr === '') return 0;
    const v = /^\d+$/.test(this.lastStr) ? Number(this.lastStr) : -1;
    return Number.isSafeInteger(v) ? v : -1;
  }

  /** The type of the event being dispatched ("message" when none was given). */
  get eventType(): string {
    const t = this.typeRef !== null ? this.typeRef.toString('utf8', this.typeStart, this.typeEnd) : this.typeStr;
    return t === '' ? 'message' : t;
  }

  feed(buf: Buffer, start = 0, end = buf.length): void {
    let i = start;
    while (this.bom < 3 && i < end) {
      if (buf[i] === BOM[this.bom]) {
        i++;
        this.bom++;
      } else {
        // Not a BOM after all: the bytes matched so far begin the first line.
        if (this.bom > 0) this.appendCarry(Buffer.from(BOM), 0, this.bom);
        this.bom = 3;
      }
    }
    // An empty chunk (or one that was only BOM bytes) must not clear skipLF.
    if (this.skipLF && i < end) {
      this.skipLF = false;
      if (buf[i] === LF) i++;
    }
    let lineStart = i;
    let colon = -1;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c > CR) {
        if (c === COLON && colon < 0) colon = i;
        continue;
      }
      if (c !== LF && c !== CR) continue;
      if (this.carryLen > 0) {
        this.appendCarry(buf, lineStart, i);
        this.lineFromCarry();
      } else this.line(buf, lineStart, i, colon, true);
      if (c === CR) {
        if (i + 1 < end) {
          if (buf[i + 1] === LF) i++;
        } else this.skipLF = true;
      }
      lineStart = i + 1;
      colon = -1;
    }
    if (lineStart < end) this.appendCarry(buf, lineStart, end);
    // Ranges into this chunk die with it: copy what the unfinished event still needs.
    if (this.ref !== null) this.copyRefData();
    if (this.typeRef !== null) {
      this.typeStr = this.typeRef.toString('utf8', this.typeStart, this.typeEnd);
      this.typeRef = null;
    }
  }

  private lineFromCarry(): void {
    const b = this.carry!;
    const n = this.carryLen;
    let colon = -1;
    for (let k = 0; k < n; k++) {
      if (b[k] === COLON) {
        colon = k;
        break;
      }
    }
    this.line(b, 0, n, colon, false);
    this.carryLen = 0;
    if (b.length > KEEP_BUFFER_BYTES) this.carry = null;
  }

  /** One line [s, e) without its end; `inChunk`: the bytes stay valid until this feed returns. */
  private line(buf: Buffer, s: number, e: number, colon: number, inChunk: boolean): void {
    if (s === e) return this.dispatch();
    if (colon === s) {
      if (this.sink.onComment) this.sink.onComment(buf.toString('utf8', buf[s + 1] === SPACE ? s + 2 : s + 1, e));
      return;
    }
    const fieldEnd = colon < 0 ? e : colon;
    let v = colon < 0 ? e : colon + 1;
    if (v < e && buf[v] === SPACE) v++;
    const n = fieldEnd - s;
    const f = buf[s];
    if (n === 4 && f === 0x64 && buf[s + 1] === 0x61 && buf[s + 2] === 0x74 && buf[s + 3] === 0x61) return this.data(buf, v, e, inChunk); // data
    if (n === 5 && f === 0x65 && buf[s + 1] === 0x76 && buf[s + 2] === 0x65 && buf[s + 3] === 0x6e && buf[s + 4] === 0x74) {
      // event
      if (inChunk) {
        this.typeRef = buf;
        this.typeStart = v;
        this.typeEnd = e;
      } else {
        this.typeRef = null;
        this.typeStr = buf.toString('utf8', v, e);
      }
      return;
    }
    if (n === 2 && f === 0x69 && buf[s + 1] === 0x64) return this.id(buf, v, e); // id
    if (n === 5 && f === 0x72 && buf[s + 1] === 0x65 && buf[s + 2] === 0x74 && buf[s + 3] === 0x72 && buf[s + 4] === 0x79) return this.retry(buf, v, e); // retry
    // Any other field is ignored.
  }

  private data(buf: Buffer, v: number, e: number, inChunk: boolean): void {
    if (this.dataLines === 0 && inChunk) {
      this.ref = buf;
      this.refStart = v;
      this.refEnd = e;
      this.dataLines = 1;
      return;
    }
    if (this.ref !== null) this.copyRefData();
    if (this.dataLines > 0) this.appendAcc(LF_BYTE, 0, 1);
    this.appendAcc(buf, v, e);
    this.dataLines++;
  }

  private id(buf: Buffer, v: number, e: number): void {
    let num = 0;
    let digits = true;
    for (let k = v; k < e; k++) {
      const c = buf[k]!;
      if (c === 0) return; // an id with NUL is ignored
      if (c < 0x30 || c > 0x39) digits = false;
      else num = num * 10 + (c - 0x30);
    }
    const len = e - v;
    if (len === 0) {
      this.bufNum = 0;
      this.bufStr = '';
    } else if (digits && len <= MAX_NUMERIC_ID_DIGITS && (len === 1 || buf[v] !== 0x30)) {
      this.bufNum = num;
      this.bufStr = null;
    } else {
      this.bufNum = 0;
      this.bufStr = buf.toString('utf8', v, e);
    }
  }

  private retry(buf: Buffer, v: number, e: number): void {
    if (v === e) return;
    let ms = 0;
    for (let k = v; k < e; k++) {
      const c = buf[k]!;
      if (c < 0x30 || c > 0x39) return;
      ms = ms * 10 + (c - 0x30);
    }
    this.sink.onRetry(ms);
  }

  private dispatch(): void {
    // The last event ID string takes the buffer's value at every dispatch, data or not.
    const changed = this.lastStr !== this.bufStr || (this.bufStr === null && this.lastNum !== this.bufNum);
    this.lastNum = this.bufNum;
    this.lastStr = this.bufStr;
    if (this.dataLines === 0) {
      this.clearType();
      if (changed) this.sink.onLastEventId?.();
      return;
    }
    if (this.ref !== null) this.sink.onEvent(this.ref, this.refStart, this.refEnd);
    else this.sink.onEvent(this.acc!, 0, this.accLen);
    this.ref = null;
    this.dataLines = 0;
    this.accLen = 0;
    if (this.acc !== null && this.acc.length > KEEP_BUFFER_BYTES) this.acc = null;
    this.clearType();
  }

  private clearType(): void {
    this.typeRef = null;
    this.typeStr = '';
  }

  private copyRefData(): void {
    const r = this.ref!;
    this.ref = null;
    this.accLen = 0;
    this.appendAcc(r, this.refStart, this.refEnd);
  }

  private appendAcc(src: Buffer, s: number, e: number): void {
    this.acc = grow(this.acc, this.accLen, e - s);
    src.copy(this.acc, this.accLen, s, e);
    this.accLen += e - s;
  }

  private appendCarry(src: Buffer, s: number, e: number): void {
    this.carry = grow(this.carry, this.carryLen, e - s);
    src.copy(this.carry, this.carryLen, s, e);
    this.carryLen += e - s;
  }
}

const LF_BYTE = Buffer.from([LF]);

/** `b` with room for `more` bytes after its first `used` (a new, doubled buffer when needed). */
function grow(b: Buffer | null, used: number, more: number): Buffer {
  if (b !== null && used + more <= b.length) return b;
  const next = Buffer.allocUnsafe(Math.max(64, 2 * (used + more)));
  if (b !== null && used > 0) b.copy(next, 0, 0, used);
  return next;
}
