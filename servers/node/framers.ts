// Per-transport framing, done once per event: the same bytes then go to every client.
import { BINARY_EVENT } from '../contract.ts';
import { binaryDataJson, envelopeJson, helloJson, messageEnvelopeJson } from './payload.ts';
import type { Framer } from './core.ts';

export const sseFramer: Framer = {
  frame: (seq, event, dataJson) => Buffer.from(`id: ${seq}\nevent: ${event}\ndata: ${dataJson}\n\n`),
  // The binary addition: SSE is UTF-8 text, so the bytes go base64-encoded in the data.
  frameBinary: (seq, event, t0, t1, bytes) => Buffer.from(`id: ${seq}\nevent: ${event}\ndata: ${binaryDataJson(seq, t0, t1, bytes)}\n\n`),
  // Messages addition: no id line, so a relayed message never moves a client's Last-Event-ID.
  message: (event, dataJson) => Buffer.from(`event: ${event}\ndata: ${dataJson}\n\n`),
  // CONTRACT: `retry:` first, then a comment line (PUSHBENCH_RETRY_FIELD=0: the comment alone).
  hello: (retryMs) => Buffer.from(retryMs === null ? ': pushbench\n\n' : `retry: ${retryMs}\n: pushbench\n\n`),
  heartbeat: Buffer.from(': hb\n\n'),
};

export const wsFramer: Framer = {
  frame: (seq, event, dataJson) => wsTextFrame(envelopeJson(seq, event, dataJson)),
  frameBinary: (seq, event, t0, t1, bytes) => wsBinaryEventFrame(seq, event, t0, t1, bytes),
  message: (event, dataJson) => wsTextFrame(messageEnvelopeJson(event, dataJson)),
  hello: (retryMs) => wsTextFrame(helloJson(retryMs)),
  heartbeat: null, // WS ping through the ws library
};

export const tcpFramer: Framer = {
  frame: (seq, event, dataJson) => Buffer.from(`${envelopeJson(seq, event, dataJson)}\n`),
  // A line protocol like SSE: base64, as SSE carries it (the floor of the text wire, not of binary frames).
  frameBinary: (seq, event, t0, t1, bytes) => Buffer.from(`${envelopeJson(seq, event, binaryDataJson(seq, t0, t1, bytes))}\n`),
  message: (event, dataJson) => Buffer.from(`${messageEnvelopeJson(event, dataJson)}\n`),
  hello: (retryMs) => Buffer.from(`${helloJson(retryMs)}\n`),
  heartbeat: Buffer.from('\n'),
};

/** The WS frame header's length for a payload of `n` bytes (server frames are never masked). */
function headerLength(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

function writeHeader(out: Buffer, opcode: number, n: number): number {
  const h = headerLength(n);
  out[0] = 0x80 | opcode; // FIN + opcode
  if (h === 2) out[1] = n;
  else if (h === 4) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  return h;
}

/** The binary addition's event as one binary frame (layout: contract.ts BINARY_EVENT). */
export function wsBinaryEventFrame(seq: number, event: string, t0: bigint, t1: bigint, bytes: Buffer): Buffer {
  const nameLength = Buffer.byteLength(event, 'latin1');
  const n = BINARY_EVENT.nameAt + nameLength + bytes.length;
  const out = Buffer.allocUnsafe(headerLength(n) + n);
  const p = writeHeader(out, 0x2, n);
  out.writeBigUInt64BE(BigInt(seq), p + BINARY_EVENT.seqAt);
  out.writeBigUInt64BE(t0, p + BINARY_EVENT.t0At);
  out.writeBigUInt64BE(t1, p + BINARY_EVENT.t1At);
  out[p + BINARY_EVENT.nameLengthAt] = nameLength;
  out.write(event, p + BINARY_EVENT.nameAt, 'latin1');
  bytes.copy(out, p + BINARY_EVENT.nameAt + nameLength);
  return out;
}

/**
 * One unmasked server-to-client text frame (RFC 6455 §5.2), header and payload in one buffer.
 * Written by hand because ws's own `Sender.frame` is untyped internals; this is 20 lines.
 */
export function wsTextFrame(text: string): Buffer {
  const payloadLength = Buffer.byteLength(text);
  const out = Buffer.allocUnsafe(headerLength(payloadLength) + payloadLength);
  out.write(text, writeHeader(out, 0x1, payloadLength), 'utf8');
  return out;
}
