// seq/t0/t1 of an event read straight from the received bytes, and the one event object a process
// hands to its handlers. The clients spend their CPU on every delivered event, and that CPU is part
// of what a run measures: no intermediate strings on the fast path, no object per event.
import type { ReceivedEvent } from './types.ts';

const SEQ_HEAD = Buffer.from('{"seq":');
const T0_HEAD = Buffer.from(',"t0":"');
const T1_HEAD = Buffer.from('","t1":"');
const QUOTE = 0x22;

/**
 * The event object every client of this process reuses: handlers read it during onEvent and must
 * copy what they keep (StreamHandlers.onEvent says so). One per process, not one per event.
 */
const shared: ReceivedEvent = { seq: 0, t0: 0, t1: 0, recvNs: 0 };

/** Fills the shared event; returns it. */
export function sharedEvent(seq: number, t0: number, t1: number, recvNs: number): ReceivedEvent {
  shared.seq = seq;
  shared.t0 = t0;
  shared.t1 = t1;
  shared.recvNs = recvNs;
  return shared;
}

function startsWithAt(buf: Buffer, at: number, end: number, head: Buffer): boolean {
  if (end - at < head.length) return false;
  for (let k = 0; k < head.length; k++) if (buf[at + k] !== head[k]) return false;
  return true;
}

/**
 * Decimal digits at [at, end) up to the first non-digit: the value and where it stopped, packed in
 * the two module slots below (no tuple per call). Exact for integers below 2^53 (hrtime ns of 104
 * days, and every seq).
 */
let digitsValue = 0;
let digitsEnd = 0;
function readDigits(buf: Buffer, at: number, end: number): boolean {
  let v = 0;
  let i = at;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  digitsValue = v;
  digitsEnd = i;
  return i > at;
}

/**
 * Reads seq/t0/t1 of an event's data JSON (the contract's `data`) at bytes [start, end). Fast path
 * for the field order every pushbench server writes (`{"seq":N,"t0":"..","t1":"..",...}`), a full
 * JSON.parse for any other order; null when the JSON carries no such fields.
 */
export function eventFromBytes(buf: Buffer, start: number, end: number, recvNs: number): ReceivedEvent | null {
  if (startsWithAt(buf, start, end, SEQ_HEAD) && readDigits(buf, start + SEQ_HEAD.length, end)) {
    const seq = digitsValue;
    let i = digitsEnd;
    if (startsWithAt(buf, i, end, T0_HEAD) && readDigits(buf, i + T0_HEAD.length, end)) {
      const t0 = digitsValue;
      i = digitsEnd;
      if (startsWithAt(buf, i, end, T1_HEAD) && readDigits(buf, i + T1_HEAD.length, end) && buf[digitsEnd] === QUOTE) {
        return sharedEvent(seq, t0, digitsValue, recvNs);
      }
    }
  }
  return eventFromJson(buf.toString('utf8', start, end), recvNs);
}

/** The slow path: any field order, any JSON number form. */
export function eventFromJson(dataJson: string, recvNs: number): ReceivedEvent | null {
  try {
    const d = JSON.parse(dataJson) as { seq?: unknown; t0?: unknown; t1?: unknown } | null;
    if (d === null || typeof d !== 'object' || typeof d.seq !== 'number' || !Number.isInteger(d.seq) || typeof d.t0 !== 'string' || typeof d.t1 !== 'string') return null;
    const t0 = Number(d.t0);
    const t1 = Number(d.t1);
    if (!Number.isFinite(t0) || !Number.isFinite(t1)) return null;
    return sharedEvent(d.seq, t0, t1, recvNs);
  } catch {
    return null;
  }
}

/**
 * Where the data object of a WS/TCP envelope (`{"id":N,"event":"..","data":{...}}`) starts: after
 * the first `"data":` (the framer writes id and event first, and an event name holds no quote), up
 * to the envelope's closing brace. -1 when there is none.
 */
const DATA_HEAD = Buffer.from('"data":');
export function envelopeDataStart(buf: Buffer, start: number, end: number): number {
  const i = buf.indexOf(DATA_HEAD, start);
  return i < 0 || i + DATA_HEAD.length >= end ? -1 : i + DATA_HEAD.length;
}

/** The envelope's event from bytes [start, end) (`end` just past its closing brace). */
export function eventFromEnvelope(buf: Buffer, start: number, end: number, recvNs: number): ReceivedEvent | null {
  const d = envelopeDataStart(buf, start, end);
  return d < 0 ? null : eventFromBytes(buf, d, end - 1, recvNs);
}

const HELLO_HEAD = Buffer.from('{"hello"');
const RETRY_HEAD = Buffer.from('"retry":');

/** True when bytes [start, end) are the hello frame/line (`{"hello":true,"retry":N}`). */
export function isHello(buf: Buffer, start: number, end: number): boolean {
  return startsWithAt(buf, start, end, HELLO_HEAD);
}

/** The hello's retry hint in ms, or null when it has none. */
export function helloRetry(buf: Buffer, start: number, end: number): number | null {
  const i = buf.indexOf(RETRY_HEAD, start);
  if (i < 0 || i >= end) return null;
  return readDigits(buf, i + RETRY_HEAD.length, end) ? digitsValue : null;
}
