// Per-transport framing, done once per event: the same bytes then go to every client.
import { helloJson, envelopeJson } from './payload.ts';
import type { Framer } from './core.ts';

export const sseFramer: Framer = {
  frame: (seq, event, dataJson) => Buffer.from(`id: ${seq}\nevent: ${event}\ndata: ${dataJson}\n\n`),
  // CONTRACT: `retry:` first, then a comment line.
  hello: (retryMs) => Buffer.from(`retry: ${retryMs}\n: pushbench\n\n`),
  heartbeat: Buffer.from(': hb\n\n'),
};

export const wsFramer: Framer = {
  frame: (seq, event, dataJson) => wsTextFrame(envelopeJson(seq, event, dataJson)),
  hello: (retryMs) => wsTextFrame(helloJson(retryMs)),
  heartbeat: null, // WS ping through the ws library
};

export const tcpFramer: Framer = {
  frame: (seq, event, dataJson) => Buffer.from(`${envelopeJson(seq, event, dataJson)}\n`),
  hello: (retryMs) => Buffer.from(`${helloJson(retryMs)}\n`),
  heartbeat: Buffer.from('\n'),
};

/**
 * One unmasked server-to-client text frame (RFC 6455 §5.2), header and payload in one buffer.
 * Written by hand because ws's own `Sender.frame` is untyped internals; this is 20 lines.
 */
export function wsTextFrame(text: string): Buffer {
  const payloadLength = Buffer.byteLength(text);
  const headerLength = payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLength + payloadLength);
  out[0] = 0x81; // FIN + opcode 1 (text)
  if (headerLength === 2) {
    out[1] = payloadLength;
  } else if (headerLength === 4) {
    out[1] = 126;
    out.writeUInt16BE(payloadLength, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(payloadLength), 2);
  }
  out.write(text, headerLength, 'utf8');
  return out;
}
