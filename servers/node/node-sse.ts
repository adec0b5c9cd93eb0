// node-sse: SSE on bare node:http, events written straight to the socket.
import { createServer } from 'node:http';
import { PATHS } from '../contract.ts';
import { readCoreConfig } from './config.ts';
import { PushCore } from './core.ts';
import { handleControl } from './control-http.ts';
import { sseFramer } from './framers.ts';
import { listen } from './serve.ts';
import { serveRawSse } from './transport-sse.ts';

const config = readCoreConfig('sse');
const core = new PushCore(config, sseFramer, { messages: true });
const server = createServer((req, res) => {
  if (handleControl(core, req, res)) return;
  if (req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname === PATHS.sse) {
    serveRawSse(core, req);
    return;
  }
  res.writeHead(404).end();
});
listen(server, core, config, 'node-sse');
