// SSE on HTTP/2 streams, and the byte sniffing that lets one port serve HTTP/2 (h2c, prior
// knowledge) next to HTTP/1.1: the same PushCore and the same SSE framer as node-sse, so the
// HTTP/1.1 and HTTP/2 servers differ only in how the event bytes are carried.
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { parseLastEventId } from '../contract.ts';
import { placeOf, type PushCore, type Subscriber } from './core.ts';
import { SSE_HEADERS } from './transport-sse.ts';

/** The response head of an SSE stream on HTTP/2: node-sse's headers, lower-cased as HTTP/2 wants. */
const H2_SSE_HEAD = {
  ':status': 200,
  ...Object.fromEntries(Object.entries(SSE_HEADERS).map(([k, v]) => [k.toLowerCase(), v])),
};

/** Start of the client connection preface (RFC 9113 §3.4); no HTTP/1.x method is called PRI. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0');

/** Last-Event-ID header wins over ?lastEventId=, as in transport-sse.ts. */
export function lastEventIdOfH2(headers: IncomingHttpHeaders): number | null {
  const header = headers['last-event-id'];
  const fromHeader = parseLastEventId(Array.isArray(header) ? header[0] : header);
  if (fromHeader !== null) return fromHeader;
  const url = new URL(headers[':path'] ?? '/', 'http://x');
  return parseLastEventId(url.searchParams.get('lastEventId'));
}

/** One SSE stream on one HTTP/2 stream; the prebuilt event bytes go out as DATA frames. */
export function serveH2Sse(core: PushCore, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  stream.respond(H2_SSE_HEAD);
  const sub: Subscriber = {
    write: (bytes) => void stream.write(bytes),
    // Corked, the chunks leave in one writev: the twin of socketSubscriber's cork.
    writeMany: (chunks) => {
      stream.cork();
      for (const c of chunks) stream.write(c);
      stream.uncork();
    },
    ping: () => undefined,
    // END_STREAM on this stream only: the TCP connection and its other streams stay up.
    close: () => void stream.end(),
  };
  stream.on('close', () => core.unsubscribe(sub));
  // A client's RST_STREAM or a dying session: 'close' follows and unsubscribes; without a
  // listener the error would crash the server.
  stream.on('error', () => undefined);
  core.subscribe(sub, lastEventIdOfH2(headers), placeOf(new URL(headers[':path'] ?? '/', 'http://x')));
}

/**
 * Reads the first bytes of a connection and hands the socket, those bytes put back, to `h2` when
 * they start the HTTP/2 preface, else to `http1`. Both take the socket through their
 * 'connection' event, as if they had accepted it themselves.
 */
export function sniffConnection(socket: Socket, h2: { emit(event: 'connection', s: Socket): boolean }, http1: { emit(event: 'connection', s: Socket): boolean }): void {
  let head: Buffer | null = null;
  const onData = (chunk: Buffer): void => {
    head = head === null ? chunk : Buffer.concat([head, chunk]);
    const n = Math.min(head.length, H2_PREFACE.length);
    const maybeH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (maybeH2 && head.length < H2_PREFACE.length) return; // too short to tell yet
    socket.off('data', onData);
    socket.pause();
    socket.unshift(head);
    if (maybeH2) {
      // node:http2 reads what is already buffered on the socket, then takes over its handle.
      h2.emit('connection', socket);
    } else {
      http1.emit('connection', socket);
      socket.resume();
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

/** First byte of a TLS record carrying a handshake (the ClientHello); no HTTP method starts with it. */
export const TLS_HANDSHAKE_BYTE = 0x16;

/**
 * TLS mode's twin of sniffConnection: a connection whose first byte starts a TLS handshake goes
 * to `tls`, anything else to `http1` as plain HTTP/1.1, so the harness's http:// readiness and
 * control calls work on the same port as the browser's https:// streams.
 */
export function sniffTls(socket: Socket, tls: { emit(event: 'connection', s: Duplex): boolean }, http1: { emit(event: 'connection', s: Socket): boolean }): void {
  socket.once('data', (head: Buffer) => {
    if (head[0] === TLS_HANDSHAKE_BYTE) {
      tls.emit('connection', replayingStream(socket, head));
      return;
    }
    socket.pause();
    socket.unshift(head);
    http1.emit('connection', socket);
    socket.resume();
  });
  socket.on('error', () => socket.destroy());
}

/**
 * A JS stream over `socket` that first yields `head`. Node's TLS wraps a net.Socket's C++ handle
 * directly and so never sees bytes already read (measured: an unshifted ClientHello is lost and
 * the handshake hangs); a plain Duplex is read through the stream API instead. The copy costs a
 * little CPU per byte: TLS mode exists for browsers, the harness measures h2c.
 */
function replayingStream(socket: Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _enc, done) => void socket.write(chunk, done),
    final: (done) => void socket.end(done),
    destroy: (err, done) => {
      socket.destroy();
      done(err);
    },
  });
  stream.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  return stream;
}
