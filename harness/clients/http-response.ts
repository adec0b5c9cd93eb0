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

/**
 * Chunked transfer coding, decoded incrementally: feed raw bytes, get payload bytes. Chunk
 * extensions and trailers are ignored; the final zero-size chunk sets `done`.
 */
export class ChunkedDecoder {
  done = false;
  /** Payload bytes still due in the current chunk; -1 while reading a size line, -2 after a chunk's data (CRLF due). */
  private left = -1;
  private line = '';

  decode(buf: Buffer, out: (payload: Buffer) => void): void {
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.left > 0) {
        const take = Math.min(this.left, buf.length - i);
        out(buf.subarray(i, i + take));
        i += take;
        this.left -= take;
        if (this.left === 0) this.left = -2;
        continue;
      }
      // Size line, or the CRLF after a chunk's data: read up to LF.
      const lf = buf.indexOf(0x0a, i);
      if (lf < 0) {
        this.line += buf.toString('latin1', i);
        return;
      }
      const text = (this.line + buf.toString('latin1', i, lf)).trim();
      this.line = '';
      i = lf + 1;
      if (this.left === -2) {
        this.left = -1;
        continue;
      }
      const size = parseInt(text.split(';')[0] ?? '', 16);
      if (!Number.isFinite(size) || size < 0) throw new Error(`bad chunk size line "${text.slice(0, 20)}"`);
      if (size === 0) this.done = true;
      else this.left = size;
    }
  }
}
