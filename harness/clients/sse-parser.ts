// A small text/event-stream parser that follows the HTML spec's rules: UTF-8 BOM, CR / LF / CRLF
// line ends (also split across chunks), multi-line data, comments, `retry`, and `id` updating the
// last event ID even when no event is dispatched. Written here rather than taken from
// eventsource-parser because that one drops an `id:` that comes without data (spec: the last
// event ID buffer is set anyway), which would break resume accounting.
export interface SseSink {
  onEvent(event: string, data: string, lastEventId: string): void;
  onRetry(ms: number): void;
  onComment?(text: string): void;
}

export class SseParser {
  lastEventId = '';
  private pending = '';
  private started = false;
  private skipLeadingLF = false;
  private data = '';
  private dataLines = 0;
  private eventType = '';

  constructor(private readonly sink: SseSink) {}

  feed(chunk: string): void {
    // An empty string (a UTF-8 decoder holding a partial character) must not clear skipLeadingLF.
    if (chunk.length === 0) return;
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (this.skipLeadingLF) {
      this.skipLeadingLF = false;
      if (chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
    }
    const text = this.pending === '' ? chunk : this.pending + chunk;
    // `pending` holds no line end, so the first search starts after it: a large event arriving in
    // many chunks is scanned once, not once per chunk.
    let searchFrom = this.pending.length;
    let start = 0;
    const n = text.length;
    while (start < n) {
      let lf = text.indexOf('\n', searchFrom);
      let cr = text.indexOf('\r', searchFrom);
      if (lf < 0) lf = n;
      if (cr < 0) cr = n;
      const end = lf < cr ? lf : cr;
      if (end === n) break; // incomplete line
      this.line(text, start, end);
      if (end === cr && end + 1 < n && text.charCodeAt(end + 1) === 10) start = end + 2;
      else {
        if (end === cr && end + 1 === n) this.skipLeadingLF = true; // CRLF split across chunks
        start = end + 1;
      }
      searchFrom = start;
    }
    this.pending = start < n ? text.slice(start) : '';
  }

  private line(text: string, start: number, end: number): void {
    if (start === end) return this.dispatch();
    const first = text.charCodeAt(start);
    if (first === 58 /* : */) {
      this.sink.onComment?.(text.slice(text.charCodeAt(start + 1) === 32 ? start + 2 : start + 1, end));
      return;
    }
    let colon = text.indexOf(':', start);
    if (colon < 0 || colon > end) colon = end;
    const field = text.slice(start, colon);
    let valueStart = colon + 1;
    if (valueStart < end && text.charCodeAt(valueStart) === 32) valueStart++;
    const value = colon === end ? '' : text.slice(valueStart, end);
    switch (field) {
      case 'data':
        this.data = this.dataLines === 0 ? value : `${this.data}\n${value}`;
        this.dataLines++;
        return;
      case 'event':
        this.eventType = value;
        return;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        return;
      case 'retry':
        if (/^\d+$/.test(value)) this.sink.onRetry(Number(value));
        return;
      default:
        return; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    if (this.dataLines === 0) {
      this.eventType = '';
      return;
    }
    const event = this.eventType === '' ? 'message' : this.eventType;
    const data = this.data;
    this.data = '';
    this.dataLines = 0;
    this.eventType = '';
    this.sink.onEvent(event, data, this.lastEventId);
  }
}
