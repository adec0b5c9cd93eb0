// WS subscribers: ws performs the upgrade and answers pings/close; events are pre-framed once
// (framers.ts) and written straight to the upgraded socket, the cheapest fair path (CONTRACT.md).
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { PATHS, parseLastEventId } from '../contract.ts';
import { placeOf, type PushCore } from './core.ts';
import { relayFrame } from './messages-http.ts';
import { socketSubscriber } from './transport-sse.ts';

export function attachWs(server: HttpServer, core: PushCore): void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== PATHS.ws) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const lastEventId = parseLastEventId(url.searchParams.get('lastEventId'));
    const place = placeOf(url);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // The upgraded connection is the same socket ws now owns; writing whole frames to it between
      // ws's own writes is safe on one thread.
      const tcp = socket as Socket;
      const sub = socketSubscriber(
        tcp,
        () => ws.ping(),
        // 1012 "service restart": the client should come back and resume.
        () => ws.close(1012, 'drop'),
      );
      tcp.setNoDelay(true);
      ws.on('close', () => core.unsubscribe(sub));
      ws.on('error', () => ws.terminate());
      ws.on('message', (data: Buffer, isBinary: boolean) => relayFrame(core, sub, data, isBinary));
      core.subscribe(sub, lastEventId, place);
    });
  });
}
