// tcp-floor: raw node:net, newline-delimited JSON events, same core: the floor every figure is
// compared with. One port serves both: a connection whose first line is `STREAM <id>` is a stream,
// anything else is handed to the HTTP server for /healthz and /control/*.
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { TCP_STREAM_PREFIX, parseLastEventId } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { PushCore } from './core.ts';
import { handleControl } from './control-http.ts';
import { tcpFramer } from './framers.ts';
import { listen } from './serve.ts';
import { socketSubscriber } from './transport-sse.ts';

const config = readCoreConfig('tcp');
const core = new PushCore(config, tcpFramer);
const http = createHttpServer((req, res) => {
  if (!handleControl(core, req, res)) res.writeHead(404).end();
});
const MAX_FIRST_LINE = 64;

const server = createServer((socket) => {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    if (head.length < TCP_STREAM_PREFIX.length && !head.includes(0x0a)) return;
    if (head.subarray(0, TCP_STREAM_PREFIX.length).toString('latin1') !== TCP_STREAM_PREFIX) {
      socket.off('data', onData);
      socket.pause();
      socket.unshift(head);
      http.emit('connection', socket);
      socket.resume();
      return;
    }
    const nl = head.indexOf(0x0a);
    if (nl < 0) {
      if (head.length > MAX_FIRST_LINE) socket.destroy();
      return;
    }
    socket.off('data', onData);
    const id = parseLastEventId(head.subarray(TCP_STREAM_PREFIX.length, nl).toString('latin1'));
    startStream(socket, id);
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
});

function startStream(socket: Socket, lastEventId: number | null): void {
  socket.setNoDelay(true);
  const sub = socketSubscriber(socket);
  socket.on('close', () => core.unsubscribe(sub));
  // Clients send nothing after the first line; read and discard so the socket stays healthy.
  socket.on('data', () => undefined);
  core.subscribe(sub, lastEventId);
}

listen(server, core, config, 'tcp-floor');
