// The response side of HTTP/1.1 that an SSE stream needs, on raw bytes: the status line and
// headers, then the body as identity bytes (read until close) or chunked transfer coding.
// Written by hand rather than using node:http because node:http's per-request objects cost
// ~10 KB per idle stream; an SSE client in a benchmark holds tens of thousands of them.
export interface ResponseHead {
  status: number;
  headers: Map<string, string>;
  chunked: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Finds a complete head in `buf`; returns it and the offset where the body starts, or null. */
export function parseHead(buf: Buffer): { head: ResponseHead; bodyStart: number } | null {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return null;
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return {
    head: { status: status ? Number(status[1]) : 0, headers, chunked: /\bchunked\b/i.test(headers.get('transfer-encoding') ?? '') },
    bodyStart: end + 4,
  };
}

/** Where decoded payload goes: bytes [start, end) of `buf`, consumed before the call returns. */
export interface PayloadSink {
  feed(buf: Buffer, start: number, end: number): void;
}

const SIZE = 0;
/** A chunk extension or the CR of the size line: skipped up to LF. */
const SIZE_REST = 1;
const DATA = 2;
/** The CRLF after a chunk's data: skipped up to LF. */
const DATA_END = 3;
/** No chunk this client reads comes near it; a bigger size is a broken stream, not a big event. */
const MAX_CHUNK = 2 ** 40;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Chunked transfer coding, decoded incrementally on bytes (no string per chunk size line): feed
 * raw bytes, get payload ranges of the same buffer. Chunk extensions and trailers are ignored; the
 * final zero-size chunk sets `done`. A malformed size line throws.
 */
export class ChunkedDecoder {
  done = false;
  private state = SIZE;
  private size = 0;
  private digits = 0;
  /** Payload bytes still due in the current chunk. */
  private left = 0;

  decode(buf: Buffer, start: number, end: number, out: PayloadSink): void {
    let i = start;
    while (i < end && !this.done) {
      if (this.state === DATA) {
        const take = Math.min(this.left, end - i);
        out.feed(buf, i, i + take);
        i += take;
        this.left -= take;
        if (this.left === 0) this.state = DATA_END;
        continue;
      }
      const c = buf[i++]!;
      if (this.state === SIZE) {
        const h = hexValue(c);
        if (h >= 0) {
          this.size = this.size * 16 + h;
          this.digits++;
          if (this.size > MAX_CHUNK) throw new Error('chunk size too large');
        } else if (c === 0x0a) this.sizeLineDone();
        else if ((c === 0x20 || c === 0x09) && this.digits === 0) continue;
        else if (this.digits > 0 && (c === 0x0d || c === 0x3b || c === 0x20 || c === 0x09)) this.state = SIZE_REST;
        else throw new Error(`bad chunk size line (byte 0x${c.toString(16)})`);
      } else if (c === 0x0a) {
        if (this.state === SIZE_REST) this.sizeLineDone();
        else this.state = SIZE;
      }
    }
  }

  private sizeLineDone(): void {
    if (this.digits === 0) throw new Error('empty chunk size line');
    if (this.size === 0) this.done = true;
    else {
      this.left = this.size;
      this.state = DATA;
    }
    this.size = 0;
    this.digits = 0;
  }
}
