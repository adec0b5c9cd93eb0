// seq/t0/t1 of an event read straight from the received bytes, and the one event object a process
// hands to its handlers. The clients spend their CPU on every delivered event, and that CPU is part
// of what a run measures: no intermediate strings on the fast path, no object per event.
import { BINARY_EVENT } from '../../servers/contract.ts';
import type { ReceivedEvent } from './types.ts';

const SEQ_HEAD = Buffer.from('{"seq":');
const T0_HEAD = Buffer.from(',"t0":"');
const T1_HEAD = Buffer.from('","t1":"');
/** The binary addition's base64 field, right after t1's closing quote. */
const BIN_HEAD = Buffer.from(',"bin":"');
const QUOTE = 0x22;

/**
 * The event object every client of this process reuses: handlers read it during onEvent and must
 * copy what they keep (StreamHandlers.onEvent says so). One per process, not one per event.
 */
const shared: ReceivedEvent = { seq: 0, t0: 0, t1: 0, recvNs: 0, binBytes: 0 };

/** Fills the shared event; returns it. */
export function sharedEvent(seq: number, t0: number, t1: number, recvNs: number, binBytes = 0): ReceivedEvent {
  shared.seq = seq;
  shared.t0 = t0;
  shared.t1 = t1;
  shared.recvNs = recvNs;
  shared.binBytes = binBytes;
  return shared;
}

/** base64 alphabet value of each byte (RFC 4648 §4), -1 for anything else. */
const B64 = new Int8Array(256).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) B64[c.charCodeAt(0)] = i;
const PAD = 0x3d; // '='

/**
 * Where decoded binary payloads go: one buffer per process, grown for the largest payload seen.
 * The harness does not keep the bytes; decoding them is the work any client that wants the bytes
 * of an SSE event has to do (the binary addition's SSE cost), so the client does it too.
 */
let decoded = Buffer.allocUnsafe(4096);

/**
 * Decodes base64 at bytes [at, end) of `buf` up to the closing quote into the shared buffer, with
 * no string in between (what atob costs a browser, on bytes). Returns the bytes decoded, or -1 when
 * the text is not base64 or no quote ends it.
 */
export function decodeBase64At(buf: Buffer, at: number, end: number): number {
  let close = at;
  while (close < end && buf[close] !== QUOTE) close++;
  if (close === end) return -1;
  let len = close - at;
  if (len % 4 !== 0) return -1;
  let pads = 0;
  if (len > 0 && buf[close - 1] === PAD) pads++;
  if (len > 1 && buf[close - 2] === PAD) pads++;
  const out = (len / 4) * 3 - pads;
  if (out > decoded.length) decoded = Buffer.allocUnsafe(Math.max(out, 2 * decoded.length));
  len -= pads === 0 ? 0 : 4; // the last group, padded, decodes apart
  let o = 0;
  let i = at;
  for (const stop = at + len; i < stop; i += 4) {
    const a = B64[buf[i]!]!;
    const b = B64[buf[i + 1]!]!;
    const c = B64[buf[i + 2]!]!;
    const d = B64[buf[i + 3]!]!;
    if ((a | b | c | d) < 0) return -1;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    decoded[o++] = n >> 16;
    decoded[o++] = (n >> 8) & 0xff;
    decoded[o++] = n & 0xff;
  }
  if (pads > 0) {
    const a = B64[buf[i]!]!;
    const b = B64[buf[i + 1]!]!;
    const c = pads === 1 ? B64[buf[i + 2]!]! : 0;
    if ((a | b | c) < 0) return -1;
    const n = (a << 18) | (b << 12) | (c << 6);
    decoded[o++] = n >> 16;
    if (pads === 1) decoded[o++] = (n >> 8) & 0xff;
  }
  return o;
}

/** The decoded bytes of the last decodeBase64At (tests read them; the hot path does not). */
export function lastDecoded(length: number): Buffer {
  return decoded.subarray(0, length);
}

/** A 64-bit big-endian unsigned integer at `at` as a double (exact below 2^53), with no BigInt. */
function u64At(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

/**
 * The binary addition's WS event (contract.ts BINARY_EVENT) from a binary message at [start, end):
 * seq, t0, t1 from its header; the payload after the name is used where it lies. Null when the
 * message is shorter than its header.
 */
export function eventFromBinary(buf: Buffer, start: number, end: number, recvNs: number): ReceivedEvent | null {
  if (end - start < BINARY_EVENT.nameAt) return null;
  const payloadAt = start + BINARY_EVENT.nameAt + buf[start + BINARY_EVENT.nameLengthAt]!;
  if (payloadAt > end) return null;
  return sharedEvent(u64At(buf, start + BINARY_EVENT.seqAt), u64At(buf, start + BINARY_EVENT.t0At), u64At(buf, start + BINARY_EVENT.t1At), recvNs, end - payloadAt);
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
        const t1 = digitsValue;
        const bin = digitsEnd + 1;
        // The binary addition: the payload is base64 in `bin`, decoded as a client that wants the bytes must.
        if (startsWithAt(buf, bin, end, BIN_HEAD)) return sharedEvent(seq, t0, t1, recvNs, decodeBase64At(buf, bin + BIN_HEAD.length, end));
        return sharedEvent(seq, t0, t1, recvNs);
      }
    }
  }
  return eventFromJson(buf.toString('utf8', start, end), recvNs);
}

/** The slow path: any field order, any JSON number form. */
export function eventFromJson(dataJson: string, recvNs: number): ReceivedEvent | null {
  try {
    const d = JSON.parse(dataJson) as { seq?: unknown; t0?: unknown; t1?: unknown; bin?: unknown } | null;
    if (d === null || typeof d !== 'object' || typeof d.seq !== 'number' || !Number.isInteger(d.seq) || typeof d.t0 !== 'string' || typeof d.t1 !== 'string') return null;
    const t0 = Number(d.t0);
    const t1 = Number(d.t1);
    if (!Number.isFinite(t0) || !Number.isFinite(t1)) return null;
    const binBytes = typeof d.bin === 'string' ? (/^[A-Za-z0-9+/]*={0,2}$/.test(d.bin) && d.bin.length % 4 === 0 ? Buffer.from(d.bin, 'base64').length : -1) : 0;
    return sharedEvent(d.seq, t0, t1, recvNs, binBytes);
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
