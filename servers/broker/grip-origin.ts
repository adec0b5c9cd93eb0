// The origin behind the built-in Pushpin target: it answers every subscribe with GRIP hold
// instructions and is never asked again for SSE; for WebSocket-over-HTTP it answers OPEN with a
// subscribe control message. Publishing goes to Pushpin's publish API, never through here.
// Listens on HOST:PORT (127.0.0.1 and the port the harness chose).
import { createServer } from 'node:http';
import { BROKER_CHANNEL } from '../contract.ts';

const WS_EVENTS = 'application/websocket-events';
const subscribe = `c:${JSON.stringify({ type: 'subscribe', channel: BROKER_CHANNEL })}`;
const OPEN_REPLY = `OPEN\r\nTEXT ${Buffer.byteLength(subscribe).toString(16)}\r\n${subscribe}\r\n`;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.headers['content-type'] === WS_EVENTS) {
      const events = Buffer.concat(chunks).toString();
      res.writeHead(200, { 'content-type': WS_EVENTS, 'sec-websocket-extensions': 'grip' });
      // OPEN: accept and subscribe. CLOSE: close back. Anything else (DISCONNECT, pings): nothing to say.
      res.end(events.startsWith('OPEN') ? OPEN_REPLY : events.startsWith('CLOSE') ? 'CLOSE\r\n' : '');
      return;
    }
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    // SSE: Pushpin holds the response open as a stream on the channel; the comment opens it.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'grip-hold': 'stream', 'grip-channel': BROKER_CHANNEL });
    res.end(':ok\n\n');
  });
});
// zurl opens a connection per held request: a ramp's burst of subscribes must not overflow the backlog.
server.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1', backlog: 4096 });
// Nothing to flush: Pushpin holds the streams, not this process.
process.on('SIGTERM', () => process.exit(0));
