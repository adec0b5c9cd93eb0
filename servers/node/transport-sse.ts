// SSE subscribers. Two styles, one per server of the pair family:
// - raw: the response head is written straight to the socket and events follow as raw bytes
//   (no chunked framing; the body ends when the connection closes) — the cheapest path on bare
//   node:http, the twin of pre-framed WS writes;
// - response: `res.write` per event as frameworks do (express), with Node's chunked encoding and
//   its implicit per-tick corking.
import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENV, parseLastEventId } from '../contract.ts';
import { placeOf, type PushCore, type StreamPlace, type Subscriber } from './core.ts';

/**
 * PUSHBENCH_ACCEL_HEADER=0 leaves out `X-Accel-Buffering: no`, so the path scenario can show what
 * nginx does to an SSE stream without it. Read once: a server's headers do not change while it runs.
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  ...(process.env[ENV.accelHeader] === '0' ? {} : { 'X-Accel-Buffering': 'no' }),
};

const RAW_HEAD = Buffer.from(
  'HTTP/1.1 200 OK\r\n' +
    Object.entries(SSE_HEADERS)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n',
);

/** Last-Event-ID header wins over ?lastEventId= (a browser sends the header on reconnect). */
export function lastEventIdOf(req: IncomingMessage): number | null {
  const header = req.headers['last-event-id'];
  const fromHeader = parseLastEventId(Array.isArray(header) ? header[0] : header);
  if (fromHeader !== null) return fromHeader;
  const url = new URL(req.url ?? '/', 'http://x');
  return parseLastEventId(url.searchParams.get('lastEventId'));
}

/** The stream's place for the messages addition (`?client=<id>&room=<name>`). */
export function placeOfRequest(req: IncomingMessage): StreamPlace {
  return placeOf(new URL(req.url ?? '/', 'http://x'));
}

export function serveRawSse(core: PushCore, req: IncomingMessage): void {
  const socket = req.socket;
  socket.setNoDelay(true);
  socket.write(RAW_HEAD);
  const sub = socketSubscriber(socket);
  socket.on('close', () => core.unsubscribe(sub));
  socket.on('error', () => socket.destroy());
  core.subscribe(sub, lastEventIdOf(req), placeOfRequest(req));
}

export function serveResponseSse(core: PushCore, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, SSE_HEADERS);
  res.socket?.setNoDelay(true);
  const sub: Subscriber = {
    write: (bytes) => void res.write(bytes),
    writeMany: (chunks) => {
      for (const c of chunks) res.write(c);
    },
    ping: () => undefined,
    close: () => void res.end(),
  };
  res.on('close', () => core.unsubscribe(sub));
  core.subscribe(sub, lastEventIdOf(req), placeOfRequest(req));
}

/** A subscriber writing straight to a socket; several chunks go out as one writev. */
export function socketSubscriber(socket: Socket, ping: () => void = () => undefined, close?: () => void): Subscriber {
  return {
    write: (bytes) => void socket.write(bytes),
    writeMany: (chunks) => {
      socket.cork();
      for (const c of chunks) socket.write(c);
      socket.uncork();
    },
    ping,
    close: close ?? (() => void socket.end()),
  };
}
